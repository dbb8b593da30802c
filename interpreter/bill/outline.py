"""Outline: the text of a bill -> its provisions (sections and nested subdivisions).

input: the printed text of a bill (line numbers at the start of lines are ignored);
output: an ordered list of `OutlineEntry` (citation, heading, first words).
Guarantees: levels follow federal drafting style (subsection (a), paragraph (1),
subparagraph (A), clause (i), subclause (I)); a label such as `(i)` that could open a
subsection or a clause is read as a subsection only when it continues the subsection
sequence and carries a capitalised heading (`(i) JOINT RESOLUTIONS.—`); runs of labels
on one line (`(2)(A) a joint resolution ...`) open nested subdivisions.
"""
from __future__ import annotations

import re

import attrs

from interpreter.language.citation import LEVELS, Citation, label_fits_level

_SECTION = re.compile(r"^(?:\*\*)?(?:SECTION|SEC\.)\s+(\d+[A-Z]?)\.\s*(.*?)(?:\*\*)?$")
_LINE_NUMBER = re.compile(r"^(?:-\s*)?\d{1,2}\s+")
_LABELS = re.compile(r"^((?:\([0-9A-Za-z]{1,6}\))+)\s*(.*)$")
_HEADING = re.compile(r"^([A-Z][A-Z0-9 ,;'’\-\(\)]+?)\.—")


@attrs.frozen
class OutlineEntry:
    citation: Citation
    heading: str | None
    opening: str  # the first words of the provision, to recognise it


def _successor(label: str) -> str | None:
    if label.isdigit():
        return str(int(label) + 1)
    if len(label) == 1 and label.isalpha():
        return chr(ord(label) + 1)
    return None


def _first_label(level: str) -> str:
    return {"subsection": "a", "paragraph": "1", "subparagraph": "A", "clause": "i", "subclause": "I"}[level]


def _roman_next(label: str) -> str | None:
    numerals = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]
    lower = label.lower()
    if lower in numerals[:-1]:
        following = numerals[numerals.index(lower) + 1]
        return following if label.islower() else following.upper()
    return None


def _next_label(level: str, label: str) -> str | None:
    if level in ("clause", "subclause"):
        return _roman_next(label)
    return _successor(label)


def parse_outline(text: str, act: str) -> list[OutlineEntry]:
    entries: list[OutlineEntry] = []
    section: str | None = None
    # stack of (level, label) below the section
    stack: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = _LINE_NUMBER.sub("", raw.strip()).strip()
        if not line:
            continue
        match = _SECTION.match(line)
        if match:
            section = match.group(1)
            stack = []
            heading = match.group(2).strip().rstrip(".").strip("*").strip() or None
            entries.append(OutlineEntry(Citation(act, section, ()), heading, ""))
            continue
        if section is None:
            continue
        match = _LABELS.match(line)
        if not match:
            continue
        labels = re.findall(r"\(([0-9A-Za-z]{1,6})\)", match.group(1))
        rest = match.group(2)
        for position, label in enumerate(labels):
            placed = _place(stack, label, rest if position == len(labels) - 1 else "")
            if placed is None:
                break  # not a subdivision label (e.g. a parenthetical at the start of a line)
            stack = placed
            heading_match = _HEADING.match(rest) if position == len(labels) - 1 else None
            heading = heading_match.group(1).title() if heading_match else None
            opening = rest[heading_match.end():].strip() if heading_match else rest
            citation = Citation(act, section, tuple(lbl for _, lbl in stack))
            entries.append(OutlineEntry(citation, heading, " ".join(opening.split()[:8])))
    return entries


def _place(stack, label: str, rest: str):
    """Where a label fits: as the next sibling at some level, or as a first child."""
    has_heading = bool(_HEADING.match(rest))
    candidates = []
    # continue an existing level (deepest first), i.e. the next sibling
    for depth in range(len(stack) - 1, -1, -1):
        level, current = stack[depth]
        if _next_label(level, current) == label:
            candidates.append(stack[:depth] + [(level, label)])
    # open a new, deeper level
    last_level = stack[-1][0] if stack else "section"
    for level in LEVELS[LEVELS.index(last_level) + 1:]:
        if label == _first_label(level) and label_fits_level(level, label):
            candidates.append(stack + [(level, label)])
            break
    if not candidates:
        return None
    if len(candidates) > 1 and has_heading:
        # a capitalised heading marks the shallower reading: `(i) JOINT RESOLUTIONS.—`
        return min(candidates, key=len)
    return max(candidates, key=len) if not has_heading else candidates[0]
