"""Every shipped Act: checks clean and passes its scenarios; RAMSA is fully accounted for
against its bill text; interpretation notes (the drafting errors) are listed."""
import json
import os

import pytest
from click.testing import CliRunner

from cli.main import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACTS = ["ramsa", "cmtsa", "secure"]


@pytest.mark.parametrize("act", ACTS)
def test_scenarios_pass(act):
    result = CliRunner().invoke(main, ["test", os.path.join(ROOT, "rules", act), "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 0, [s for s in report["scenarios"] if not s["passed"]]
    assert report["passed"] >= 3 and report["failed"] == 0


def test_ramsa_coverage_is_complete():
    result = CliRunner().invoke(main, ["coverage", os.path.join(ROOT, "rules", "ramsa"), "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 0
    assert report["complete"] and report["percent"] == 100.0
    assert report["provisions"] >= 120
    statuses = {e["citation"]: e["status"] for e in report["entries"]}
    assert statuses["RAMSA §1"] == "non_operative"
    assert statuses["RAMSA §4(i)(4)(B)"] == "non_operative"  # inherited from (i)(4)
    assert statuses["RAMSA §6(e)(1)(C)(iii)(II)"] == "encoded"


def test_coverage_reports_a_missing_provision_and_exits_1(tmp_path):
    ruleset = tmp_path / "act"
    (ruleset / "bill").mkdir(parents=True)
    (ruleset / "bill" / "bill.txt").write_text(
        "SECTION 1. SHORT TITLE.\nThis Act may be cited as the Demo Act.\n"
        "SEC. 2. DUTIES.\n(a) IN GENERAL.—A duty applies.\n(b) EXCEPTION.—Not to members.\n",
        encoding="utf-8")
    (ruleset / "act.rules").write_text(
        'act DEMO "Demo Act"\nfact rate: rate "rate"\n'
        'section 1 "SHORT TITLE":\n  non_operative "names the Act"\n'
        'section 2 "DUTIES":\n  subsection (a):\n    decision duty: rate "the duty" = rate\n'
        '  subsection (c):\n    value typo: rate "a mistyped citation" = rate\n',
        encoding="utf-8")
    result = CliRunner().invoke(main, ["coverage", str(ruleset), "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    statuses = {e["citation"]: e["status"] for e in report["entries"]}
    assert statuses == {"DEMO §1": "non_operative", "DEMO §2": "missing", "DEMO §2(a)": "encoded",
                        "DEMO §2(b)": "missing"}
    assert report["not_in_bill"] == ["DEMO §2(c)"]


def test_notes_list_the_drafting_error_interpretations():
    result = CliRunner().invoke(main, ["notes", os.path.join(ROOT, "rules", "ramsa"), "--format", "json"])
    notes = json.loads(result.stdout)["notes"]
    by_citation: dict[str, list[str]] = {}
    for note in notes:
        by_citation.setdefault(note["citation"], []).append(note["note"])
    # the §4(h)(2) error stands where the words are quoted, so explaining (2)(A) or (2)(B) shows it
    assert any("subsection (i)" in n for n in by_citation["RAMSA §4(h)(2)(A)"])
    assert any("subsection (i)" in n for n in by_citation["RAMSA §4(h)(2)(B)"])
    assert any("(d)(1)(C)" in n for n in by_citation["RAMSA §6(e)(1)"])
    assert result.exit_code == 0


def test_provisional_encodings_say_so():
    act = os.path.join(ROOT, "rules", "cmtsa")
    result = CliRunner().invoke(main, ["explain", act, os.path.join(act, "examples", "reports_2027.yaml"),
                                       "reports[2027].overdue", "--format", "json"])
    decision = json.loads(result.stdout)
    assert any("UNVERIFIED" in statement for statement in decision["provisional"])
    assert decision["explanation"]["provisional"]
