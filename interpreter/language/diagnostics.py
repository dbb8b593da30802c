"""Diagnostics as values: every stage returns a list of these instead of raising.

A Diagnostic keeps its code, severity, message, primary span, related spans and
suggestions apart (as CUE does), so the CLI can render them as text with caret
excerpts or as JSON without re-parsing messages.
"""
from __future__ import annotations

import enum

import attrs

from interpreter.language.source import Span


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@attrs.frozen
class Related:
    span: Span
    message: str


@attrs.frozen
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span | None = None
    related: tuple[Related, ...] = ()
    suggestions: tuple[str, ...] = ()
    fact_path: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def location(self) -> str:
        if self.span is not None and self.fact_path:
            where = f"{self.span}" if self.span.line else self.span.file  # line 0: no position known
            return f"{where}: {self.fact_path}"
        if self.span is not None:
            return str(self.span)
        return self.fact_path or "<input>"

    def sort_key(self):
        span = self.span
        return (
            span.file if span else "",
            span.line if span else 0,
            span.column if span else 0,
            self.fact_path or "",
            self.code,
            self.message,
        )


def error(code: str, message: str, span: Span | None = None, **kwargs) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, span, **kwargs)


def warning(code: str, message: str, span: Span | None = None, **kwargs) -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, span, **kwargs)


def has_errors(diagnostics) -> bool:
    return any(d.is_error for d in diagnostics)


def did_you_mean(name: str, candidates) -> tuple[str, ...]:
    """Close spellings of `name` among `candidates`, best first."""
    import difflib

    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=3, cutoff=0.6)
    return tuple(f"did you mean `{m}`?" for m in matches)


class UserError(Exception):
    """Raised only at the API boundary to carry diagnostics to the CLI."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics
