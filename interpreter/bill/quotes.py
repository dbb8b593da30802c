"""Statute quotes: the rule set's `text` lines + the bill text in `bill/` -> a diagnostic for each
quote that is not in the bill at its provision.

input: a loaded rule set whose directory keeps its bill (`bill/*.txt`); output: `E710` errors,
located at the `text` line. A quote matches when it is a run of the words of its provision in
the bill (the provision's own words and those of its subdivisions, labels included). Only white
space and line breaks are normalised: runs of white space are one space, and a hyphen at the end of
a printed line may be the printer's (`Peo-` / `ple's` is `People's`) or the word's own
(`upper-mid-` / `dle-income` is `upper-middle-income`). Quotation marks, apostrophes and every
other character must be as printed. Guarantees: a rule set without bill text gets no quote
diagnostics; the check reads only the bill file, and its time is linear in the bill's size for each quote.
"""
from __future__ import annotations

import os
import re

from interpreter.bill.outline import OutlineEntry, parse_outline
from interpreter.language.citation import Citation
from interpreter.language.diagnostics import Diagnostic, error
from interpreter.language.pipeline import Loaded

_BREAK = "\u00ad"  # a line-end hyphen: the printer's or the word's own


def printed_words(text: str) -> str:
    """Printed lines -> one line: white space collapsed, line-end hyphens marked as either."""
    joined = re.sub(r"(?<=[A-Za-z])-\n(?=[A-Za-z])", _BREAK, text)
    return " ".join(joined.split())


def _pattern(quote: str) -> re.Pattern:
    parts = []
    for char in " ".join(quote.split()):
        parts.append(f"(?:-{_BREAK}?|{_BREAK})" if char == "-" else re.escape(char))
    return re.compile(f"{_BREAK}?".join(parts))


def provision_texts(outline: list[OutlineEntry]) -> dict[Citation, str]:
    """Each provision's words and those of its subdivisions (with their labels), normalised."""
    texts: dict[Citation, list[str]] = {}
    for entry in outline:  # in the bill's order, so a provision's own words come before its subdivisions'
        labelled = f"({entry.citation.path[-1]}) {entry.text}" if entry.citation.path else entry.text
        for enclosing in entry.citation.ancestors():
            texts.setdefault(enclosing, []).append(entry.text if enclosing == entry.citation else labelled)
    return {citation: printed_words("\n".join(pieces)) for citation, pieces in texts.items()}


def check_quotes(loaded: Loaded, bill_path: str) -> list[Diagnostic]:
    """E710 for every `text` of the rule set that the bill at `bill_path` does not have at its provision."""
    ruleset = loaded.ruleset
    with open(bill_path, encoding="utf-8") as handle:
        outline = parse_outline(handle.read(), ruleset.act)
    texts = provision_texts(outline)
    shown = os.path.relpath(bill_path)
    found: list[Diagnostic] = []
    for provision in ruleset.provisions:
        if not provision.text:
            continue
        span = provision.text_span or provision.span
        bill_text = texts.get(provision.citation)
        if bill_text is None:
            found.append(error("E710", f"the bill ({shown}) has no {provision.citation}, so this quote cannot "
                                       f"be checked against it", span))
            continue
        pattern = _pattern(provision.text)
        if pattern.search(bill_text):
            continue
        found.append(error("E710", f"this quote is not in the bill at {provision.citation} ({shown})", span,
                           suggestions=_hints(provision.text, provision.citation, bill_text, texts)))
    return found


def _hints(quote: str, citation: Citation, bill_text: str, texts: dict[Citation, str]) -> tuple[str, ...]:
    elsewhere = [c for c, text in texts.items() if c != citation and _pattern(quote).search(text)]
    if elsewhere:
        deepest = max(elsewhere, key=lambda c: len(c.path))  # the first of the most specific provisions
        return (f"the bill has these words at {deepest}: move the quote there",)
    words = quote.split()
    matched = 0
    for count in range(1, len(words) + 1):  # the longest run of the quote's first words that the bill has
        if not _pattern(" ".join(words[:count])).search(bill_text):
            break
        matched = count
    if matched == 0:
        return ("the bill's words at this provision do not begin with the quote's first word "
                f"“{words[0]}”: compare it with the bill text",)
    return (f"the bill has the quote's first {matched} word(s) but then differs at “{' '.join(words[matched:matched + 4])}”"
            " (compare the characters: quotation marks, apostrophes and dashes must be as printed)",)
