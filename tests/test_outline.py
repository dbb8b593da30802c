"""The bill outline parser (issue 10 finding 14): wrapped labels stay running text, long headings are whole."""
import os

from interpreter.bill.outline import parse_outline

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BILL = """\
1 **SECTION 1. DEFINITIONS AND OTHER VERY LONG HEAD-**
2 **INGS OF THE ACT.**

3 (a) IN GENERAL.—A joint resolution of disapproval is not
4 enacted into law under subsection
5 (i) during that period, and the same holds under paragraph
6 (2); and

7 (b) APPROPRIATE CONGRESSIONAL COMMIT-
8 TEES.—The term means—

9 (1) the Committee on Finance; and

10 (2) the Committee on Ways and Means.
"""


def _outline(text, act="T"):
    return {str(e.citation): e for e in parse_outline(text, act)}


def test_a_label_wrapped_to_the_start_of_a_line_is_running_text():
    outline = _outline(BILL)
    # before: `(i) during that period` opened a clause §1(a)(i), and `(2); and` a paragraph
    assert list(outline) == ["T §1", "T §1(a)", "T §1(b)", "T §1(b)(1)", "T §1(b)(2)"]
    assert "(i) during that period" in outline["T §1(a)"].text
    assert outline["T §1(a)"].text.endswith("(2); and")


def test_headings_printed_over_several_lines_are_joined():
    outline = _outline(BILL)
    # before: "DEFINITIONS AND OTHER VERY LONG HEAD-" and no heading for (b)
    assert outline["T §1"].heading == "DEFINITIONS AND OTHER VERY LONG HEADINGS OF THE ACT"
    assert outline["T §1(b)"].heading == "Appropriate Congressional Committees"
    assert outline["T §1(b)"].opening == "The term means—"


def test_ramsa_headings_and_provisions():
    with open(os.path.join(ROOT, "rules", "ramsa", "bill", "S2839-is.txt"), encoding="utf-8") as handle:
        outline = _outline(handle.read(), "RAMSA")
    assert len(outline) == 125
    assert outline["RAMSA §6"].heading == \
        "TRUST FUND TO SUPPORT UNITED STATES CRITICAL MINERAL MINING AND PROCESSING PROJECTS"
    assert outline["RAMSA §5"].heading.endswith("FROM FOREIGN COUNTRIES AND ENTITIES OF CONCERN")
    assert outline["RAMSA §4(g)"].heading == "Duty-Free Treatment After Entry Into Force"
    assert outline["RAMSA §4(c)(1)"].text.endswith("(b); and")  # `(b); and` wraps, it opens nothing
