"""`rules diff`: structure keyed by citation, decision impact on a corpus, witnesses.

Fixtures: tests/cases/diff_base/rules (the Grants Demonstration Act) and its variants
tests/cases/diff_*/new (renumbered, reference data changed, text only, layout only);
the same cases also run as golden tests of the text output. The RAMSA committee
substitute (examples/amendments/) is tested in test_diff_ramsa.py.
"""
import json
import os
import shutil
import subprocess

import pytest
import yaml
from click.testing import CliRunner

from cli.main import main
from interpreter import load
from interpreter.amendments.diff import compare
from interpreter.amendments.revision import Sides
from interpreter.language.citation import citation_key, parse_citation

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = os.path.join(ROOT, "tests", "cases")
BASE = os.path.join(CASES, "diff_base", "rules")
FACTS = os.path.join(CASES, "diff_base", "facts")


def variant(name: str) -> str:
    return os.path.join(CASES, name, "new")


def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def diff_json(*args):
    result = run("diff", *args, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def eval_json(ruleset: str, facts: str) -> dict:
    result = run("eval", ruleset, facts, "--format", "json")
    assert result.exit_code in (0, 4), result.output
    return {d["target"]: (d["status"], d["value"]) for d in json.loads(result.stdout)["decisions"]}


# ---------------------------------------------------------------- nothing of substance


def test_identical_rule_sets_exit_0_with_nothing_of_substance():
    code, doc = diff_json(BASE, variant("diff_identical"), "--facts", FACTS)
    assert code == 0
    assert doc["differences"] is False
    assert doc["provisions"] == [] and doc["declarations"] == [] and doc["reference_rows"] == []
    assert doc["behaviour_changes"] == []
    assert doc["layout_only"] == ["act.rules"]  # comments and line breaks are not a change
    [corpus] = doc["impact"]
    assert corpus["decisions_changed"] == [] and corpus["basis_changed"] == []


def test_a_rule_set_against_itself_prints_no_differences():
    result = run("diff", BASE, BASE)
    assert result.exit_code == 0
    assert "no differences of substance" in result.stdout
    assert "PROVISIONS" not in result.stdout


# ---------------------------------------------------------------- renumbering


def test_renumbering_is_recognised_and_folds_its_rules():
    code, doc = diff_json(BASE, variant("diff_renumbering"), "--facts", FACTS, "--no-witnesses")
    assert code == 1
    changes = {(p["change"], p["old_citation"], p["new_citation"]) for p in doc["provisions"]}
    assert changes == {("renumbered", "GDA §1(b)", "GDA §1(c)"), ("added", None, "GDA §1(b)")}
    renumbered = next(p for p in doc["provisions"] if p["change"] == "renumbered")
    assert renumbered["rules"] == [] and renumbered["values"] == []  # the rules moved with it: not reported again
    assert doc["behaviour_changes"] == []
    [corpus] = doc["impact"]
    assert corpus["decisions_changed"] == []
    basis = {c["target"]: c for c in corpus["basis_changed"]}
    assert set(basis) == {"applicants[A1].grant_amount", "applicants[A2].grant_amount"}
    change = basis["applicants[A1].grant_amount"]
    assert change["old"]["display"] == change["new"]["display"] == "$10,000.00"
    assert change["old"]["citations"] == ["GDA §1(b)"] and change["new"]["citations"] == ["GDA §1(c)"]
    assert change["old"]["explanation"]["citation"] == "GDA §1(b)"
    assert change["new"]["explanation"]["citation"] == "GDA §1(c)"


def test_renumbering_inside_a_section_keeps_subdivisions_together(tmp_path):
    """Paragraph (2) becomes (3) with its subparagraphs; a new (2) is inserted before it."""
    old = tmp_path / "old"
    new = tmp_path / "new"
    old.mkdir()
    new.mkdir()
    body = """act T "Test Act"
entity Person as person from people key id:
  id: text
  age: integer
  resident: boolean
  student: boolean
section 1 "TEST":
  text "A person qualifies if—"
  decision Person.qualifies: boolean "qualifies" = all of ({parts})
  paragraph (1):
    text "the person is an adult;"
    value Person.adult: boolean "adult" = person.age >= 18
{inserted}  paragraph ({n}):
    text "the person either—"
    value Person.status_ok: boolean "status" = any of (resident_ok, student_ok)
    subparagraph (A):
      text "is a resident; or"
      value Person.resident_ok: boolean "resident" = person.resident
    subparagraph (B):
      text "is a student."
      value Person.student_ok: boolean "student" = person.student
"""
    (old / "t.rules").write_text(body.format(parts="adult, status_ok", inserted="", n="2"), encoding="utf-8")
    inserted = '  paragraph (2):\n    text "the person is not yet 65; and"\n    value Person.under_65: boolean "under 65" = person.age < 65\n'
    (new / "t.rules").write_text(body.format(parts="adult, under_65, status_ok", inserted=inserted, n="3"), encoding="utf-8")
    code, doc = diff_json(str(old), str(new), "--no-witnesses")
    assert code == 1
    by_change = {}
    for p in doc["provisions"]:
        by_change.setdefault(p["change"], []).append(p)
    [moved] = by_change["renumbered"]
    assert (moved["old_citation"], moved["new_citation"]) == ("T §1(2)", "T §1(3)")
    assert moved["renumbered_with_it"] == ["T §1(3)(A)", "T §1(3)(B)"]
    assert [p["new_citation"] for p in by_change["added"]] == ["T §1(2)"]
    assert "removed" not in by_change
    [section] = by_change["changed"]  # the decision now also requires (2)
    assert section["citation"] == "T §1" and section["rules"][0]["aspects"] == ["consequence"]


# ---------------------------------------------------------------- reference data


def test_reference_data_change_is_reported_per_row_with_its_source(tmp_path):
    code, doc = diff_json(BASE, variant("diff_reference_data"), "--witnesses", str(tmp_path))
    assert code == 1
    rows = {(r["key"], r["change"]): r for r in doc["reference_rows"]}
    assert set(rows) == {("MEX", "changed"), ("GBR", "added")}
    mex = rows[("MEX", "changed")]
    assert mex["table"] == "fee_rates" and mex["file"] == "data/fee_rates.csv"
    assert mex["columns"] == [{"column": "rate", "old": "2%", "new": "1.5%"}]
    assert mex["old"]["source"] == "Fee Schedule 2026 (hypothetical)"
    assert mex["new"]["source"] == "Fee Schedule 2027 (hypothetical)"
    assert rows[("GBR", "added")]["new"]["source"] == "Fee Schedule 2027 (hypothetical)"
    [change] = doc["behaviour_changes"]
    assert change["tables"] == ["fee_rates"] and change["witness_status"] == "found"
    witness = change["witness_file"]
    assert os.path.dirname(witness) == str(tmp_path)
    old, new = eval_json(BASE, witness), eval_json(variant("diff_reference_data"), witness)
    assert any(old[t] != new[t] for t in old), (old, new)


def test_reference_data_change_shown_by_the_corpus_needs_no_witness(tmp_path):
    code, doc = diff_json(BASE, variant("diff_reference_data"), "--facts", FACTS, "--witnesses", str(tmp_path))
    [change] = doc["behaviour_changes"]
    assert change["witness_status"] == "shown_by_corpus"
    assert change["shown_by_fact_files"] == [os.path.join(FACTS, "applicants.yaml")]
    [corpus] = doc["impact"]
    [fee] = corpus["decisions_changed"]
    assert fee["target"] == "applicants[A2].fee" and fee["caused_by"] == ["C1"]
    assert (fee["old"]["display"], fee["new"]["display"]) == ("$800.00", "$600.00")
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- text only


def test_text_only_amendment_changes_structure_but_no_decision(tmp_path):
    code, doc = diff_json(BASE, variant("diff_text_only"), "--facts", FACTS, "--witnesses", str(tmp_path))
    assert code == 1  # the text did change
    assert {p["citation"] for p in doc["provisions"]} == {"GDA §1(a)(1)", "GDA §2"}
    assert all(p["text_only"] and not p["behavioural"] for p in doc["provisions"])
    assert doc["behaviour_changes"] == []  # nothing to witness
    assert os.listdir(tmp_path) == []
    [corpus] = doc["impact"]
    assert corpus["decisions_changed"] == [] and corpus["basis_changed"] == []
    [paragraph] = [p for p in doc["provisions"] if p["citation"] == "GDA §1(a)(1)"]
    assert paragraph["old"]["text"] == "the income of the applicant is less than $50,000; and"
    assert paragraph["new"]["text"] == "the applicant's income is less than $50,000; and"


# ---------------------------------------------------------------- witnesses on a behaviour change


def test_a_window_change_gets_a_boundary_witness_that_rules_eval_confirms(tmp_path):
    new = tmp_path / "new"
    shutil.copytree(BASE, new)
    text = (new / "act.rules").read_text(encoding="utf-8")
    (new / "act.rules").write_text(text.replace("90 days", "60 days"), encoding="utf-8")
    witnesses = tmp_path / "w"
    code, doc = diff_json(BASE, str(new), "--witnesses", str(witnesses))
    assert code == 1
    [change] = doc["behaviour_changes"]
    assert change["citations"] == ["GDA §1(a)(2)"] and change["witness_status"] == "found"
    facts = yaml.safe_load(open(change["witness_file"], encoding="utf-8"))
    filed, opened = facts["applicants"][0]["filed"], facts["program_opened"]
    assert 60 < (filed - opened).days <= 90  # inside the old window, outside the new one
    old_decisions, new_decisions = eval_json(BASE, change["witness_file"]), eval_json(str(new), change["witness_file"])
    differing = {t for t in old_decisions if old_decisions[t] != new_decisions[t]}
    assert differing and differing == {d["target"] for d in change["witness_decisions"]}


def test_the_search_is_deterministic(tmp_path):
    new = tmp_path / "new"
    shutil.copytree(BASE, new)
    text = (new / "act.rules").read_text(encoding="utf-8")
    (new / "act.rules").write_text(text.replace("$50,000", "$40,000"), encoding="utf-8")
    first = run("diff", BASE, str(new), "--format", "json", "--witnesses", str(tmp_path / "w")).stdout
    second = run("diff", BASE, str(new), "--format", "json", "--witnesses", str(tmp_path / "w")).stdout
    assert first == second
    doc = json.loads(first)
    [change] = doc["behaviour_changes"]
    income = yaml.safe_load(open(change["witness_file"], encoding="utf-8"))["applicants"][0]["income"]
    assert income in ("$40,000.00", "$49,999.99", "$40,000.01")  # the thresholds' neighbourhood


# ---------------------------------------------------------------- sides and errors


def test_citations_sort_in_statutory_order():
    texts = ["X §4(b)(10)", "X §4(b)(2)", "X §10", "X §4(c)", "X §4(b)(2)(A)(ix)", "X §4(b)(2)(A)(iv)", "X §4"]
    ordered = sorted(texts, key=lambda t: citation_key(parse_citation(t)))
    assert ordered == ["X §4", "X §4(b)(2)", "X §4(b)(2)(A)(iv)", "X §4(b)(2)(A)(ix)", "X §4(b)(10)", "X §4(c)", "X §10"]


def _committed_repo(tmp_path):
    """A git repository holding the base rule set under rules/, committed once."""
    repo = tmp_path / "repo"
    shutil.copytree(BASE, repo / "rules")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    for command in (["init", "-q"], ["add", "."], ["commit", "-qm", "base"]):
        subprocess.run(["git", *command], cwd=repo, env=env, check=True, capture_output=True)
    return repo


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_side_can_be_a_git_revision(tmp_path, monkeypatch):
    repo = _committed_repo(tmp_path)
    shutil.copy(os.path.join(variant("diff_reference_data"), "data", "fee_rates.csv"), repo / "rules" / "data")
    monkeypatch.chdir(repo)
    code, doc = diff_json("HEAD:rules", "rules", "--no-witnesses")
    assert code == 1
    assert {(r["key"], r["change"]) for r in doc["reference_rows"]} == {("MEX", "changed"), ("GBR", "added")}
    code, doc = diff_json("HEAD:rules", "HEAD:./rules")
    assert code == 0 and doc["differences"] is False
    with Sides("HEAD:rules", "rules") as (materialised, directory):
        assert os.path.isfile(os.path.join(materialised, "data", "fee_rates.csv")) and directory == "rules"
    assert not os.path.exists(materialised)  # the temporary copy is removed


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.parametrize("side, message", [
    ("nosuchrevision:rules", "git knows no revision `nosuchrevision`"),
    ("HEAD:no/such/path", "has no `no/such/path`"),
])
def test_git_errors_exit_2_with_a_message(side, message, tmp_path, monkeypatch):
    repo = _committed_repo(tmp_path)
    monkeypatch.chdir(repo)
    result = run("diff", side, "rules")
    assert result.exit_code == 2
    assert message in result.stderr
    code, doc = diff_json(side, "rules")
    assert code == 2 and message in doc["error"]


def test_a_git_side_outside_a_repository_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("diff", "HEAD:rules", BASE)
    assert result.exit_code == 2
    assert "not inside a git repository" in result.stderr or "git is not installed" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--facts", "no/such/facts.yaml"], "no fact file or directory at no/such/facts.yaml"),
    (["--facts", os.path.join(CASES, "diff_base", "rules", "data")], "no fact files"),
])
def test_bad_input_exits_2(args, message):
    result = run("diff", BASE, variant("diff_text_only"), *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_rule_set_with_errors_exits_2_with_its_diagnostics():
    result = run("diff", BASE, os.path.join(CASES, "syntax_error", "rules"))
    assert result.exit_code == 2
    assert "does not load" in result.stderr and "error[E1" in result.stderr


def test_help_documents_the_exit_codes_and_git_sides():
    result = run("diff", "--help")
    assert result.exit_code == 0
    assert "REV:PATH" in result.stdout
    assert "2  any error, bad input included" in result.stdout


def test_compare_api_without_cli():
    result = compare(BASE, variant("diff_text_only"), witnesses=False)
    assert result.differences and not result.clusters
    assert load(BASE).ok


# ---------------------------------------------------------------- claims no stronger than what was shown

CLAIMS = """
act CL "Claims Act"

fact size: integer "size"

section 1 "SIZE":
  decision big: boolean "big" = size > 5
  value spare: integer "a value no decision reads" = 1
"""


def test_a_search_miss_is_not_called_a_proof_and_a_change_nothing_reads_is(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    for directory, text in ((old, CLAIMS), (new, CLAIMS.replace("size > 5", "size >= 6").replace("= 1", "= 2"))):
        directory.mkdir()
        (directory / "act.rules").write_text(text, encoding="utf-8")
    code, doc = diff_json(str(old), str(new), "--witnesses", str(tmp_path / "w"))
    claims = {tuple(c["decisions"]) or ("none",): (c["witness_status"], c["witness_claim"], c["witness_candidates"])
              for c in doc["behaviour_changes"]}
    # size > 5 and size >= 6 agree on every integer, but a bounded search cannot prove it
    status, claim, candidates = claims[("big",)]
    assert status in ("exhausted", "not_found") and claim == "none_found_among_candidates" and candidates > 0
    assert claims[("none",)][1] == "proved_no_difference"
    text = run("diff", str(old), str(new), "--witnesses", str(tmp_path / "w2")).output
    assert f"none found among {candidates} candidate fact sets" in text
    assert "no fact set can differ: no decision depends on this change" in text


def test_a_threshold_on_a_computed_share_gets_a_witness_with_several_records(tmp_path):
    """90% -> 80% on the share of a counted set: one record cannot show it, 4 of 5 (80%) does."""
    text = """
act TH "Threshold Act"

entity Line as line from lines key id:
  id: text
  compliant: boolean

section 1 "SHARE":
  value compliant_share: rate "the share of compliant lines" = percent_of(count l in lines where l.compliant, count l in lines)
  decision passes: boolean "passes" = compliant_share >= 90%
"""
    old, new = tmp_path / "old", tmp_path / "new"
    for directory, body in ((old, text), (new, text.replace(">= 90%", ">= 80%"))):
        directory.mkdir()
        (directory / "act.rules").write_text(body, encoding="utf-8")
    code, doc = diff_json(str(old), str(new), "--witnesses", str(tmp_path / "w"))
    [change] = doc["behaviour_changes"]
    assert change["witness_status"] == "found" and change["witness_claim"] == "differs"
    [witness] = [os.path.join(tmp_path / "w", f) for f in os.listdir(tmp_path / "w")]
    assert eval_json(str(old), witness)["passes"] == ("decided", False)
    assert eval_json(str(new), witness)["passes"] == ("decided", True)
