"""Workspace: an open rule file (its path and in-editor text) -> the answers an editor asks.

input: the path and unsaved text of every open file; output: plain values (1-based spans,
Markdown, lists) that the language server turns into protocol messages.
Guarantees: the rule set of a file is the directory that holds it, or the nearest directory
above it with an `act.rules`; it is loaded by the same pipeline as `rules check`, with the
text of every open file read instead of the file on disk, so diagnostics are exactly those
of `rules check`. When the rule set does not load (a syntax error while typing), questions
about names are answered from the last version that did load; the outline and formatting
need only the file itself.
"""
from __future__ import annotations

import difflib
import os
import re

import attrs

from interpreter.api import Loaded, load
from interpreter.editor.format import format_text
from interpreter.editor.symbols import Index, Symbol
from interpreter.language import ast
from interpreter.language.diagnostics import Diagnostic
from interpreter.language.parse import build_ast, declared_act_name, parse_tree
from interpreter.language.pipeline import rule_files
from interpreter.language.source import Span
from interpreter.language.types import BUILTINS

ACT_FILE = "act.rules"
KEYWORDS = (
    "act", "use", "from", "section", "subsection", "paragraph", "subparagraph", "clause", "subclause", "enum",
    "entity", "as", "key", "fact", "table", "by", "prefix", "dated", "until", "source", "complete", "partial",
    "valid", "through", "set", "of", "text", "note",
    "non_operative", "provisional", "decision", "deadline", "value", "rule", "when", "exception", "to", "if", "then",
    "else", "and", "or", "not", "in", "all", "any", "count", "sum", "min", "max", "for", "where", "satisfy", "true",
    "false", "as_of", "days", "months", "years",
)
_DID_YOU_MEAN = re.compile(r"did you mean `([^`]+)`\?")


def rule_set_root(path: str) -> str:
    """The rule set a file belongs to: the nearest directory up with an act.rules, or else the
    file alone (never a directory without an act, which could be a home or the whole disk)."""
    probe = os.path.dirname(os.path.abspath(path))
    while True:
        if os.path.isfile(os.path.join(probe, ACT_FILE)):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            return os.path.abspath(path)
        probe = parent


@attrs.frozen
class Completion:
    label: str
    kind: str  # value field variant enum entity table column fact function keyword variable
    detail: str = ""
    documentation: str = ""


@attrs.frozen
class Outline:
    name: str
    detail: str
    kind: str  # provision value rule enum variant entity field fact table column
    span: Span
    selection: Span
    children: tuple["Outline", ...] = ()


@attrs.frozen
class QuickFix:
    title: str
    span: Span  # the text to replace
    replacement: str
    diagnostic: Diagnostic


@attrs.frozen
class Analysis:
    root: str
    loaded: Loaded
    index: Index | None  # from this load, or from the last one that loaded


