"""Symbols: a loaded rule set -> every declaration and every reference to it, by source position.

Guarantees: each declared thing (value or decision, rule, fact, entity, field, table, column,
enum, variant) has one key and one declaration span (the span of its name); each reference
found in the resolved rules, in `exception to`, in rule targets, in `use` imports and in
type annotations is recorded with the span of the name as written, so an editor's cursor on
a name finds what it means. Hover text is built only from what the rule set says (kind,
type, citation, heading, statute text, notes, description, table source).
"""
from __future__ import annotations

import os
import re

import attrs

from interpreter.language import ast, model
from interpreter.language.source import SourceRegistry, Span


@attrs.frozen
class Symbol:
    key: str  # "value:Country.eligible", "field:Country.iso3", "rule:label", ...
    kind: str  # decision deadline value rule fact entity field table column enum variant
    name: str
    span: Span | None  # where its name is declared
    hover: str  # Markdown


def _lines(text: str | None) -> str:
    return text or ""


class Index:
    """Declarations and references of one loaded rule set."""

    def __init__(self, ruleset: model.RuleSet, sources: SourceRegistry):
        self.ruleset = ruleset
        self.sources = sources
        self.symbols: dict[str, Symbol] = {}
        self.references: list[tuple[Span, str]] = []
        self.provisions: dict[str, ast.Provision] = {}
        for file in ruleset.files:
            for section in file.sections:
                for provision in ast.walk_provisions(section):
                    self.provisions[str(provision.citation)] = provision
        for file in ruleset.files:
            self._declarations(file)
        self._resolved_references()

    # ---------------------------------------------------------------- positions

    def _word_span(self, span: Span | None, word: str, after: int = 0) -> Span | None:
        """The span of `word` on the first line of `span`, at or after its start."""
        if span is None:
            return None
        line = self.sources.line(span.file, span.line) or ""
        match = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])").search(line, max(span.column - 1, after))
        if match is None:
            return None
        return Span(span.file, span.line, match.start() + 1, span.line, match.end() + 1)

    def _text_span(self, span: Span | None, text: str) -> Span | None:
        """The span of `text` (a label such as `(b)`) on the first line of `span`."""
        if span is None:
            return None
        line = self.sources.line(span.file, span.line) or ""
        start = line.find(text, span.column - 1)
        if start < 0:
            return None
        return Span(span.file, span.line, start + 1, span.line, start + 1 + len(text))

    def _tail_span(self, span: Span | None, word: str) -> Span | None:
        """The span of `word` where `span` ends (the field of `record.field`)."""
        if span is None:
            return None
        line = self.sources.line(span.file, span.end_line) or ""
        start = span.end_column - 1 - len(word)
        if start >= 0 and line[start:span.end_column - 1] == word:
            return Span(span.file, span.end_line, start + 1, span.end_line, span.end_column)
        return None

    def _head_span(self, span: Span | None, word: str) -> Span | None:
        if span is None:
            return None
        line = self.sources.line(span.file, span.line) or ""
        if line[span.column - 1:span.column - 1 + len(word)] == word:
            return Span(span.file, span.line, span.column, span.line, span.column + len(word))
        return None

    def _add(self, key: str, kind: str, name: str, span: Span | None, hover: str) -> None:
        if key not in self.symbols:
            self.symbols[key] = Symbol(key, kind, name, span, hover)
            if span is not None:
                self.references.append((span, key))

    def _refer(self, span: Span | None, key: str) -> None:
        if span is not None and key in self.symbols:
            self.references.append((span, key))

    # ---------------------------------------------------------------- hover text

    def provision_text(self, citation) -> str:
        provision = self.provisions.get(str(citation))
        parts = [f"**{citation}**" + (f" — {provision.heading}" if provision and provision.heading else "")]
        if provision is not None:
            if provision.text:
                parts.append("> " + provision.text)
            parts.extend(f"*Note:* {note}" for note in provision.notes)
            if provision.provisional:
                parts.append(f"*Provisional:* {provision.provisional}")
        return "\n\n".join(parts)

    def _value_hover(self, value: model.Value) -> str:
        parts = [f"**{value.kind}** `{value.id}`: {value.type}"]
        if value.description:
            parts.append(value.description)
        parts.append(self.provision_text(value.citation))
        for rule in value.rules:
            parts.extend(f"*Note ({rule.label}):* {note}" for note in rule.notes)
        return "\n\n".join(parts)

    # ---------------------------------------------------------------- declarations

    def _declarations(self, file: ast.RuleFile) -> None:
        ruleset = self.ruleset
        for enum in file.enums:
            self._add(f"enum:{enum.name}", "enum", enum.name, self._word_span(enum.span, enum.name),
                      f"**enum** `{enum.name}`\n\n{_lines(enum.description)}\n\nvariants: "
                      + ", ".join(f"`{v.name}`" for v in enum.variants))
            for variant in enum.variants:
                self._add(f"variant:{enum.name}.{variant.name}", "variant", variant.name,
                          self._word_span(variant.span, variant.name),
                          f"**variant** `{variant.name}` of enum `{enum.name}`\n\n{_lines(variant.description)}")
        for entity in file.entities:
            self._add(f"entity:{entity.name}", "entity", entity.name, self._word_span(entity.span, entity.name),
                      f"**entity** `{entity.name}` (each record `{entity.variable}` of `{entity.collection}`, "
                      f"key `{entity.key}`)\n\n{_lines(entity.description)}")
            for field in entity.fields:
                self._add(f"field:{entity.name}.{field.name}", "field", field.name, self._word_span(field.span, field.name),
                          f"**fact** `{entity.name}.{field.name}`: {self._type(field.type)}\n\n{_lines(field.description)}")
        for fact in file.facts:
            self._add(f"fact:{fact.name}", "fact", fact.name, self._word_span(fact.span, fact.name),
                      f"**fact** `{fact.name}`: {self._type(fact.type)}\n\n{_lines(fact.description)}")
        for table in file.tables:
            source = f"; each row cites its source in column `{table.source_column}`" if table.source_column else ""
            dated = f"; rows dated by `{table.dated_from}`" if table.dated_from else ""
            self._add(f"table:{table.name}", "table", table.name, self._word_span(table.span, table.name),
                      f"**table** `{table.name}` (key `{table.key}`{' by prefix' if table.prefix_match else ''})\n\n"
                      f"{_lines(table.description)}\n\nsource: `{table.path}`{source}{dated}")
            for column in table.columns:
                self._add(f"column:{table.name}.{column.name}", "column", column.name,
                          self._word_span(column.span, column.name),
                          f"**column** `{table.name}.{column.name}`: {self._type(column.type)}")
        for section in file.sections:
            for provision in ast.walk_provisions(section):
                if provision.label:
                    written = provision.label if provision.level == "section" else f"({provision.label})"
                    heading = self._word_span(provision.span, written) if provision.level == "section" else \
                        self._text_span(provision.span, written)
                    self._add(f"provision:{provision.citation}", "provision", str(provision.citation), heading,
                              f"**{provision.level}** " + self.provision_text(provision.citation))
                for decl in provision.values:
                    value = ruleset.values.get(str(decl.target))
                    if value is not None:
                        self._add(f"value:{value.id}", value.kind, value.id, self._tail_span(decl.target.span, decl.target.name),
                                  self._value_hover(value))
                for rule in provision.rules:
                    resolved = ruleset.rules.get(rule.label)
                    if resolved is None:
                        continue
                    label_span = self._word_span(rule.span, rule.label) if not self._is_declaration_rule(rule) else None
                    if label_span is None and self._is_declaration_rule(rule):
                        label_span = self._tail_span(rule.target.span, rule.target.name)
                    self._add(f"rule:{rule.label}", "rule", rule.label, label_span,
                              f"**rule** `{rule.label}` gives `{resolved.value_id}`"
                              + (f", an exception to `{resolved.exception_to}`" if resolved.exception_to else "")
                              + "\n\n" + self.provision_text(resolved.citation)
                              + "".join(f"\n\n*Note:* {note}" for note in resolved.notes))

    def _is_declaration_rule(self, rule: ast.RuleDecl) -> bool:
        return rule.label == str(rule.target)

    def _type(self, type_ref: ast.TypeRef) -> str:
        return f"set of {self._type(type_ref.element)}" if type_ref.name == "set" and type_ref.element else type_ref.name

    # ---------------------------------------------------------------- references

    def _resolved_references(self) -> None:
        ruleset = self.ruleset
        for file in ruleset.files:
            for use in file.uses:
                for name, span in zip(use.names, use.name_spans):
                    value = ruleset.values.get(name) or next((v for v in ruleset.values.values() if v.name == name), None)
                    if value is not None:
                        self._refer(span, f"value:{value.id}")
            for type_ref in self._type_refs(file):
                self._refer(self._head_span(type_ref.span, type_ref.name), f"enum:{type_ref.name}")
                self._refer(self._head_span(type_ref.span, type_ref.name), f"entity:{type_ref.name}")
            for section in file.sections:
                for provision in ast.walk_provisions(section):
                    for rule in provision.rules:
                        if not self._is_declaration_rule(rule):
                            self._refer(self._tail_span(rule.target.span, rule.target.name), f"value:{rule.target}")
        for rule in ruleset.rules.values():
            if rule.exception_to and rule.exception_span is not None:
                self._refer(rule.exception_span, f"rule:{rule.exception_to}")
        for value in ruleset.values.values():
            for node in model.rule_expressions(value):
                self._expression_reference(node)

    def _type_refs(self, file: ast.RuleFile):
        types = [f.type for f in file.facts]
        types += [field.type for entity in file.entities for field in entity.fields]
        for section in file.sections:
            for provision in ast.walk_provisions(section):
                types += [decl.type for decl in provision.values]
        for type_ref in types:
            while type_ref is not None:
                if type_ref.name != "set":
                    yield type_ref
                type_ref = type_ref.element

    def _expression_reference(self, node) -> None:
        span = node.span
        if isinstance(node, model.ValueRef):
            value = self.ruleset.values.get(node.value_id)
            if value is not None:
                self._refer(self._tail_span(span, value.name), f"value:{value.id}")
        elif isinstance(node, model.FactRef):
            self._refer(self._tail_span(span, node.name), f"fact:{node.name}")
        elif isinstance(node, model.FieldRef):
            self._refer(self._tail_span(span, node.field), f"field:{node.entity}.{node.field}")
        elif isinstance(node, model.CollectionRef):
            entity = self.ruleset.entities.get(node.entity)
            if entity is not None:
                self._refer(self._tail_span(span, entity.collection), f"entity:{entity.name}")
        elif isinstance(node, (model.TableRows, model.TableLookup, model.TableMembership)):
            target = self._head_span(span, node.table)
            if isinstance(node, model.TableMembership):
                target = self._tail_span(span, node.table) or self._word_span(span, node.table)
            self._refer(target, f"table:{node.table}")
        elif isinstance(node, model.RowField):
            self._refer(self._tail_span(span, node.column), f"column:{node.table}.{node.column}")
        elif isinstance(node, model.Const) and node.type.kind == "enum":
            self._refer(self._tail_span(span, str(node.value)), f"variant:{node.type.name}.{node.value}")
        elif isinstance(node, model.Var) and node.type.kind in ("entity", "row"):
            own = self._tail_span(span, node.name)
            if own is not None and own == Span(span.file, span.line, span.column, span.end_line, span.end_column):
                self._refer(own, f"{'entity' if node.type.kind == 'entity' else 'table'}:{node.type.name}")

    # ---------------------------------------------------------------- queries

    def at(self, path: str, line: int, column: int) -> tuple[Span, str] | None:
        """The name under a 1-based position of file `path` (absolute), and what it means."""
        best = None
        for span, key in self.references:
            if span.line == line and span.column <= column <= span.end_column and _same_file(span.file, path):
                if best is None or (span.end_column - span.column) < (best[0].end_column - best[0].column):
                    best = (span, key)
        return best

    def uses_of(self, key: str) -> list[Span]:
        return sorted({span for span, k in self.references if k == key}, key=lambda s: (s.file, s.line, s.column))


def _same_file(shown: str, path: str) -> bool:
    return os.path.abspath(shown) == os.path.abspath(path)
