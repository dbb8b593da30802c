"""`rules diff` on the shipped RAMSA committee substitute (examples/amendments/).

The amendment: a 60-day review window in §4(f)(2); semiconductor wafers added to the select
derivative products (§3(7), with the conforming §3(3)(B)(i) and §4(e)(2)); Venezuela struck from
§3(4); the trust fund split 50/30/20 (§6(d)(1)); and a technical correction of §4(k)(2) that
changes text only. The corpus is examples/amendments/corpus/.
"""
import json
import os

import pytest
import yaml
from click.testing import CliRunner

from cli.main import main
from interpreter import api
from interpreter.language.diagnostics import UserError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OLD = os.path.join(ROOT, "rules", "ramsa")
NEW = os.path.join(ROOT, "examples", "amendments", "ramsa_committee_substitute")
CORPUS = os.path.join(ROOT, "examples", "amendments", "corpus")

# Each behaviour-changing amendment, by the citations its behaviour changes carry.
AMENDMENTS = {
    "60-day review window": {"RAMSA §4(f)(2)"},
    "Venezuela struck": {"RAMSA §3(4)", "RAMSA §3(4)(B)"},
    "semiconductor wafers": {"RAMSA §3(7)", "RAMSA §3(3)(B)(i)", "RAMSA §4(e)(2)"},
    "trust fund 50/30/20": {"RAMSA §6(d)(1)(A)", "RAMSA §6(d)(1)(B)"},
}


def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def without_corpus(tmp_path_factory):
    directory = tmp_path_factory.mktemp("witnesses")
    result = run("diff", OLD, NEW, "--format", "json", "--witnesses", str(directory), "--no-explanations")
    return result.exit_code, json.loads(result.stdout), directory


@pytest.fixture(scope="module")
def with_corpus():
    result = run("diff", OLD, NEW, "--format", "json", "--facts", CORPUS, "--no-witnesses")
    return result.exit_code, json.loads(result.stdout)


def test_each_changed_provision_is_named_by_citation_and_exit_is_1(without_corpus):
    code, doc, _ = without_corpus
    assert code == 1 and doc["differences"] is True
    by_citation = {p["citation"]: p for p in doc["provisions"]}
    expected = {"RAMSA §3(3)(B)(i)", "RAMSA §3(4)", "RAMSA §3(4)(A)", "RAMSA §3(4)(B)", "RAMSA §3(7)",
                "RAMSA §4(e)(2)", "RAMSA §4(f)(2)", "RAMSA §4(k)(2)", "RAMSA §6(d)(1)(A)", "RAMSA §6(d)(1)(B)"}
    assert expected <= set(by_citation)
    assert by_citation["RAMSA §3(4)(B)"]["change"] == "removed"
    assert by_citation["RAMSA §3(4)(A)"]["change"] == "removed"
    assert by_citation["RAMSA §3(4)(A)"]["merged_into"] == "RAMSA §3(4)"  # its text now stands in (4)
    # "90" also stands in "90-day": the instruction strikes the words that are unique
    assert "strike “90 days” and insert “60 days”" in by_citation["RAMSA §4(f)(2)"]["text_edits"]
    assert by_citation["RAMSA §4(f)(2)"]["old"]["text"].startswith("a period of 90 days")
    assert by_citation["RAMSA §4(f)(2)"]["new"]["text"].startswith("a period of 60 days")
    [rule] = [r for r in by_citation["RAMSA §4(f)(2)"]["rules"] if r["label"] == "Country.review_period_end"]
    assert "+ 90 days" in rule["old"]["source"] and "+ 60 days" in rule["new"]["source"]
    moved = [v for v in by_citation["RAMSA §3(4)"]["values"] if v["id"] == "countries_of_concern_under_4651"]
    assert moved and moved[0]["change"] == "moved" and moved[0]["old_citation"] == "RAMSA §3(4)(A)"
    [enum] = [d for d in doc["declarations"] if d["name"] == "ProductForm"]
    assert enum["details"] == ["variant `semiconductor_wafer` added"]


def test_the_technical_correction_changes_text_only(without_corpus, with_corpus):
    _, doc, _ = without_corpus
    [correction] = [p for p in doc["provisions"] if p["citation"] == "RAMSA §4(k)(2)"]
    assert correction["text_only"] and not correction["behavioural"]
    # "criteria" occurs three times in the paragraph: the instruction quotes the words that make it unique
    assert correction["text_edits"] == ["strike “criteria eligibility” and insert “eligibility”"]
    assert not any("RAMSA §4(k)(2)" in c["citations"] for c in doc["behaviour_changes"])  # no witness for it
    _, corpus = with_corpus
    [reports] = [f for f in corpus["impact"] if f["file"].endswith("annual_reports.yaml")]
    assert reports["decisions_changed"] == [] and reports["basis_changed"] == []


