"""Model: the resolved rule set, the intermediate representation after `resolve`.

input <- built by `resolve` from the AST; output -> read by `check` and `evaluate`.
Guarantees: every name is bound to what it means (a fact, an entity field, a value,
a table, a bound variable or an enum variant); every value knows all the rules that
define it; citations are the ones stamped at parse time, carried over unchanged.
"""
from __future__ import annotations

import attrs

from interpreter.language import ast
from interpreter.language.citation import Citation
from interpreter.language.source import SourceRegistry, Span, span_field
from interpreter.language.types import Type

# ---------------------------------------------------------------- declarations

@attrs.frozen
class Field:
    name: str
    type: Type
    description: str | None
    span: Span | None = span_field()


@attrs.frozen
class Enum:
    name: str
    description: str | None
    variants: tuple[str, ...]
    span: Span | None = span_field()


@attrs.frozen
class Entity:
    name: str
    variable: str
    collection: str
    key: str
    description: str | None
    fields: tuple[Field, ...]
    span: Span | None = span_field()

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


@attrs.frozen
class Fact:
    name: str
    type: Type
    description: str | None
    span: Span | None = span_field()


@attrs.frozen
class Table:
    name: str
    description: str | None
    path: str
    key: str
    prefix_match: bool
    dated_from: str | None
    dated_until: str | None
    source_column: str | None
    columns: tuple[Field, ...]
    span: Span | None = span_field()
    complete: bool = False  # a key it does not list is "not listed" (partial: unknown)
    valid_from: object = None  # datetime.date: the first day its data is valid for
    valid_through: object = None  # datetime.date: the last day

    @property
    def needs_date(self) -> bool:
        """A lookup needs a date: its rows are dated, or its data is valid for a period only."""
        return self.dated_from is not None or self.valid_from is not None or self.valid_through is not None

    def column(self, name: str) -> Field | None:
        return next((c for c in self.columns if c.name == name), None)


@attrs.frozen
class Rule:
    label: str
    value_id: str
    consequence: object
    condition: object | None
    exception_to: str | None
    notes: tuple[str, ...]
    citation: Citation
    span: Span | None = span_field()
    exception_span: Span | None = span_field()


@attrs.frozen
class Value:
    """A derived value or decision: `total_duty` or `ImportLine.treatment`."""
    id: str
    owner: str | None  # entity name, or None for a global value
    name: str
    kind: str  # decision | deadline | value
    type: Type
    description: str | None
    citation: Citation
    file: str
    rules: tuple[Rule, ...]
    span: Span | None = span_field()

    @property
    def is_decision(self) -> bool:
        """Decisions and deadlines are reported by `rules eval`; values are intermediate."""
        return self.kind in ("decision", "deadline")

    @property
    def is_deadline(self) -> bool:
        return self.kind == "deadline"


@attrs.frozen
class RuleSet:
    act: str
    title: str
    root: str
    files: tuple[ast.RuleFile, ...]
    enums: dict
    entities: dict
    facts: dict
    tables: dict
    values: dict  # id -> Value, in source order
    rules: dict  # label -> Rule
    provisions: tuple[ast.Provision, ...] = attrs.field(eq=False)
    sources: SourceRegistry = attrs.field(eq=False, repr=False)

    def entity_by_collection(self, collection: str) -> Entity | None:
        return next((e for e in self.entities.values() if e.collection == collection), None)

    def decisions(self):
        return [v for v in self.values.values() if v.is_decision]


# ---------------------------------------------------------------- resolved expressions

@attrs.frozen
class Const:
    value: object
    type: Type
    span: Span | None = span_field()


@attrs.frozen
class AsOf:
    span: Span | None = span_field()


@attrs.frozen
class FactRef:
    name: str
    type: Type
    span: Span | None = span_field()


@attrs.frozen
class Var:
    name: str
    type: Type
    span: Span | None = span_field()


@attrs.frozen
class FieldRef:
    subject: object
    entity: str
    field: str
    type: Type
    span: Span | None = span_field()


@attrs.frozen
class ValueRef:
    value_id: str
    subject: object | None  # the entity the value belongs to, for entity values
    type: Type
    span: Span | None = span_field()


@attrs.frozen
class CollectionRef:
    entity: str
    type: Type
    span: Span | None = span_field()


@attrs.frozen
class TableRows:
    """Every row of a reference table, to range over with a quantifier or aggregate."""
    table: str
    type: Type
    span: Span | None = span_field()


@attrs.frozen
class TableLookup:
    table: str
    key: object
    as_of: object | None
    type: Type
    span: Span | None = span_field()


@attrs.frozen
class TableMembership:
    table: str
    key: object
    as_of: object | None
    negated: bool
    span: Span | None = span_field()


@attrs.frozen
class RowField:
    row: object
    table: str
    column: str
    type: Type
    span: Span | None = span_field()


@attrs.frozen
class Binary:
    op: str
    left: object
    right: object
    span: Span | None = span_field()


@attrs.frozen
class Not:
    operand: object
    span: Span | None = span_field()


@attrs.frozen
class Negate:
    operand: object
    span: Span | None = span_field()


@attrs.frozen
class SetMembership:
    element: object
    collection: object
    negated: bool
    span: Span | None = span_field()


@attrs.frozen
class If:
    condition: object
    then: object
    otherwise: object
    span: Span | None = span_field()


@attrs.frozen
class Call:
    function: str
    args: tuple
    span: Span | None = span_field()


@attrs.frozen
class AllAnyOf:
    kind: str
    items: tuple
    span: Span | None = span_field()


@attrs.frozen
class Quantifier:
    kind: str
    variable: Var
    collection: object
    condition: object
    span: Span | None = span_field()


@attrs.frozen
class Aggregate:
    kind: str  # count sum min max set
    variable: Var
    collection: object
    value: object | None
    where: object | None
    span: Span | None = span_field()


@attrs.frozen
class SetLiteral:
    items: tuple
    span: Span | None = span_field()


@attrs.frozen
class Invalid:
    """Stands where resolution failed; a diagnostic has already been reported."""
    span: Span | None = span_field()


def rule_expressions(value: "Value"):
    """Every expression node in every rule of a value (consequences and conditions)."""
    for rule in value.rules:
        for expression in (rule.consequence, rule.condition):
            if expression is not None:
                yield from walk(expression)


def children(node) -> tuple:
    """Direct sub-expressions, for generic walks (dependencies, typing, tracing)."""
    if isinstance(node, (Const, AsOf, FactRef, Var, CollectionRef, TableRows, Invalid)):
        return ()
    if isinstance(node, FieldRef):
        return (node.subject,)
    if isinstance(node, ValueRef):
        return (node.subject,) if node.subject is not None else ()
    if isinstance(node, (TableLookup, TableMembership)):
        return tuple(x for x in (node.key, node.as_of) if x is not None)
    if isinstance(node, RowField):
        return (node.row,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, (Not, Negate)):
        return (node.operand,)
    if isinstance(node, SetMembership):
        return (node.element, node.collection)
    if isinstance(node, If):
        return (node.condition, node.then, node.otherwise)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, (AllAnyOf, SetLiteral)):
        return node.items
    if isinstance(node, Quantifier):
        return (node.collection, node.condition)
    if isinstance(node, Aggregate):
        return tuple(x for x in (node.collection, node.value, node.where) if x is not None)
    raise TypeError(f"not a model expression: {node!r}")


def walk(node):
    yield node
    for child in children(node):
        yield from walk(child)
