"""Derived: a checked RuleSet -> indexes computed from it once and reused by every evaluation.

input: a `model.RuleSet` (frozen after `resolve`); output: a `Derived` with the exceptions of
each rule, the root rules of each value, each entity's fields by name, each enum's variants
as a set, each entity's variable and the value of each set literal of constants, plus
`memo(ruleset, name, build)` for other per-rule-set work (explanation texts, ...).
Guarantees: everything here is a pure function of the rule set, computed at most once per rule
set object while it is alive (entries are dropped when the rule set is garbage-collected), so
using an index gives exactly what recomputing it would.
"""
from __future__ import annotations

import weakref

from interpreter.language import model

_ENTRIES: dict[int, tuple[weakref.ref, dict]] = {}


def _store(ruleset: model.RuleSet) -> dict:
    key = id(ruleset)
    entry = _ENTRIES.get(key)
    if entry is not None and entry[0]() is ruleset:
        return entry[1]

    def forget(reference, key=key, entries=_ENTRIES):  # bound now: module globals may be gone at exit
        current = entries.get(key)
        if current is not None and current[0] is reference:
            del entries[key]
    store: dict = {}
    _ENTRIES[key] = (weakref.ref(ruleset, forget), store)
    return store


def memo(ruleset: model.RuleSet, name: str, build):
    """`build(ruleset)`, computed once per rule set and name."""
    store = _store(ruleset)
    try:
        return store[name]
    except KeyError:
        value = store[name] = build(ruleset)
        return value


class Derived:
    """Indexes of one rule set that evaluation and fact binding look up instead of recomputing."""

    def __init__(self, ruleset: model.RuleSet):
        self.exceptions: dict[str, list[model.Rule]] = {}
        for rule in ruleset.rules.values():
            if rule.exception_to is not None:
                self.exceptions.setdefault(rule.exception_to, []).append(rule)
        self.roots: dict[str, tuple[model.Rule, ...]] = {}
        for value in ruleset.values.values():
            labels = {rule.label for rule in value.rules}
            self.roots[value.id] = tuple(r for r in value.rules if r.exception_to is None or r.exception_to not in labels)
        self.fields: dict[str, dict[str, model.Field]] = {
            name: {f.name: f for f in entity.fields} for name, entity in ruleset.entities.items()}
        self.by_collection: dict[str, model.Entity] = {}
        for entity in ruleset.entities.values():
            self.by_collection.setdefault(entity.collection, entity)
        self.variants: dict[str, frozenset] = {name: frozenset(e.variants) for name, e in ruleset.enums.items()}
        self.variables: dict[str, str] = {name: entity.variable for name, entity in ruleset.entities.items()}
        # id(set literal of constants) -> (the literal, its value), filled as evaluation meets them
        self.constant_sets: dict[int, tuple] = {}


def derived(ruleset: model.RuleSet) -> Derived:
    return memo(ruleset, "derived", Derived)
