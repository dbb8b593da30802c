"""Issue 10, the legal review: every quote checked against the bill, every reading listed as a note.

The behaviour each finding changed is pinned by scenarios kept with the Acts
(rules/ramsa/tests/legal_review.yaml, rules/cmtsa/tests/reports.yaml, rules/secure/tests/reserve.yaml);
these tests cover what scenarios cannot: notes, quotes and explanations.
"""
import json
import os

import pytest
from click.testing import CliRunner

from cli.main import main
from interpreter import api

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAMSA = os.path.join(ROOT, "rules", "ramsa")
ACTS = [os.path.join(ROOT, "rules", act) for act in ("ramsa", "cmtsa", "secure")] + \
       [os.path.join(ROOT, "examples", "amendments", "ramsa_committee_substitute")]


@pytest.mark.parametrize("path", ACTS)
def test_every_quote_is_in_the_bill_at_its_provision(path):
    loaded = api.check(path)
    assert loaded.stages[-1] == "quotes"
    assert [d for d in loaded.diagnostics if d.code == "E710"] == []
    result = CliRunner().invoke(main, ["check", path])
    assert result.exit_code == 0 and "-> quotes)" in result.output


def test_a_stale_quote_fails_rules_check(tmp_path):
    """The bill text is amended: the rules that quoted the old words are reported."""
    import shutil

    copy = tmp_path / "ramsa"
    shutil.copytree(RAMSA, copy, ignore=shutil.ignore_patterns("tests", "examples"))
    bill = copy / "bill" / "S2839-is.txt"
    bill.write_text(bill.read_text(encoding="utf-8").replace("(B) includes Venezuela.", "(B) includes Cuba."),
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(copy), "--format", "json"])
    assert result.exit_code == 1
    [stale] = [d for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "E710"]
    assert "RAMSA §3(4)(B)" in stale["message"] and stale["location"]["line"] > 1


def _notes(path=RAMSA) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for note in api.notes(api.load(path)):
        found.setdefault(note["citation"], []).append(note["note"])
    return found


# finding -> (citation, words of the note that states the reading)
READINGS = {
    "3 processed intermediates": ("RAMSA §3(6)", "oxides, hydroxides"),
    "4 not yet determined": ("RAMSA §4(k)(2)", "not_determined"),
    "5 modification needs an agreement in force": ("RAMSA §4(h)", "only while the agreement it modifies is in force"),
    "6 quarters in the first fiscal year": ("RAMSA §6(b)(2)", "three quarters"),
    "7 international critical mineral projects": ("RAMSA §6(d)(1)(C)", "mining or processing projects abroad"),
    "8 one definition of 'remains in effect'": ("RAMSA §4(j)(1)", "One definition"),
    "8 termination or withdrawal": ("RAMSA §4(f)", "terminate"),
    "9 sourced from": ("RAMSA §5", "supply chain"),
    "9 otherwise subject to the jurisdiction": ("RAMSA §3(5)", "otherwise subject"),
    "10 shall restrict": ("RAMSA §6(e)(1)(C)", "“Shall restrict”"),
    "10 per-year split": ("RAMSA §6(d)(1)", "each fiscal year's receipts"),
    "10 admitted": ("RAMSA §6(b)(1)", "“Admitted to the Alliance"),
    "10 such a country": ("RAMSA §4(c)(2)", "“Such a country”"),
    "10 same-day disapproval": ("RAMSA §4(f)", "Same-day events"),
    "10 imposed on or after": ("RAMSA §4(g)(2)", "“Imposed ... on or after"),
    "10 derivative product": ("RAMSA §3(3)(B)", "illustrating (A)"),
    "11 largest remainder": ("RAMSA §6(d)(1)", "largest remainder"),
    "12 default cited to §5": ("RAMSA §5", "no provision for goods it does not reach"),
    "12 drafting error at (h)(2)(A)": ("RAMSA §4(h)(2)(A)", "subsection (i)"),
    "12 drafting error at (h)(2)(B)": ("RAMSA §4(h)(2)(B)", "subsection (i)"),
}


@pytest.mark.parametrize("finding", sorted(READINGS))
def test_rules_notes_lists_each_reading(finding):
    citation, words = READINGS[finding]
    assert any(words in note for note in _notes().get(citation, [])), (finding, _notes().get(citation))


def test_companion_bills_state_their_readings():
    assert any("No source states a quorum" in n for n in _notes(os.path.join(ROOT, "rules", "secure"))["SECURE §102"])
    assert any("before the first due date" in n for n in _notes(os.path.join(ROOT, "rules", "cmtsa"))["CMTSA §3(a)"])


def test_explaining_a_value_at_4h2A_shows_the_drafting_error_beside_the_quote():
    facts = os.path.join(RAMSA, "examples", "modifications_reviews_reports.yaml")
    loaded = api.load(RAMSA)
    targets = [t for t in api.targets(loaded, facts) if t.endswith(".modification_approved")]
    _, explanation = api.decide(loaded, facts, targets[0])
    assert explanation.citation == "RAMSA §4(h)(2)(A)"
    assert "under subsection (h)" in explanation.statute_text
    assert any("subsection (i)" in note for note in explanation.notes)


def test_quotes_are_whole_and_summaries_are_not_quoted():
    for path in ACTS[:3]:
        for provision in api.load(path).ruleset.provisions:
            if provision.text:
                assert "..." not in provision.text and "[summary]" not in provision.text, provision.citation
    texts = {str(p.citation): p.text for p in api.load(RAMSA).ruleset.provisions}
    assert texts["RAMSA §2"] == "It is the sense of Congress that—"
    assert "People’s Republic of China" in texts["RAMSA §2(5)"]
    assert texts["RAMSA §4(i)(1)(A)"] and texts["RAMSA §6(e)(2)(A)"]


@pytest.mark.parametrize("act, percent", [("cmtsa", 100.0), ("secure", 100.0), ("ramsa", 100.0)])
def test_coverage_is_complete_and_companion_outlines_say_they_are_provisional(act, percent):
    path = os.path.join(ROOT, "rules", act)
    found = api.coverage(api.load(path))
    assert found.percent == percent and found.complete
    with open(found.bill, encoding="utf-8") as handle:
        first = handle.readline()
    assert ("PROVISIONAL" in first) == (act != "ramsa")
    assert (found.provisional is not None) == (act != "ramsa")
    result = CliRunner().invoke(main, ["coverage", path])
    assert result.exit_code == 0 and ("PROVISIONAL OUTLINE" in result.output.splitlines()[0]) == (act != "ramsa")


def test_the_act_page_shows_every_note_under_its_provision():
    page = api.document(api.load(RAMSA))
    notes_part = page[page.index("## Interpretation notes"):page.index("## Non-operative provisions")]
    sections = {}
    for block in notes_part.split("\n### ")[1:]:
        heading, _, body = block.partition("\n")
        sections[heading.split(" — ")[0]] = body
    for note in api.notes(api.load(RAMSA)):
        assert note["note"] in sections[note["citation"]], note["citation"]
    assert "subsection (i)" in sections["RAMSA §4(h)(2)(A)"]
