"""Text explanations for a reader: colours that carry meaning."""
import io
import os

from rich.console import Console

from interpreter import api
from interpreter.api import report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAMSA = os.path.join(ROOT, "rules", "ramsa")
ELIGIBILITY = os.path.join(RAMSA, "examples", "eligibility.yaml")

GREEN, RED = "\x1b[1;32m", "\x1b[1;31m"


def _coloured(print_function, *args) -> str:
    buffer = io.StringIO()
    print_function(Console(file=buffer, force_terminal=True, color_system="standard", width=400), *args)
    return buffer.getvalue()


def test_ticks_are_green_crosses_red_and_a_decided_false_is_not_green():
    decision, explanation = api.decide(api.load(RAMSA), ELIGIBILITY, "countries[IND].eligible_for_alliance")
    text = _coloured(report.print_explanation, explanation)
    assert f"{GREEN}✓\x1b[0m the country agrees to meet" in text
    assert f"{RED}✗\x1b[0m the country agrees to take the complementary actions" in text
    first = text.splitlines()[0]
    assert "= \x1b[31mfalse\x1b[0m" in first
    assert "= \x1b[32mtrue\x1b[0m" in text  # a true value further down stays green