class Workspace:
    """The open files and, per rule set, the latest analysis."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self._analyses: dict[str, tuple[tuple, Analysis]] = {}
        self._last_index: dict[str, Index] = {}

    def open(self, path: str, text: str) -> None:
        self.texts[os.path.abspath(path)] = text

    def close(self, path: str) -> None:
        self.texts.pop(os.path.abspath(path), None)

    def text(self, path: str) -> str:
        """The editor's text of a file, or the file on disk when it is not open."""
        text = self.texts.get(os.path.abspath(path))
        if text is None:
            try:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
            except (OSError, UnicodeDecodeError):
                text = ""
        return text

    def analyse(self, path: str) -> Analysis:
        root = rule_set_root(path)
        overlays = {p: t for p, t in self.texts.items() if p == root or p.startswith(root + os.sep)}
        state = (tuple(sorted(overlays.items())), _disk_state(root))
        cached = self._analyses.get(root)
        if cached is not None and cached[0] == state:
            return cached[1]
        loaded = load(root, overlays)
        index = None
        if loaded.ruleset is not None:
            index = Index(loaded.ruleset, loaded.sources)
            self._last_index[root] = index
        analysis = Analysis(root, loaded, index or self._last_index.get(root))
        self._analyses[root] = (state, analysis)
        return analysis

    # ---------------------------------------------------------------- diagnostics

    def diagnostics(self, path: str) -> dict[str, list[Diagnostic]]:
        """Every diagnostic of the file's rule set, by absolute file path (files without any too)."""
        analysis = self.analyse(path)
        by_file: dict[str, list[Diagnostic]] = {}
        for file in self._rule_files(analysis):
            by_file.setdefault(file, [])
        by_file.setdefault(os.path.abspath(path), [])
        for diagnostic in analysis.loaded.diagnostics:
            target = os.path.abspath(diagnostic.span.file) if diagnostic.span else os.path.abspath(path)
            by_file.setdefault(target, []).append(diagnostic)
        return by_file

    def _rule_files(self, analysis: Analysis) -> list[str]:
        return [os.path.abspath(p) for p in rule_files(analysis.root)]

    def quick_fixes(self, path: str, line: int) -> list[QuickFix]:
        """A replacement for each "did you mean" suggestion of a diagnostic on this line."""
        fixes = []
        analysis = self.analyse(path)
        lines = self.text(path).splitlines()
        for diagnostic in analysis.loaded.diagnostics:
            span = diagnostic.span
            if span is None or os.path.abspath(span.file) != os.path.abspath(path) or not span.line <= line <= span.end_line:
                continue
            for suggestion in diagnostic.suggestions:
                match = _DID_YOU_MEAN.search(suggestion)
                if match is None or span.line > len(lines):
                    continue
                wanted = match.group(1).split(".")[-1]
                source = lines[span.line - 1]
                end = span.end_column - 1 if span.end_line == span.line else len(source)
                words = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", source)
                         if m.start() >= span.column - 1 and m.end() <= end]
                if not words:
                    continue
                start, stop, _ = max(words, key=lambda w: difflib.SequenceMatcher(None, w[2], wanted).ratio())
                fixes.append(QuickFix(f"Change to `{wanted}`", Span(span.file, span.line, start + 1, span.line, stop + 1),
                                      wanted, diagnostic))
        return fixes

    # ---------------------------------------------------------------- names

    def symbol_at(self, path: str, line: int, column: int) -> tuple[Span, Symbol] | None:
        index = self.analyse(path).index
        if index is None:
            return None
        found = index.at(path, line, column)
        if found is None:
            return None
        span, key = found
        return span, index.symbols[key]

    def references(self, path: str, line: int, column: int) -> list[Span]:
        found = self.symbol_at(path, line, column)
        if found is None:
            return []
        return self.analyse(path).index.uses_of(found[1].key)

    # ---------------------------------------------------------------- completion

    def completions(self, path: str, line: int, column: int) -> list[Completion]:
        """What may be written at a 1-based position: fields after `record.`, else names and keywords."""
        index = self.analyse(path).index
        lines = self.text(path).splitlines()
        before = lines[line - 1][:column - 1] if 0 < line <= len(lines) else ""
        if index is None:
            return [Completion(k, "keyword") for k in KEYWORDS]
        ruleset = index.ruleset
        member = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_0-9]*)$", before)
        if member is not None:
            # The variable may be bound after the cursor too (`{x.f for x in C}`): read the clause around it.
            return self._members(index, member.group(1), "\n".join(lines[max(0, line - 12):line + 3]))
        items = []
        for value in ruleset.values.values():
            items.append(Completion(value.name, "value", f"{value.kind} {value.type}", value.description or ""))
        items += [Completion(f.name, "fact", f"fact {f.type}", f.description or "") for f in ruleset.facts.values()]
        for entity in ruleset.entities.values():
            items.append(Completion(entity.collection, "variable", f"every {entity.name}", entity.description or ""))
            items.append(Completion(entity.variable, "variable", f"a {entity.name}", entity.description or ""))
            items.append(Completion(entity.name, "entity", "entity", entity.description or ""))
        items += [Completion(t.name, "table", "table", t.description or "") for t in ruleset.tables.values()]
        for enum in ruleset.enums.values():
            items.append(Completion(enum.name, "enum", "enum", enum.description or ""))
            items += [Completion(v, "variant", f"{enum.name} variant", self._variant_text(index, enum.name, v))
                      for v in enum.variants]
        items += [Completion(name, "function", "builtin") for name in sorted(BUILTINS)]
        items += [Completion(k, "keyword") for k in KEYWORDS]
        return list({(c.label, c.kind): c for c in items}.values())

    def _variant_text(self, index: Index, enum: str, variant: str) -> str:
        symbol = index.symbols.get(f"variant:{enum}.{variant}")
        return symbol.hover if symbol else ""

    def _members(self, index: Index, subject: str, context: str) -> list[Completion]:
        ruleset = index.ruleset
        if subject in ruleset.enums:
            enum = ruleset.enums[subject]
            return [Completion(v, "variant", f"{enum.name} variant", self._variant_text(index, enum.name, v))
                    for v in enum.variants]
        entity = ruleset.entities.get(subject) or next(
            (e for e in ruleset.entities.values() if e.variable == subject), None)
        table = None
        if entity is None:
            # A variable bound by `any x in C`, `count x in C`, `... for x in C`: what C holds.
            bound = re.findall(rf"\b(?:all|any|count|for)\s+{re.escape(subject)}\s+in\s+([A-Za-z_][A-Za-z0-9_]*)", context)
            if bound:
                collection = bound[-1]
                entity = next((e for e in ruleset.entities.values() if e.collection == collection), None)
                table = ruleset.tables.get(collection)
        if entity is not None:
            items = [Completion(f.name, "field", f"fact {f.type}", f.description or "") for f in entity.fields]
            items += [Completion(v.name, "value", f"{v.kind} {v.type}", v.description or "")
                      for v in ruleset.values.values() if v.owner == entity.name]
            return items
        if table is not None:
            return [Completion(c.name, "column", f"column {c.type}", "") for c in table.columns]
        return []

    # ---------------------------------------------------------------- outline and formatting

    def outline(self, path: str) -> list[Outline]:
        """The file's provisions as the bill's outline (section > subsection > ...), with its declarations."""
        text = self.text(path)
        shown = os.path.relpath(path)
        tree, _ = parse_tree(shown, text)
        if tree is None:
            return []
        act = declared_act_name(tree) or self._act_name(path)
        rule_file, _ = build_ast(shown, tree, act)
        items: list[Outline] = []
        for enum in rule_file.enums:
            items.append(_node(enum.name, enum.description or "enum", "enum", enum.span,
                               [_node(v.name, v.description or "", "variant", v.span) for v in enum.variants]))
        for entity in rule_file.entities:
            items.append(_node(entity.name, f"{entity.collection}, key {entity.key}", "entity", entity.span,
                               [_node(f.name, str(f.type.name), "field", f.span) for f in entity.fields]))
        items += [_node(f.name, f.type.name, "fact", f.span) for f in rule_file.facts]
        for table in rule_file.tables:
            items.append(_node(table.name, table.path, "table", table.span,
                               [_node(c.name, c.type.name, "column", c.span) for c in table.columns]))
        items += [_provision_outline(section) for section in rule_file.sections if section.label]
        return items

    def _act_name(self, path: str) -> str:
        act_file = os.path.join(rule_set_root(path), ACT_FILE)
        try:
            with open(act_file, encoding="utf-8") as handle:
                tree, _ = parse_tree(act_file, handle.read())
        except OSError:
            return "Act"
        return (declared_act_name(tree) if tree is not None else None) or "Act"

    def formatted(self, path: str) -> str | None:
        """The file's text as `rules fmt` writes it, or None when it does not parse."""
        text = self.texts.get(os.path.abspath(path))
        if text is None:
            return None
        result = format_text(text, os.path.relpath(path))
        return result.text if result.ok else None


