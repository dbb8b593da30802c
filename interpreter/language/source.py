"""Source positions: file text -> Span values that every later stage carries.

A Span is a half-open region of one rule or fact file, 1-based line and column as
editors show them. Spans never take part in equality of the nodes that carry them,
so two rule sets that differ only in layout compare equal.
"""
from __future__ import annotations

import attrs


@attrs.frozen(order=True)
class Span:
    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    @classmethod
    def point(cls, file: str, line: int = 1, column: int = 1) -> "Span":
        return cls(file, line, column, line, column + 1)


def span_field():
    """A span attribute that is kept out of equality and hashing."""
    return attrs.field(default=None, eq=False, hash=False, repr=False)


class SourceRegistry:
    """Remembers the text of every file read, so diagnostics can quote it."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}

    def add(self, file: str, text: str) -> None:
        self._lines[file] = text.splitlines()

    def line(self, file: str, number: int) -> str | None:
        lines = self._lines.get(file)
        if lines is None:
            return None
        if 1 <= number <= len(lines):
            return lines[number - 1]
        return None

    def excerpt(self, span: Span) -> str:
        """The exact source text a span covers (used to quote conditions)."""
        lines = self._lines.get(span.file)
        if lines is None:
            return ""
        if span.line == span.end_line:
            return lines[span.line - 1][span.column - 1 : span.end_column - 1]
        parts = [lines[span.line - 1][span.column - 1 :]]
        parts.extend(lines[span.line : span.end_line - 1])
        parts.append(lines[span.end_line - 1][: span.end_column - 1])
        return " ".join(part.strip() for part in parts)
