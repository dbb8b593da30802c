"""Text explanations for a reader: colours that carry meaning, each text once, the deciding path,
--depth/--full, --only, the pager, and text no slower than JSON by much."""
import io
import json
import os
import re
import sys

from click.testing import CliRunner
from rich.console import Console

from cli.main import main
from cli.pager import paged

from interpreter import api
from interpreter.api import explain_text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAMSA = os.path.join(ROOT, "rules", "ramsa")
ELIGIBILITY = os.path.join(RAMSA, "examples", "eligibility.yaml")
IMPORTS = os.path.join(RAMSA, "examples", "imports_2026.yaml")

GREEN, RED = "\x1b[1;32m", "\x1b[1;31m"


def _coloured(print_function, *args) -> str:
    buffer = io.StringIO()
    print_function(Console(file=buffer, force_terminal=True, color_system="standard", width=400), *args)
    return buffer.getvalue()


def test_ticks_are_green_crosses_red_and_a_decided_false_is_not_green():
    decision, explanation = api.decide(api.load(RAMSA), ELIGIBILITY, "countries[IND].eligible_for_alliance")
    text = _coloured(explain_text.print_explanation, explanation, explain_text.FULL)
    assert f"{GREEN}✓\x1b[0m the country agrees to meet" in text
    assert f"{RED}✗\x1b[0m the country agrees to take the complementary actions" in text
    first = text.splitlines()[0]
    assert "= \x1b[31mfalse\x1b[0m" in first
    assert "= \x1b[32mtrue\x1b[0m" in text  # a true value further down stays green


def _rules(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_each_statute_text_and_note_is_quoted_once_and_later_mentions_refer_back():
    code, text = _rules("explain", RAMSA, IMPORTS, "imports[L05].treatment", "--full")
    assert code == 0
    section_5 = "“Upon the entry into force of the first agreement providing for the admittance"
    assert text.count(section_5) == 1
    assert len(re.findall(r"\(text of RAMSA §5( and its notes)? quoted above\)", text)) >= 2
    day_counting = "note: Day counting: the 90-day period"
    assert text.count(day_counting) == 1
    assert "(text of RAMSA §4(f) and its notes quoted above)" in text


def test_the_compact_default_shows_the_deciding_path_and_names_the_rest():
    _, compact = _rules("explain", RAMSA, IMPORTS, "imports[L05].treatment")
    _, full = _rules("explain", RAMSA, IMPORTS, "imports[L05].treatment", "--full")
    assert len(compact.splitlines()) < len(full.splitlines()) / 2
    # the select derivative product decided `covered_good`; the mined/processed alternatives did not
    assert "imports[L05].covered_good = true   by RAMSA §4(g)" in compact
    assert "also read, not deciding: imports[L05].is_mined_critical_mineral = false" in compact
    assert "imports[L05].is_mined_critical_mineral = false   by RAMSA §3(6)" in full
    # Canada's agreement did not take effect and did not decide the line's date; it is named, not explained
    _, deeper = _rules("explain", RAMSA, IMPORTS, "imports[L05].treatment", "--depth", "3")
    assert "also read, not deciding: countries[CAN].agreement_took_effect = false" in deeper
    assert "countries[CAN].agreement_took_effect = false   by" not in deeper


def test_a_false_result_follows_the_failed_condition_and_says_why_not():
    _, text = _rules("explain", RAMSA, ELIGIBILITY, "countries[IND].eligible_for_alliance")
    assert "countries[IND].meets_complementary_actions_criterion = false   by RAMSA §4(b)(5)" in text
    assert "countries[IND].meets_duty_rate_criterion = true   by" not in text  # held: not why it failed
    assert "why not: RAMSA §4(b)(5)(B) not met: the country agrees to investment screening" in text


def test_depth_limits_the_levels_shown():
    _, shallow = _rules("explain", RAMSA, IMPORTS, "imports[L05].treatment", "--depth", "0")
    assert "… depends on imports[L05].covered_good = true" in shallow and "(--depth 1)" in shallow
    assert "imports[L05].covered_good = true   by" not in shallow
    _, deeper = _rules("explain", RAMSA, IMPORTS, "imports[L05].treatment", "--depth", "3")
    assert "countries_of_concern_added_by_this_act = {VEN}   by RAMSA §3(4)(B)" in deeper
    assert len(shallow.splitlines()) < len(deeper.splitlines())


def test_eval_only_a_record_explained_fits_two_screens():
    code, text = _rules("eval", RAMSA, IMPORTS, "--explain", "--only", "imports[L05]")
    assert code == 0
    lines = text.splitlines()
    assert [line.split(" ")[0] for line in lines if line.startswith("imports[L05].")] == [
        "imports[L05].exempt_from_301_and_232", "imports[L05].treatment", "imports[L05].duty_rate",
        "imports[L05].duty_amount"]
    assert "imports[L01]" not in text and lines[-1] == "4 decided"
    # two screens of 50 rows on a 120-column terminal (the statute texts and notes are long lines)
    rows = sum((len(line) - 1) // 120 + 1 for line in lines)
    assert len(lines) <= 80 and rows <= 100, (len(lines), rows)


def test_eval_only_a_decision_and_json_keeps_its_shape():
    _, text = _rules("eval", RAMSA, IMPORTS, "--only", "treatment")
    assert {line.split(".")[1].split(" ")[0] for line in text.splitlines()[1:-1]} == {"treatment"}
    _, whole = _rules("eval", RAMSA, IMPORTS, "--format", "json")
    _, only = _rules("eval", RAMSA, IMPORTS, "--format", "json", "--only", "imports[L05].duty_amount")
    whole, only = json.loads(whole), json.loads(only)
    assert only.keys() == whole.keys()
    [decision] = only["decisions"]
    assert decision == next(d for d in whole["decisions"] if d["target"] == "imports[L05].duty_amount")


def test_eval_only_a_pattern_that_matches_nothing_is_located():
    code, text = _rules("eval", RAMSA, IMPORTS, "--only", "treatmnt")
    assert code == 3 and "error[E504]: no decision matches `treatmnt`" in text and "`treatment`" in text


def test_the_pager_takes_long_output_on_a_terminal_only(tmp_path, monkeypatch):
    caught = tmp_path / "paged.txt"
    monkeypatch.setenv("PAGER", f"{sys.executable} -c \"import sys; open({str(caught)!r}, 'w').write(sys.stdin.read())\"")
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, height=10, width=100, highlight=False)
    with paged(console):
        for number in range(30):
            console.print(f"line {number}")
    assert buffer.getvalue() == "" and "line 29" in caught.read_text()
    short = Console(file=io.StringIO(), force_terminal=True, height=10, width=100)
    with paged(short):
        short.print("one line")
    assert "one line" in short.file.getvalue()
    with paged(console, enabled=False):  # --no-pager
        console.print("not paged")
    assert "not paged" in buffer.getvalue()
