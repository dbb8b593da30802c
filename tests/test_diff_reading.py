"""`rules diff` for a reader: any terminal width, explanation diffs by tree, unambiguous amendment
instructions, and no temporary folder left behind without --witnesses."""
import io
import os
import tempfile

import attrs
from rich.console import Console

from interpreter.amendments import diff_report
from interpreter.amendments.declarations import text_edits
from interpreter.amendments.diff import compare
from interpreter import api

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = os.path.join(ROOT, "tests", "cases")
BASE = os.path.join(CASES, "diff_base", "rules")
FACTS = os.path.join(CASES, "diff_base", "facts")


def _printed(result, width: int, terminal: bool) -> list[str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=terminal, color_system=None, highlight=False)
    diff_report.print_diff(console, result)
    return buffer.getvalue().splitlines()


def test_the_report_fits_the_terminal_it_is_printed_on():
    result = compare(BASE, os.path.join(CASES, "diff_text_only", "new"), facts=[FACTS], witnesses=False)
    for width in (60, 80, 200):
        lines = _printed(result, width, terminal=True)
        assert max(len(line) for line in lines) <= width, width
        assert any(" │ " in line for line in lines)  # still old and new side by side
    narrow, wide = _printed(result, 80, True), _printed(result, 200, True)
    assert len(narrow) > len(wide)
    # piped output keeps one fixed layout, whatever the width, so it can be compared and grepped
    assert _printed(result, 80, terminal=False) == _printed(result, 300, terminal=False)


def test_without_witnesses_dir_no_temporary_folder_is_left_behind(tmp_path, monkeypatch):
    new = tmp_path / "new"
    import shutil
    shutil.copytree(BASE, new)
    rules = new / "act.rules"
    text = rules.read_text(encoding="utf-8")
    assert "90 days" in text
    rules.write_text(text.replace("90 days", "60 days"), encoding="utf-8")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    result = compare(BASE, str(new))
    found = [w for w in result.witnesses if w.status == "found"]
    assert found and all(w.file is None and w.facts for w in found)
    assert result.witness_dir is None
    assert os.listdir(scratch) == []
    text = "\n".join(_printed(result, 120, terminal=False))
    assert "witness (--witnesses DIR writes it as a fact file):" in text


def test_an_explanation_diff_compares_trees_not_indentation():
    loaded = api.load(os.path.join(ROOT, "rules", "ramsa"))
    facts = os.path.join(ROOT, "rules", "ramsa", "examples", "imports_2026.yaml")
    _, tree = api.decide(loaded, facts, "imports[L05].treatment")
    # the same explanation with one subtree moved one level down (as a re-nesting of provisions would)
    first, second = [c for c in tree.children if isinstance(c, api.explain_text.Explanation)][:2]
    rest = tuple(c for c in tree.children if c is not first and c is not second)
    moved = attrs.evolve(tree, children=(attrs.evolve(second, children=second.children + (first,)),) + rest)
    lines = [line.plain for line in diff_report._explanation_diff_lines(tree, moved, 0)]
    assert len(lines) == 1 and "explained alike on both sides" in lines[0]
    # a real change is shown on the value it concerns, and only there
    changed = attrs.evolve(tree, children=tuple(attrs.evolve(c, value="false") if c is first else c for c in tree.children))
    lines = [line.plain for line in diff_report._explanation_diff_lines(tree, changed, 0)]
    assert [line[:2] for line in lines[:2]] == ["- ", "+ "] and first.target in lines[0]
    assert lines[-1].endswith("explained alike on both sides")


def test_amendment_instructions_quote_enough_words_to_be_unambiguous():
    assert text_edits("within 5 days after the 5 members agree", "within 3 days after the 5 members agree") == (
        "strike “5 days” and insert “3 days”",)
    assert text_edits("strike 90 days", "strike 60 days") == ("strike “90” and insert “60”",)  # unique already
    assert text_edits("of the act of the act", "of the act new of the act") == (
        "in “of the act of”, insert “new” after “of the act”",)
