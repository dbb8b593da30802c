"""Outline: the text of a bill -> its provisions (sections and nested subdivisions).

input: the printed text of a bill (line numbers at the start of lines are ignored);
output: an ordered list of `OutlineEntry` (citation, heading, first words, and the provision's
own text as printed, for the statute-quote check).
Guarantees: levels follow federal drafting style (subsection (a), paragraph (1),
subparagraph (A), clause (i), subclause (I)); a label such as `(i)` that could open a
subsection or a clause is read as a subsection only when it continues the subsection
sequence and carries a capitalised heading (`(i) JOINT RESOLUTIONS.—`); runs of labels
on one line (`(2)(A) a joint resolution ...`) open nested subdivisions. A label at the start
of a printed line opens a provision only where the text before it has come to a stop (`.`, `:`,
`;`, `—`, `; and`, `; or`, a closing bracket): `(b); and` or `(i) during that period` that merely
wrap from the line above stay running text. Headings printed over several lines (`SEC. 6. TRUST
FUND ... CRIT-` / `ICAL MINERAL ...` / `PROJECTS.`; `(1) APPROPRIATE CONGRESSIONAL COMMIT-` /
`TEES.—`) are joined, words broken at a line end rejoined. An excerpt may begin a section at a
later subdivision when it has a capitalised heading (`(k) ANNUAL REPORTS.—`).
"""
from __future__ import annotations

import re

import attrs

from interpreter.language.citation import LEVELS, Citation, label_fits_level

_SECTION = re.compile(r"^(?:\*\*)?(?:SECTION|SEC\.)\s+(\d+[A-Z]?)\.\s*(.*?)(?:\*\*)?$")
_LINE_NUMBER = re.compile(r"^(?:-\s*)?\d{1,2}\s+")
_LABELS = re.compile(r"^((?:\([0-9A-Za-z]{1,6}\))+)\s*(.*)$")
_HEADING = re.compile(r"^([A-Z][A-Z0-9 ,;'’\-\(\)]+?)\.—")
_CAPITALS = re.compile(r"^[A-Z][A-Z0-9 ,;'’\-\(\)]*$")
_CLOSERS = "”’\"')]*"


@attrs.frozen
class OutlineEntry:
    citation: Citation
    heading: str | None
    opening: str  # the first words of the provision, to recognise it
    text: str = attrs.field(default="", eq=False)  # its own words as printed (lines joined by "\n")


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


def _join(first: str, second: str) -> str:
    """Two printed lines of a heading as one: a word broken at the line end is rejoined."""
    if first.endswith("-") and first[-2:-1].isalpha():
        return first[:-1] + second
    return f"{first} {second}"


def _comes_to_a_stop(text: str) -> bool:
    """Whether running text ends where a new provision may begin."""
    text = text.rstrip().rstrip(_CLOSERS).rstrip()
    if not text:
        return True
    return text[-1] in ".:;—]" or bool(re.search(r";\s+(?:and|or)$", text))


def _printed_lines(text: str) -> list[str]:
    """The bill's lines without page-line numbers; blank lines kept (as "")."""
    return [_LINE_NUMBER.sub("", raw.strip()).strip() for raw in text.splitlines()]


def parse_outline(text: str, act: str) -> list[OutlineEntry]:
    entries: list[OutlineEntry] = []
    bodies: list[list[str]] = []  # the printed lines of each entry's own text
    section: str | None = None
    stack: list[tuple[str, str]] = []  # (level, label) below the section
    lines = _printed_lines(text)
    running = ""  # the text since the last provision began, to tell a new provision from a wrapped line
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        match = _SECTION.match(line)
        if match:
            heading = match.group(2).strip()
            # a heading printed over several bold lines continues until it ends with a full stop
            while heading and not heading.rstrip("*").endswith(".") and index < len(lines) \
                    and lines[index].startswith("**"):
                heading = _join(heading.rstrip("*").rstrip(), lines[index].strip("*").strip())
                index += 1
            section, stack, running = match.group(1), [], "."
            heading = heading.rstrip("*").strip().rstrip(".").strip() or None
            entries.append(OutlineEntry(Citation(act, section, ()), heading, ""))
            bodies.append([])
            continue
        if section is None:
            continue
        match = _LABELS.match(line) if _comes_to_a_stop(running) else None
        if match:
            rest = match.group(2)
            # a capitalised heading printed over several lines: `COMMIT-` / `TEES.—The term`
            while not _HEADING.match(rest) and _CAPITALS.match(rest) and index < len(lines) and lines[index]:
                rest = _join(rest, lines[index])
                index += 1
            labels = re.findall(r"\(([0-9A-Za-z]{1,6})\)", match.group(1))
            placed_any = False
            for position, label in enumerate(labels):
                last = position == len(labels) - 1
                placed = _place(stack, label, rest if last else "")
                if placed is None:
                    break  # not a subdivision label (e.g. a parenthetical at the start of a line)
                stack, placed_any = placed, True
                heading_match = _HEADING.match(rest) if last else None
                heading = heading_match.group(1).title() if heading_match else None
                opening = rest[heading_match.end():].strip() if heading_match else (rest if last else "")
                entries.append(OutlineEntry(Citation(act, section, tuple(lbl for _, lbl in stack)), heading,
                                            " ".join(opening.split()[:8])))
                bodies.append([opening] if opening else [])
            if placed_any:
                running = rest
                continue
        if bodies:
            bodies[-1].append(line)
        running = f"{running} {line}"[-200:]
    return [attrs.evolve(entry, text="\n".join(body)) for entry, body in zip(entries, bodies)]


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
    if not candidates and has_heading:
        # an excerpt of a bill may start at a later subdivision: `(k) ANNUAL REPORTS.—` first under its
        # section is still a subsection, when its capitalised heading and its label fit one level only
        fitting = [level for level in LEVELS[LEVELS.index(last_level) + 1:] if label_fits_level(level, label)]
        if len(fitting) == 1:
            candidates.append(stack + [(fitting[0], label)])
    if not candidates:
        return None
    if len(candidates) > 1 and has_heading:
        # a capitalised heading marks the shallower reading: `(i) JOINT RESOLUTIONS.—`
        return min(candidates, key=len)
    return max(candidates, key=len) if not has_heading else candidates[0]
