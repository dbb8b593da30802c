"""Overlaps: a loaded rule set -> warnings for two rules of one value, not ordered by an exception,
that give different values and can both apply, each with a fact set on which they do.

The search is bounded and says so: for each pair it builds fact sets (one record of the value's
entity) from the constants the rules compare with, guided by the facts the two conditions say
are missing, and evaluates them with the interpreter. A pair is reported (W313) only with a fact
set on which the value is in conflict; otherwise nothing is claimed ("none within N candidates" is
not a proof that none exists, so it is not reported as one).
"""
from __future__ import annotations

import datetime as dt

from interpreter.evaluation.evaluate import Evaluator
from interpreter.evaluation.facts import bind_facts
from interpreter.language import model
from interpreter.language.diagnostics import Diagnostic, Related, warning
from interpreter.language.values import Unknown

BUDGET = 400  # evaluated fact sets per pair of rules


def overlap_warnings(loaded) -> list[Diagnostic]:
    ruleset = loaded.ruleset
    out = []
    for value in ruleset.values.values():
        for first, second in _unordered_pairs(value):
            found, tried = _search(loaded, value, first, second)
            if found is not None:
                shown = ", ".join(f"{k}: {v}" for k, v in _flat(found))
                out.append(warning(
                    "W313", f"rules `{first.label}` ({first.citation}) and `{second.label}` ({second.citation}) give "
                            f"`{value.id}` different values, no exception orders them, and both apply on this fact "
                            f"set (found in {tried} candidates): {shown}", second.span,
                    related=(Related(first.span, f"`{first.label}` is here"),) if first.span else (),
                    suggestions=(f"make one an exception to the other (`exception to {first.label}`), or narrow "
                                 "their conditions so they cannot both hold",)))
    return out


def _unordered_pairs(value: model.Value):
    labels = {r.label for r in value.rules}
    groups: dict = {}
    for rule in value.rules:
        parent = rule.exception_to if rule.exception_to in labels else None
        groups.setdefault(parent, []).append(rule)
    for siblings in groups.values():
        for i, first in enumerate(siblings):
            for second in siblings[i + 1:]:
                if first.consequence != second.consequence:
                    yield first, second


def _constants(ruleset: model.RuleSet) -> dict:
    """Constants by type kind, from every rule: the values a fact is most likely compared with."""
    found: dict = {"boolean": [True, False]}
    for value in ruleset.values.values():
        for node in model.rule_expressions(value):
            if isinstance(node, model.Const) and node.value is not None:
                found.setdefault(node.type.kind, [])
                if node.value not in found[node.type.kind]:
                    found[node.type.kind].append(node.value)
    for kind in ("integer", "decimal", "money", "rate"):
        base = list(found.get(kind, []))
        found[kind] = list(dict.fromkeys(base + [v + 1 for v in base] + [v - 1 for v in base] + [0]))
    found["date"] = list(dict.fromkeys(found.get("date", []) + [d + dt.timedelta(days=s) for d in found.get("date", [])
                                                              for s in (-1, 1)]))
    return found


def _search(loaded, value: model.Value, first: model.Rule, second: model.Rule):
    ruleset = loaded.ruleset
    constants = _constants(ruleset)
    entity = ruleset.entities.get(value.owner) if value.owner else None
    start: dict = {entity.collection: [{entity.key: "X1"}]} if entity else {}
    stack, seen, tried = [start], set(), 0
    while stack and tried < BUDGET:
        data = stack.pop()
        marker = repr(sorted(_flat(data)))
        if marker in seen:
            continue
        seen.add(marker)
        tried += 1
        facts, problems = bind_facts(ruleset, data, "<overlap>")
        if problems or facts is None:
            continue
        evaluator = Evaluator(ruleset, loaded.tables, facts, facts.as_of, None)
        record = facts.records[entity.name][0] if entity else None
        env = {entity.variable: record} if entity else {}
        try:
            held = [True if r.condition is None else evaluator.eval(r.condition, env) for r in (first, second)]
        except Exception:  # noqa: BLE001 - a candidate the rules cannot evaluate is just not a witness
            continue
        if any(h is False for h in held):
            continue
        if all(h is True for h in held):
            if evaluator.outcome(value, record).status == "conflict":
                return data, tried
            continue
        missing = sorted(set().union(*(h.missing for h in held if isinstance(h, Unknown))))
        for path in missing[:1]:
            stack.extend(reversed(_assign(ruleset, data, path, constants, entity)))
    return None, tried


def _assign(ruleset, data: dict, path: str, constants: dict, entity) -> list[dict]:
    out = []
    if entity is not None and path.startswith(f"{entity.collection}[") and "." in path:
        field = entity.field(path.rsplit(".", 1)[1])
        if field is None:
            return []
        for candidate in _candidates(field.type, constants, ruleset)[:8]:
            following = dict(data)
            following[entity.collection] = [{**data[entity.collection][0], field.name: candidate}]
            out.append(following)
        return out
    fact = ruleset.facts.get(path)
    if fact is not None:
        return [{**data, path: c} for c in _candidates(fact.type, constants, ruleset)[:8]]
    other = ruleset.entity_by_collection(path)
    if other is not None:
        return [{**data, path: []}]
    return []


def _candidates(kind, constants: dict, ruleset) -> list:
    if kind.kind == "enum":
        return list(ruleset.enums[kind.name].variants)
    if kind.kind == "set":
        return [[]] + [[c] for c in constants.get(kind.element.kind, [])[:4]]
    values = constants.get(kind.kind, [])
    if kind.kind == "rate":
        return [f"{v * 100}%" for v in values]
    if kind.kind in ("date", "duration", "money", "decimal"):
        return [str(v) if kind.kind != "duration" else f"{v.amount} {v.unit}" for v in values]
    return values


def _flat(data: dict):
    for key, raw in data.items():
        if isinstance(raw, list) and raw and isinstance(raw[0], dict):
            for index, record in enumerate(raw):
                for field, item in record.items():
                    yield f"{key}[{index}].{field}", item
        else:
            yield key, raw
