"""Operations: known runtime values -> the results of operators, built-in functions and aggregates.

input: values the evaluator (or a generated program) has already computed, none of them unknown
(callers collect unknowns first); output: the result, or `EvaluationError` naming what cannot be
done (division by zero, an out-of-range number, an empty min). Guarantees: exact arithmetic
(Decimal in the EXACT context), every number result within `language.limits`, durations compared
and added by `values`, sets ordered deterministically. Shared by `evaluate` and the engines.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from interpreter.language.ast import Duration
from interpreter.language.limits import MAX_FRACTION_DIGITS, number_problem
from interpreter.language.values import (
    EXACT, EvaluationError, Unknown, add_duration, add_durations, compare_durations, fiscal_quarter, fiscal_year,
    apportion, next_occurrence, occurrences, round_to, unknown_of,
)


def call_builtin(name: str, args: list):
    """A built-in function applied to known arguments."""
    if name.startswith("round_"):
        places = int(args[1])
        if not 0 <= places <= MAX_FRACTION_DIGITS:
            raise EvaluationError(f"{name}: {places} decimal places; from 0 to {MAX_FRACTION_DIGITS} are possible")
        return round_to(name, args[0], places)
    if name == "fiscal_year":
        return fiscal_year(args[0])
    if name == "fiscal_quarter":
        return fiscal_quarter(args[0])
    if name == "year_of":
        return args[0].year
    if name == "days_between":
        return (args[1] - args[0]).days
    if name == "percent_of":
        if args[1] == 0:
            raise EvaluationError("percent_of: the whole is zero")
        return _in_range(name, EXACT.divide(Decimal(args[0]), Decimal(args[1])))
    if name == "days":
        if number_problem(args[0]):
            raise EvaluationError(f"days: {number_problem(args[0])}")
        return Duration(int(args[0]), "days")
    if name == "next_occurrence":
        return next_occurrence(*args)
    if name == "occurrences":
        return occurrences(*args)
    if name == "abs":
        return abs(args[0])
    if name == "apportion":
        try:
            return apportion(args[0], int(args[1]), int(args[2]), args[3:])
        except ValueError as problem:
            raise EvaluationError(f"apportion: {problem}") from None
    raise EvaluationError(f"unknown function {name}")


def fold_aggregate(node, selected: list, missing: frozenset):
    """count / sum / min / max / set of the selected elements (shared with the compiled path)."""
    missing |= frozenset().union(*(v.missing for v in selected if isinstance(v, Unknown)))
    if missing:
        return Unknown(missing)
    kind = node.kind
    if kind == "count":
        return len(selected)
    if kind == "set":
        return frozenset(selected)
    if kind == "sum":
        if not selected:
            return Decimal(0) if node.value is None else _zero_like(node)
        total = selected[0]
        for item in selected[1:]:
            total = _arithmetic("+", total, item)
        return total
    if not selected:
        raise EvaluationError(f"{kind} of an empty selection")
    if all(isinstance(v, Duration) for v in selected):
        best = selected[0]
        for item in selected[1:]:
            comparison = compare_durations(item, best)
            if (comparison < 0) if kind == "min" else (comparison > 0):
                best = item
        return best
    return min(selected) if kind == "min" else max(selected)


def _zero_like(node):
    """The sum over nothing, in the type of what is summed: 0, $0.00 (a Decimal read as money), 0 days."""
    from interpreter.language.infer import infer

    kind = infer(node.value, None).kind
    if kind == "integer":
        return 0
    if kind == "duration":
        return Duration(0, "days")  # a zero length: `values` lets it meet days, months and years alike
    return Decimal(0)


_TEXTS = {str}


def _ordered(collection):
    if isinstance(collection, (frozenset, set)):
        if set(map(type, collection)) <= _TEXTS:  # texts only: the key below orders them as they are
            return sorted(collection)
        return sorted(collection, key=lambda v: (str(type(v)), str(v)))
    return collection


def _kleene(kind: str, items):
    decisive = kind == "any"
    if any(item is decisive for item in items):
        return decisive
    missing = unknown_of(*items)
    if missing is not None:
        return missing
    return not decisive


def _compare(op: str, left, right) -> bool:
    if isinstance(left, Duration) and isinstance(right, Duration):
        order = compare_durations(left, right)
        return {"=": order == 0, "!=": order != 0, "<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0}[op]
    if op == "=":
        return left == right
    if op == "!=":
        return left != right
    try:
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    except TypeError as exc:
        raise EvaluationError(f"cannot order {left!r} and {right!r}") from exc


def _arithmetic(op: str, left, right):
    """One arithmetic step; a number result must stay within `limits` (a chain of squarings
    stops at the first step past 10^30 instead of growing without bound)."""
    return _in_range(f"`{op}`", _arithmetic_step(op, left, right))


def _in_range(what: str, result):
    problem = number_problem(result.amount if isinstance(result, Duration) else result)
    if problem:
        raise EvaluationError(f"the result of {what} is out of range: {problem}")
    return result


def _arithmetic_step(op: str, left, right):
    if isinstance(left, dt.date):
        if isinstance(right, Duration):
            return add_duration(left, right, 1 if op == "+" else -1)
        if isinstance(right, dt.date) and op == "-":
            return Duration((left - right).days, "days")
    if isinstance(left, Duration) and isinstance(right, Duration):
        return add_durations(left, right, 1 if op == "+" else -1)
    if op == "*" and isinstance(left, Duration) and isinstance(right, int):
        return Duration(left.amount * right, left.unit)
    if op == "*" and isinstance(left, int) and isinstance(right, Duration):
        return Duration(right.amount * left, right.unit)
    if isinstance(left, frozenset):
        return left | right if op == "+" else left - right
    if isinstance(left, int) and isinstance(right, int) and op != "/":
        return {"+": left + right, "-": left - right, "*": left * right}[op]
    a, b = Decimal(left), Decimal(right)
    if op == "+":
        return EXACT.add(a, b)
    if op == "-":
        return EXACT.subtract(a, b)
    if op == "*":
        return EXACT.multiply(a, b)
    if b == 0:
        raise EvaluationError("division by zero")
    return EXACT.divide(a, b)
