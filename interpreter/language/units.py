"""Units: a model expression -> what kind of duration it measures, and hints for mixed units.

Durations come in two families that cannot be compared or added exactly: days (a `90 days`
literal, `date - date`, `days(n)`) and calendar months (`6 months`, `2 years`). A fact or field
of type duration can be either, so its family is unknown (None) and nothing is reported for it.
`duration_family` follows values through their rules (every rule must agree) and aggregates
through the summed or compared value; the checker reports `E310` where two known families meet
in `<`, `=`, `+` or `-`, before any fact file can hit the evaluation error.
"""
from __future__ import annotations

from interpreter.language import model
from interpreter.language import types as T


class DurationFamilies:
    def __init__(self, ruleset: model.RuleSet):
        self.ruleset = ruleset
        self._values: dict[str, str | None] = {}

    def of(self, node) -> str | None:
        """"days", "months" or None (unknown, or not a duration)."""
        if isinstance(node, model.Const):
            unit = getattr(node.value, "unit", None)
            return None if unit is None else ("days" if unit == "days" else "months")
        if isinstance(node, model.Call):
            return "days" if node.function == "days" else None
        if isinstance(node, model.Binary) and node.op in ("+", "-"):
            left, right = self.of(node.left), self.of(node.right)
            if node.op == "-" and _is_date(node.left) and _is_date(node.right):
                return "days"
            return left if left == right else None
        if isinstance(node, model.Binary) and node.op == "*":
            return self.of(node.left) or self.of(node.right)
        if isinstance(node, model.If):
            then, otherwise = self.of(node.then), self.of(node.otherwise)
            return then if then == otherwise else None
        if isinstance(node, model.Aggregate) and node.kind in ("sum", "min", "max") and node.value is not None:
            return self.of(node.value)
        if isinstance(node, model.ValueRef):
            return self._value(node.value_id)
        return None

    def _value(self, value_id: str) -> str | None:
        if value_id in self._values:
            return self._values[value_id]
        self._values[value_id] = None  # a cycle (reported elsewhere) gives no family
        value = self.ruleset.values.get(value_id)
        if value is None or value.type.kind != "duration" or not value.rules:
            return None
        families = {self.of(rule.consequence) for rule in value.rules}
        found = families.pop() if len(families) == 1 else None
        self._values[value_id] = found
        return found


def _is_date(node) -> bool:
    kind = getattr(node, "type", None)
    if isinstance(node, model.Const):
        return kind == T.DATE
    return isinstance(kind, T.Type) and kind == T.DATE or isinstance(node, model.AsOf)


def mixed_hint(op: str) -> tuple[str, ...]:
    if op in ("+", "-"):
        return ("keep one unit: `90 days + 30 days`, or move a date: `start + 6 months + 90 days`",)
    return ("compare dates instead, where the calendar decides: `start + 2 years <= end`",)


def number_hint(left: T.Type, right: T.Type, literal) -> tuple[str, ...]:
    """A suggestion for a comparison between money and a plain number, or a count and a duration."""
    kinds = {left.kind, right.kind}
    if kinds == {"money", "integer"} or kinds == {"money", "decimal"}:
        amount = getattr(literal, "value", None)
        if amount is not None:
            whole = f"{amount:,}" if isinstance(amount, int) else f"{amount:,.2f}"
            return (f"write `${whole}` for an amount of money",)
        return ("write money amounts with `$`, such as `$20,000`",)
    if kinds == {"integer", "duration"}:
        return ("a count of days is a number: write `days(N)` to make it a duration, or compare dates "
                "(`start + 2 years <= end`)",)
    return ()


def unread(ruleset: model.RuleSet) -> list[tuple[str, object, str]]:
    """Global facts and (non-decision) values that no rule reads: (code, declaration, message)."""
    facts, values = set(), set()
    for value in ruleset.values.values():
        for node in model.rule_expressions(value):
            if isinstance(node, model.FactRef):
                facts.add(node.name)
            elif isinstance(node, model.ValueRef):
                values.add(node.value_id)
    out = []
    for name, fact in ruleset.facts.items():
        if name not in facts:
            out.append(("W311", fact, f"fact `{name}` is declared but no rule reads it: a fact file that gives it changes nothing"))
    for value_id, value in ruleset.values.items():
        if not value.is_decision and value_id not in values:
            out.append(("W312", value, f"value `{value_id}` is computed but nothing reads it, and as a `value` it is "
                                       "not reported either"))
    return out
