"""Types of the rule language and the typing of its operators.

One table here says what `money * rate` or `date + duration` produce; the resolver
uses it to type member-access subjects and the checker uses it to report mismatches,
so the two can never disagree.
"""
from __future__ import annotations

import attrs

PRIMITIVES = ("boolean", "integer", "decimal", "money", "rate", "date", "duration", "text")
NUMERIC = ("integer", "decimal", "money", "rate")


@attrs.frozen
class Type:
    kind: str  # a primitive, or enum / entity / row / set / any
    name: str | None = None  # enum, entity or table name
    element: "Type | None" = None  # for sets

    @property
    def article(self) -> str:
        """`a money`, `an integer`: the type with its indefinite article, for messages."""
        text = str(self)
        return ("an " if text[:1].lower() in "aeiou" else "a ") + text

    def __str__(self) -> str:
        if self.kind == "set":
            return f"set of {self.element}"
        if self.kind in ("enum", "entity"):
            return str(self.name)
        if self.kind == "row":
            return f"row of table {self.name}"
        return self.kind


BOOLEAN = Type("boolean")
INTEGER = Type("integer")
DECIMAL = Type("decimal")
MONEY = Type("money")
RATE = Type("rate")
DATE = Type("date")
DURATION = Type("duration")
TEXT = Type("text")
ANY = Type("any")  # the type of an expression whose own type could not be found


def set_of(element: Type) -> Type:
    return Type("set", element=element)


def compatible(expected: Type, actual: Type) -> bool:
    """Can a value of `actual` stand where `expected` is declared?"""
    if ANY in (expected, actual):
        return True
    if expected == actual:
        return True
    if expected.kind == "decimal" and actual.kind == "integer":
        return True
    if expected.kind == "set" and actual.kind == "set":
        return compatible(expected.element, actual.element)
    return False


def comparable(left: Type, right: Type) -> bool:
    if ANY in (left, right):
        return True
    if left == right:
        return True
    return {left.kind, right.kind} <= {"integer", "decimal"}


_ARITHMETIC = {
    ("+", "integer", "integer"): "integer",
    ("-", "integer", "integer"): "integer",
    ("*", "integer", "integer"): "integer",
    ("/", "integer", "integer"): "decimal",
    ("+", "money", "money"): "money",
    ("-", "money", "money"): "money",
    ("*", "money", "rate"): "money",
    ("*", "rate", "money"): "money",
    ("*", "money", "decimal"): "money",
    ("*", "decimal", "money"): "money",
    ("*", "money", "integer"): "money",
    ("*", "integer", "money"): "money",
    ("/", "money", "decimal"): "money",
    ("/", "money", "integer"): "money",
    ("/", "money", "money"): "decimal",
    ("+", "rate", "rate"): "rate",
    ("-", "rate", "rate"): "rate",
    ("*", "rate", "rate"): "rate",
    ("*", "rate", "decimal"): "rate",
    ("*", "decimal", "rate"): "rate",
    ("*", "rate", "integer"): "rate",
    ("*", "integer", "rate"): "rate",
    ("/", "rate", "integer"): "rate",
    ("+", "date", "duration"): "date",
    ("-", "date", "duration"): "date",
    ("+", "duration", "duration"): "duration",
    ("*", "duration", "integer"): "duration",
    ("*", "integer", "duration"): "duration",
    ("-", "date", "date"): "duration",
}
for _op in "+-*/":
    for _a, _b in (("decimal", "decimal"), ("decimal", "integer"), ("integer", "decimal")):
        _ARITHMETIC[(_op, _a, _b)] = "decimal"


def arithmetic_result(op: str, left: Type, right: Type) -> Type | None:
    if ANY in (left, right):
        return ANY
    if op in ("+", "-") and left.kind == right.kind == "set" and comparable(left.element, right.element):
        return left  # union and difference of sets
    kind = _ARITHMETIC.get((op, left.kind, right.kind))
    return Type(kind) if kind else None


# name -> (argument kinds, result kind); `number` accepts any numeric type and the
# result "same" mirrors the first argument's type.
BUILTINS = {
    "round_half_up": (("number", "integer"), "same"),
    "round_half_even": (("number", "integer"), "same"),
    "round_down": (("number", "integer"), "same"),
    "round_up": (("number", "integer"), "same"),
    "fiscal_year": (("date",), "integer"),
    "fiscal_quarter": (("date",), "integer"),
    "year_of": (("date",), "integer"),
    "days_between": (("date", "date"), "integer"),
    "percent_of": (("number", "number"), "rate"),
    "days": (("integer",), "duration"),
    "next_occurrence": (("date", "duration", "date"), "date"),
    "occurrences": (("date", "duration", "date"), "set of date"),
    "abs": (("number",), "same"),
    # apportion(total, places, part, share, share, ...): a kind ending in `*` repeats to the end
    "apportion": (("number", "integer", "integer", "rate*"), "same"),
}


def parameter_kinds(function: str, count: int) -> tuple[str, ...] | None:
    """The parameter kinds of a builtin called with `count` arguments (None: wrong count)."""
    kinds = BUILTINS[function][0]
    if kinds and kinds[-1].endswith("*"):
        fixed, repeated = kinds[:-1], kinds[-1][:-1]
        return fixed + (repeated,) * (count - len(fixed)) if count > len(fixed) else None
    return kinds if count == len(kinds) else None


def arity_text(function: str) -> str:
    kinds = BUILTINS[function][0]
    if kinds and kinds[-1].endswith("*"):
        return f"{len(kinds)} or more arguments"
    return f"{len(kinds)} argument{'s' if len(kinds) != 1 else ''}"