def _disk_state(root: str) -> tuple:
    """What changes when a rule file or table changes on disk (a checkout, another editor)."""
    paths = rule_files(root) if os.path.exists(root) else []
    data = os.path.join(root, "data")
    if os.path.isdir(data):
        paths += [os.path.join(data, name) for name in sorted(os.listdir(data))]
    state = []
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            continue
        state.append((path, stat.st_mtime_ns, stat.st_size))
    return tuple(state)


def _node(name: str, detail: str, kind: str, span: Span, children=()) -> Outline:
    first_line = Span(span.file, span.line, span.column, span.line, span.column + 1)
    return Outline(name, detail, kind, span, first_line, tuple(children))


def _provision_outline(provision: ast.Provision) -> Outline:
    label = f"§{provision.label}" if provision.level == "section" else f"({provision.label})"
    name = f"{label} {provision.heading}" if provision.heading else label
    children = [_provision_outline(child) for child in provision.children]
    children += [_node(str(v.target), f"{v.kind} {v.type.name}", "value", v.span) for v in provision.values]
    children += [_node(r.label, f"rule for {r.target}", "rule", r.span) for r in provision.rules if r.label != str(r.target)]
    children.sort(key=lambda o: (o.span.line, o.span.column))
    return _node(name, str(provision.citation), "provision", provision.span, children)
