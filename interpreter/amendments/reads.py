"""Reads: a value's rules -> the facts, values and tables they read (generic walks over the checked model).

`reads_of(value)` is cached per value; `closure(ruleset, start)` is every value reachable from `start`
through the rules that decide it. Used by the witness search to know what a decision depends on.
"""
from __future__ import annotations

import attrs

from interpreter.language import model
from interpreter.language import types as T
from interpreter.language.ast import Duration

_READS: dict[int, tuple[model.Value, "Reads"]] = {}  # id -> (value kept alive, its reads)


def nodes(expr):
    """Every model node under an expression (any node type: walks attrs fields)."""
    if expr is None:
        return
    if isinstance(expr, (tuple, list)):
        for item in expr:
            yield from nodes(item)
        return
    if not attrs.has(type(expr)) or isinstance(expr, (T.Type, Duration)):
        return
    yield expr
    for field in attrs.fields(type(expr)):
        if field.name == "span" or not field.eq:
            continue
        value = getattr(expr, field.name)
        if isinstance(value, (tuple, list)) or (attrs.has(type(value)) and not isinstance(value, (T.Type, Duration))):
            yield from nodes(value)


def rule_nodes(value: model.Value):
    for rule in value.rules:
        yield from nodes(rule.consequence)
        yield from nodes(rule.condition)


def fact_key(expr):
    if isinstance(expr, model.FieldRef):
        return ("field", expr.entity, expr.field)
    if isinstance(expr, model.FactRef):
        return ("fact", expr.name)
    if isinstance(expr, model.AsOf):
        return ("as_of",)
    return None


@attrs.frozen
class Reads:
    values: frozenset  # value ids referenced
    tables: frozenset
    facts: frozenset  # fact keys read directly
    collections: frozenset  # entity names ranged over


def reads_of(value: model.Value) -> Reads:
    """What a value's rules read directly (memoised per value object)."""
    known = _READS.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    reads = _reads_of(value)
    if len(_READS) > 100_000:
        _READS.clear()
    _READS[id(value)] = (value, reads)
    return reads


def _reads_of(value: model.Value) -> Reads:
    values, tables, facts, collections = set(), set(), set(), set()
    for node in rule_nodes(value):
        if isinstance(node, model.ValueRef):
            values.add(node.value_id)
        table = getattr(node, "table", None)
        if isinstance(table, str) and type(node).__name__ in ("TableLookup", "TableMembership", "TableRows", "RowField"):
            tables.add(table)
        key = fact_key(node)
        if key is not None:
            facts.add(key)
        if isinstance(node, model.CollectionRef):
            collections.add(node.entity)
    return Reads(frozenset(values), frozenset(tables), frozenset(facts), frozenset(collections))


def closure(ruleset: model.RuleSet, start) -> set[str]:
    seen, stack = set(), list(start)
    while stack:
        value_id = stack.pop()
        if value_id in seen or value_id not in ruleset.values:
            continue
        seen.add(value_id)
        stack.extend(reads_of(ruleset.values[value_id]).values)
    return seen
