"""Changes: the values a structural diff is made of (one side of a comparison, and each kind of change).

`Side` is a loaded version with its display names and source quotes; `RuleChange`, `ValueChange`,
`ProvisionChange`, `DeclarationChange`, `RowChange` and `FileChange` are frozen records keyed by
citation or name; `Structure` holds them all. Whether a change is behavioural or text-only is a
property of the change, computed from what changed, never stored separately.
"""
from __future__ import annotations

import os
import textwrap

import attrs

from interpreter.language import model
from interpreter.language.citation import Citation
from interpreter.language.pipeline import Loaded


@attrs.frozen
class Side:
    """One side of a diff: how the user named it, where it was read from, what loaded."""
    spec: str
    root: str
    loaded: Loaded = attrs.field(eq=False, repr=False)

    @property
    def ruleset(self) -> model.RuleSet:
        return self.loaded.ruleset

    def display(self, file: str | None) -> str | None:
        """A file of this side as the user would name it: `rules/ramsa/s4_alliance.rules`,
        or `HEAD~1:rules/ramsa/s4_alliance.rules` for a git side."""
        if file is None:
            return None
        if os.path.isfile(self.root):  # a rule set of one file
            return self.spec if os.path.abspath(file) == os.path.abspath(self.root) else file
        relative = os.path.relpath(os.path.abspath(file), os.path.abspath(self.root))
        if relative.startswith(".."):
            return file
        spec = self.spec.rstrip("/")
        return f"{spec}/{relative}".replace(os.sep, "/")

    def location(self, span) -> str | None:
        if span is None:
            return None
        return f"{self.display(span.file)}:{span.line}"

    def quote(self, span) -> str | None:
        """The source lines a declaration spans, dedented (comments and layout as written)."""
        if span is None:
            return None
        sources = self.loaded.sources
        lines = []
        for number in range(span.line, span.end_line + 1):
            line = sources.line(span.file, number)
            if line is None:
                break
            if number == span.end_line and number > span.line and not line[: max(0, span.end_column - 1)].strip():
                break  # the span ends on the indentation of the next line
            lines.append(line)
        while lines and (not lines[-1].strip() or lines[-1].strip().startswith("#")):
            lines.pop()
        return textwrap.dedent("\n".join(lines)) if lines else None


def moved_citation(citation: Citation, mapping: dict) -> Citation:
    """Where a citation ends up when the provisions containing it were renumbered."""
    for prefix in citation.ancestors():
        if prefix in mapping:
            target = mapping[prefix]
            return Citation(target.act, target.section, target.path + citation.path[len(prefix.path):])
    return citation


@attrs.frozen
class RuleChange:
    change: str  # added | removed | changed | moved | relabelled
    label: str
    target: str
    old_citation: str | None
    new_citation: str | None
    aspects: tuple[str, ...]  # consequence condition exception_to notes target citation label
    old_source: str | None
    new_source: str | None
    old_location: str | None
    new_location: str | None
    old_label: str | None = None

    @property
    def behavioural(self) -> bool:
        return self.change in ("added", "removed") or bool(
            set(self.aspects) & {"consequence", "condition", "exception_to", "target"})


@attrs.frozen
class ValueChange:
    change: str  # added | removed | changed | moved
    id: str
    kind: str  # decision | deadline | value (the new kind, or the old one if removed)
    old_citation: str | None
    new_citation: str | None
    aspects: tuple[str, ...]  # kind type description citation
    old: tuple[tuple[str, str | None], ...]  # (aspect, old text)
    new: tuple[tuple[str, str | None], ...]
    old_location: str | None
    new_location: str | None


@attrs.frozen
class ProvisionChange:
    change: str  # added | removed | changed | renumbered
    old_citation: str | None
    new_citation: str | None
    level: str
    aspects: tuple[str, ...]  # heading text notes non_operative rules values
    old_heading: str | None
    new_heading: str | None
    old_text: str | None
    new_text: str | None
    old_notes: tuple[str, ...]
    new_notes: tuple[str, ...]
    old_non_operative: str | None
    new_non_operative: str | None
    values: tuple[ValueChange, ...]
    rules: tuple[RuleChange, ...]
    moved_along: tuple[str, ...]  # subdivisions renumbered with this one (new citations)
    merged_into: str | None  # for a removed provision whose text now stands in another
    old_location: str | None
    new_location: str | None
    sort_key: tuple = attrs.field(eq=False, repr=False)

    @property
    def citation(self) -> str:
        return self.new_citation or self.old_citation

    @property
    def behavioural(self) -> bool:
        return any(r.behavioural for r in self.rules) or any(
            v.change in ("added", "removed") or set(v.aspects) & {"type", "kind"} for v in self.values)

    @property
    def text_only(self) -> bool:
        return self.change == "changed" and not self.behavioural and not self.rules and not self.values


@attrs.frozen
class DeclarationChange:
    category: str  # act enum entity fact table
    name: str
    change: str  # added | removed | changed
    details: tuple[str, ...]
    location: str | None


@attrs.frozen
class RowChange:
    table: str
    file: str  # the table's CSV, relative to the rule-set root
    key: str
    dated_from: str | None
    change: str  # added | removed | changed
    columns: tuple[tuple[str, str | None, str | None], ...]  # (column, old, new) for changed data columns
    old_source: str | None
    new_source: str | None
    old_line: int | None
    new_line: int | None

    @property
    def behavioural(self) -> bool:
        return self.change != "changed" or bool(self.columns)


@attrs.frozen
class FileChange:
    path: str  # relative to the rule-set root
    change: str  # added | removed | changed


@attrs.frozen
class Structure:
    provisions: tuple[ProvisionChange, ...]
    declarations: tuple[DeclarationChange, ...]
    rows: tuple[RowChange, ...]
    files: tuple[FileChange, ...]
    layout_only: tuple[str, ...]  # rule files whose text differs with no change of substance
    citation_map: dict = attrs.field(eq=False, repr=False)  # old Citation -> new Citation

    @property
    def empty(self) -> bool:
        return not (self.provisions or self.declarations or self.rows or self.files)
