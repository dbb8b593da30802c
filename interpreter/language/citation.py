"""Citations: the address of a provision, stamped on every node at parse time.

`Citation("RAMSA", "4", ("b", "5", "B"))` prints as `RAMSA §4(b)(5)(B)`. The levels
below a section follow federal drafting style: subsection (a), paragraph (1),
subparagraph (A), clause (i), subclause (I).
"""
from __future__ import annotations

import re

import attrs

LEVELS = ("section", "subsection", "paragraph", "subparagraph", "clause", "subclause")

_ROMAN_LOWER = re.compile(r"^(?=[ivxlc])c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_ROMAN_UPPER = re.compile(r"^(?=[IVXLC])C{0,3}(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
LABEL_STYLES = {
    "subsection": ("a lower-case letter such as (a)", re.compile(r"^[a-z]{1,2}$")),
    "paragraph": ("a number such as (1)", re.compile(r"^[0-9]+$")),
    "subparagraph": ("an upper-case letter such as (A)", re.compile(r"^[A-Z]{1,2}$")),
    "clause": ("a lower-case roman numeral such as (i)", _ROMAN_LOWER),
    "subclause": ("an upper-case roman numeral such as (I)", _ROMAN_UPPER),
}


@attrs.frozen(order=True)
class Citation:
    act: str
    section: str
    path: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.act} §{self.section}" + "".join(f"({label})" for label in self.path)

    @property
    def short(self) -> str:
        """Without the act name: `§4(b)(5)(B)`."""
        return f"§{self.section}" + "".join(f"({label})" for label in self.path)

    def child(self, label: str) -> "Citation":
        return Citation(self.act, self.section, self.path + (label,))

    @property
    def level(self) -> str:
        return LEVELS[len(self.path)]

    def ancestors(self):
        """This citation, then each provision it stands in, up to its section."""
        for length in range(len(self.path), -1, -1):
            yield Citation(self.act, self.section, self.path[:length])

    def contains(self, other: "Citation") -> bool:
        return (
            self.act == other.act
            and self.section == other.section
            and other.path[: len(self.path)] == self.path
        )


def label_fits_level(level: str, label: str) -> bool:
    return bool(LABEL_STYLES[level][1].match(label))


_CITATION_TEXT = re.compile(r"^(?:(?P<act>[A-Za-z][A-Za-z0-9_]*)\s*)?§\s*(?P<section>[0-9]+[A-Za-z]?)(?P<path>(\([0-9A-Za-z]+\))*)$")


def parse_citation(text: str, default_act: str | None = None) -> Citation | None:
    """Read `RAMSA §4(b)(5)` or `§4(b)` back into a Citation (None if malformed)."""
    match = _CITATION_TEXT.match(text.strip())
    if not match:
        return None
    act = match.group("act") or default_act
    if act is None:
        return None
    path = tuple(re.findall(r"\(([0-9A-Za-z]+)\)", match.group("path")))
    return Citation(act, match.group("section"), path)


_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def _roman(label: str) -> int | None:
    text = label.lower()
    if not text or any(ch not in _ROMAN for ch in text):
        return None
    total = 0
    for index, ch in enumerate(text):
        value = _ROMAN[ch]
        following = _ROMAN[text[index + 1]] if index + 1 < len(text) else 0
        total += -value if value < following else value
    return total


def _label_key(label: str, depth: int):
    if label.isdigit():
        return (0, int(label), "")
    if depth >= 4:  # clause (i) and subclause (I) are roman numerals
        roman = _roman(label)
        if roman is not None:
            return (0, roman, "")
    return (1, len(label), label)


def citation_key(citation: Citation):
    """Statutory order: §3 < §4(b) < §4(b)(2) < §4(b)(10) < §4(c); (ii) < (iv) < (ix)."""
    match = re.match(r"^([0-9]+)(.*)$", citation.section)
    section = (int(match.group(1)), match.group(2)) if match else (0, citation.section)
    return (citation.act, section, tuple(_label_key(label, depth) for depth, label in enumerate(citation.path, start=1)))