def test_a_witness_for_every_behaviour_changing_amendment_disagrees_under_rules_eval(without_corpus):
    _, doc, directory = without_corpus
    found = {}
    for change in doc["behaviour_changes"]:
        for name, citations in AMENDMENTS.items():
            if set(change["citations"]) & citations and change["witness_status"] == "found":
                found.setdefault(name, []).append(change)
    assert set(found) == set(AMENDMENTS), {n: [c["witness_status"] for c in doc["behaviour_changes"]] for n in AMENDMENTS}
    for name, changes in found.items():
        for change in changes:
            path = change["witness_file"]
            assert os.path.dirname(path) == str(directory) and os.path.isfile(path)
            assert isinstance(yaml.safe_load(open(path, encoding="utf-8")), dict)
            decisions = {}
            for side in (OLD, NEW):
                result = run("eval", side, path, "--format", "json")
                assert result.exit_code in (0, 4), result.output
                decisions[side] = {d["target"]: (d["status"], d["value"]) for d in json.loads(result.stdout)["decisions"]}
            differing = {t for t in decisions[OLD] if t in decisions[NEW] and decisions[OLD][t] != decisions[NEW][t]}
            settled = {t for t in differing if "undetermined" not in (decisions[OLD][t][0], decisions[NEW][t][0])}
            assert settled, f"{name}: `rules eval` gives the same decisions on {path}"
            assert {d["target"] for d in change["witness_decisions"]} == differing


def test_wafers_need_the_new_vocabulary_for_import_lines(without_corpus):
    _, doc, _ = without_corpus
    [definition] = [c for c in doc["behaviour_changes"] if c["citations"] == ["RAMSA §3(7)"]]
    assert definition["witness_status"] == "new_vocabulary"
    assert definition["new_vocabulary"] == ["ProductForm.semiconductor_wafer"]


def _decisions(loaded, path):
    try:
        return {d.target: d for d in api.evaluate(loaded, path).decisions}
    except UserError:
        return None


def test_with_the_corpus_every_flipped_decision_is_listed_and_basis_changes_apart(with_corpus):
    code, doc = with_corpus
    assert code == 1
    old, new = api.load(OLD), api.load(NEW)
    reported = {f["file"]: f for f in doc["impact"]}
    files = sorted(os.path.join(CORPUS, f) for f in os.listdir(CORPUS) if f.endswith(".yaml"))
    assert sorted(reported) == files
    flipped_anywhere = basis_anywhere = 0
    for path in files:
        a, b = _decisions(old, path), _decisions(new, path)
        item = reported[path]
        if a is None or b is None:
            assert item["not_valid"] and item["decisions_changed"] == []
            continue
        flipped = {t for t in a if t in b and (a[t].outcome.status, a[t].outcome.value) != (b[t].outcome.status, b[t].outcome.value)}
        basis = {t for t in a if t in b and t not in flipped and (a[t].citations, a[t].basis) != (b[t].citations, b[t].basis)}
        assert {c["target"] for c in item["decisions_changed"]} == flipped, path
        assert {c["target"] for c in item["basis_changed"]} == basis, path
        for change in item["decisions_changed"] + item["basis_changed"]:
            assert change["old"]["explanation"]["target"] == change["target"]
            assert change["new"]["explanation"]["target"] == change["target"]
        flipped_anywhere += len(flipped)
        basis_anywhere += len(basis)
    assert flipped_anywhere >= 10 and basis_anywhere >= 1


def test_the_corpus_shows_each_behaviour_change_with_its_cause(with_corpus):
    _, doc = with_corpus
    changed = {(os.path.basename(f["file"]), c["target"]): c for f in doc["impact"] for c in f["decisions_changed"]}
    causes = {c["id"]: set(c["citations"]) for c in doc["behaviour_changes"]}

    def cause(file, target):
        return set().union(*(causes[i] for i in changed[(file, target)]["caused_by"]))

    assert changed[("review_window.yaml", "countries[CHL].may_enter_into_force")]["old"]["value"] is False
    assert changed[("review_window.yaml", "countries[CHL].may_enter_into_force")]["new"]["value"] is True
    assert cause("review_window.yaml", "countries[URY].agreement_in_force") == {"RAMSA §4(f)(2)"}
    assert changed[("venezuela.yaml", "imports[V1].treatment")]["new"]["value"] == "not_covered"
    assert "RAMSA §3(4)(B)" in cause("venezuela.yaml", "imports[V1].treatment")
    assert changed[("select_products.yaml", "countries[JPN].agreement_meets_negotiating_objectives")]["new"]["value"] is False
    dod = changed[("trust_fund.yaml", "fiscal_years[2027].available_to_department_of_defense")]
    assert (dod["old"]["value"], dod["new"]["value"]) == ("258534532.53", "387801798.79")
    basis = {c["target"]: c for f in doc["impact"] if f["file"].endswith("venezuela.yaml") for c in f["basis_changed"]}
    china = basis["imports[C1].treatment"]  # same duty, but §3(4)(A) was folded into §3(4)
    assert china["old"]["value"] == china["new"]["value"] == "section_301_matching"
    assert "RAMSA §3(4)(A)" in china["old"]["basis"] and "RAMSA §3(4)(A)" not in china["new"]["basis"]
    [wafers] = [f for f in doc["impact"] if f["file"].endswith("wafer_imports.yaml")]
    assert [p["side"] for p in wafers["not_valid"]] == ["old"]
    assert {c["target"]: c["new"]["display"] for c in wafers["decisions_one_version_only"]}["imports[W1].treatment"] \
        == "section_301_matching"


def test_the_amendment_script_still_applies_to_rules_ramsa(tmp_path):
    """examples/amendments/make_committee_substitute.py rebuilds the copy from rules/ramsa."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_committee_substitute", os.path.join(ROOT, "examples", "amendments", "make_committee_substitute.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    target = tmp_path / "substitute"
    module.main(str(target))  # exits with the edit that no longer applies, if any
    assert api.load(str(target)).ok
    result = run("diff", NEW, str(target), "--no-witnesses")
    assert result.exit_code in (0, 1)
