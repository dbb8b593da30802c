"""Help that teaches: every command's --help has a whole summary, examples and exit codes;
targets complete from the fact file."""
import os
import re
import shlex

import pytest
from click.testing import CliRunner

from cli.main import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMANDS = main.list_commands(None)  # the lazily imported commands too


def _help(*args) -> str:
    result = CliRunner().invoke(main, [*args, "--help"], terminal_width=80, prog_name="rules")
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_the_command_list_shows_each_summary_whole_on_one_line(name):
    command = main.get_command(None, name)
    assert command.short_help, f"`rules {name}` has no summary: add it to cli/help_text.py"
    listing = _help()
    assert f"  {name.ljust(8)}  {command.short_help}\n" in listing, listing


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_help_has_examples_and_exit_codes(name, monkeypatch):
    text = _help(name)
    assert "Examples:" in text and "Exit codes:" in text, f"`rules {name} --help`: add it to cli/help_text.py"
    examples = re.findall(rf"^    (rules {name}\b.*)$", text, re.MULTILINE)
    assert examples, text
    codes = re.findall(r"^\s+(\d+)  \S", text.split("Exit codes:")[1], re.MULTILINE)
    assert "0" in codes and len(codes) >= 3
    # Every file an example names is shipped (placeholders are in capitals; outputs follow -o).
    monkeypatch.chdir(ROOT)
    for example in examples:
        words = shlex.split(example.split(" | ")[0].split(" && ")[0])
        for before, word in zip(words, words[1:]):
            if "/" in word and ":" not in word and before not in ("-o", "--output") and not word.isupper() \
                    and not re.search(r"[A-Z]{3,}\.", word):
                assert os.path.exists(word), f"`rules {name} --help` names {word}, which does not exist"


def test_the_top_level_help_says_how_to_turn_on_completion():
    text = _help()
    assert "_RULES_COMPLETE=bash_source rules" in text and "rules COMMAND --help" in text


def _complete(words: str) -> list[str]:
    from click.shell_completion import ShellComplete

    args = shlex.split(words)
    incomplete = "" if words.endswith(" ") else args.pop()
    return [item.value for item in ShellComplete(main, {}, "rules", "_RULES_COMPLETE").get_completions(args, incomplete)]


def test_explain_completes_targets_from_the_fact_file(monkeypatch):
    monkeypatch.chdir(ROOT)
    found = _complete("explain rules/ramsa rules/ramsa/examples/imports_2026.yaml imports[L05].tre")
    assert found == ["imports[L05].treatment"]
    assert "countries[IND].eligible_for_alliance" in _complete(
        "explain rules/ramsa rules/ramsa/examples/eligibility.yaml countries[IN")
    # A fact file that does not exist completes nothing, quietly.
    assert _complete("explain rules/ramsa nofile.yaml imports") == []


def test_eval_only_completes_records_and_decision_names(monkeypatch):
    monkeypatch.chdir(ROOT)
    found = _complete("eval rules/ramsa rules/ramsa/examples/imports_2026.yaml --only imports[L0")
    assert "imports[L05]" in found and "imports[L05].treatment" in found
    assert _complete("eval rules/ramsa rules/ramsa/examples/imports_2026.yaml --only treat") == ["treatment"]
