"""AST: the parsed rule files as frozen attrs nodes, one class per construct.

input -> produced by `parse`; output -> consumed by `resolve`.
Guarantees: every node carries its source span (kept out of equality); every node
that stands inside a provision carries the citation of that provision, stamped once
at parse time and never recomputed.
"""
from __future__ import annotations

import attrs

from interpreter.language.citation import Citation
from interpreter.language.source import Span, span_field

# ---------------------------------------------------------------- types

@attrs.frozen
class TypeRef:
    name: str
    element: "TypeRef | None" = None  # set for `set of T`
    span: Span | None = span_field()

    def __str__(self) -> str:
        return f"set of {self.element}" if self.element is not None else self.name


# ---------------------------------------------------------------- expressions

@attrs.frozen
class Literal:
    kind: str  # boolean integer decimal money rate date duration text
    value: object
    span: Span | None = span_field()


@attrs.frozen
class Duration:
    """A calendar duration written in a rule: `90 days`, `5 years`."""
    amount: int
    unit: str  # days | months | years

    def __str__(self) -> str:
        unit = self.unit if self.amount != 1 else self.unit[:-1]
        return f"{self.amount} {unit}"


@attrs.frozen
class Name:
    name: str
    span: Span | None = span_field()


@attrs.frozen
class MemberAccess:
    subject: object
    field: str
    span: Span | None = span_field()


@attrs.frozen
class Lookup:
    subject: object
    key: object
    as_of: object | None
    span: Span | None = span_field()


@attrs.frozen
class Binary:
    op: str  # + - * / = != < <= > >= and or
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
class Membership:
    element: object
    collection: object
    as_of: object | None
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
    kind: str  # all | any
    items: tuple
    span: Span | None = span_field()


@attrs.frozen
class Quantifier:
    kind: str  # all | any
    variable: str
    collection: object
    condition: object
    span: Span | None = span_field()


@attrs.frozen
class Aggregate:
    kind: str  # count sum min max set
    variable: str
    collection: object
    value: object | None  # None for count
    where: object | None
    span: Span | None = span_field()


@attrs.frozen
class SetLiteral:
    items: tuple
    span: Span | None = span_field()


# ---------------------------------------------------------------- declarations

@attrs.frozen
class ActDecl:
    name: str
    title: str
    span: Span | None = span_field()


@attrs.frozen
class UseDecl:
    names: tuple[str, ...]
    section: str
    span: Span | None = span_field()
    name_spans: tuple = attrs.field(default=(), eq=False, hash=False, repr=False)


@attrs.frozen
class EnumVariant:
    name: str
    description: str | None
    span: Span | None = span_field()


@attrs.frozen
class EnumDecl:
    name: str
    description: str | None
    variants: tuple[EnumVariant, ...]
    span: Span | None = span_field()


@attrs.frozen
class FieldDecl:
    name: str
    type: TypeRef
    description: str | None
    span: Span | None = span_field()


@attrs.frozen
class EntityDecl:
    name: str
    variable: str
    collection: str
    key: str
    description: str | None
    fields: tuple[FieldDecl, ...]
    span: Span | None = span_field()


@attrs.frozen
class FactDecl:
    name: str
    type: TypeRef
    description: str | None
    span: Span | None = span_field()


@attrs.frozen
class TableDecl:
    name: str
    description: str | None
    path: str
    key: str
    prefix_match: bool
    dated_from: str | None
    dated_until: str | None
    source_column: str | None
    columns: tuple[FieldDecl, ...]
    span: Span | None = span_field()
    complete: bool = False  # `complete`; `partial` (the default) otherwise
    valid_from: object = None  # datetime.date, inclusive
    valid_through: object = None  # datetime.date, inclusive


# ---------------------------------------------------------------- provisions and rules

@attrs.frozen
class Target:
    """What a rule defines: `name` (global) or `Entity.name` (one per entity)."""
    owner: str | None
    name: str
    span: Span | None = span_field()

    def __str__(self) -> str:
        return f"{self.owner}.{self.name}" if self.owner else self.name


@attrs.frozen
class RuleDecl:
    """One rule giving a value to a target, possibly under a condition."""
    label: str
    target: Target
    consequence: object
    condition: object | None
    exception_to: str | None
    notes: tuple[str, ...]
    citation: Citation
    span: Span | None = span_field()
    exception_span: Span | None = span_field()


@attrs.frozen
class ValueDecl:
    """Declares a derived value or decision: its type, description and citation."""
    kind: str  # decision | deadline | value
    target: Target
    type: TypeRef
    description: str | None
    citation: Citation
    span: Span | None = span_field()


@attrs.frozen
class Provision:
    level: str
    label: str  # "4" for a section, "b" for subsection (b)
    heading: str | None
    citation: Citation
    text: str | None
    notes: tuple[str, ...]
    non_operative: str | None
    provisional: str | None  # why this provision's encoding is provisional (e.g. from a summary)
    children: tuple["Provision", ...]
    values: tuple[ValueDecl, ...]
    rules: tuple[RuleDecl, ...]
    span: Span | None = span_field()
    text_span: Span | None = span_field()  # where the `text` line stands


@attrs.frozen
class RuleFile:
    path: str
    act: ActDecl | None
    uses: tuple[UseDecl, ...]
    enums: tuple[EnumDecl, ...]
    entities: tuple[EntityDecl, ...]
    facts: tuple[FactDecl, ...]
    tables: tuple[TableDecl, ...]
    sections: tuple[Provision, ...]
    span: Span | None = span_field()


def walk_provisions(provision: Provision):
    yield provision
    for child in provision.children:
        yield from walk_provisions(child)
