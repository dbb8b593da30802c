"""Scalars: one raw value from a fact file, a table CSV or a scenario -> a typed value, or a problem.

input: a scalar as YAML, JSON or CSV gives it (str, int, float, bool, date) and the declared type.
output: (value, None) or (None, "what was expected, what was found"). Money and rates come out
as exact Decimals (a percentage is divided exactly); dates are calendar dates without a time.
Every number is checked against `limits` (finite, under 10^30, at most 30 decimals), every parse
is linear in the length of its input (money is read by a scanner, not a backtracking pattern),
and a value quoted back in a problem is cut short.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation

from interpreter.language import types as T
from interpreter.language.ast import Duration
from interpreter.language.diagnostics import did_you_mean
from interpreter.language.limits import MAX_LITERAL_CHARS, Refused, literal_problem, number_problem, shown
from interpreter.language.values import EXACT

# The language parse_money reads, as a pattern for other readers (the columnar engine, the fact
# schema). Every `\s*` follows a literal, so even a backtracking engine matches it in linear time.
MONEY_PATTERN = r"^\s*(?:(-)\s*)?(?:(?:\$|USD)\s*)?(-)?([0-9][0-9,]*)(?:\.([0-9]+))?\s*(?:USD\s*)?$"
_MONEY = re.compile(MONEY_PATTERN)
_NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,9})?")
_PERCENT = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*%\s*$")
_DURATION = re.compile(r"^\s*([0-9]+)\s*(day|days|month|months|year|years)\s*$")


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def parse_money(text: str) -> str | None:
    """`$1,250.00`, `-$5`, `USD 1250`, `1250.00 USD` -> `-1250.00`, in one pass (None if not money).
    Accepts exactly the strings MONEY_PATTERN matches (a property test checks it)."""
    at = _skip_space(text, 0)
    negative = text.startswith("-", at)
    if negative:
        at = _skip_space(text, at + 1)
    if text.startswith("$", at):
        at += 1
    elif text.startswith("USD", at):
        at += 3
    at = _skip_space(text, at)
    if text.startswith("-", at):
        negative, at = True, at + 1
    begin = at
    if not (at < len(text) and "0" <= text[at] <= "9"):
        return None
    while at < len(text) and ("0" <= text[at] <= "9" or text[at] == ","):
        at += 1
    if text.startswith(".", at):
        at += 1
        if not (at < len(text) and "0" <= text[at] <= "9"):
            return None
        while at < len(text) and "0" <= text[at] <= "9":
            at += 1
    number = text[begin:at].replace(",", "")
    at = _skip_space(text, at)
    if text.startswith("USD", at):
        at = _skip_space(text, at + 3)
    return ("-" if negative else "") + number if at == len(text) else None


def _whole(text: str) -> int:
    """`-0005` -> -5 (leading zeros dropped first: they do not count against the digit limit)."""
    sign = -1 if text.startswith("-") else 1
    return sign * int(text.lstrip("-").lstrip("0") or "0")


def _number(value, problem_prefix: str = ""):
    problem = number_problem(value, read=True)
    return (None, problem_prefix + problem) if problem else (value, None)


# (kind, exact class of the raw value) pairs that `convert_scalar` returns unchanged, so a caller on a
# hot path (binding every field of a fact file) may skip the call. Keep it in step with the function.
UNCHANGED = frozenset({("boolean", bool), ("text", str), ("date", dt.date)})


def convert_scalar(raw, kind: T.Type, enums: dict | None):
    """Convert one raw value to `kind`; returns (value, problem-or-None)."""
    name = kind.kind
    if isinstance(raw, Refused):
        return None, raw.reason
    if isinstance(raw, float) and not math.isfinite(raw):
        return None, f"{raw} is not a number a fact may hold"
    if name == "boolean":
        if isinstance(raw, bool):
            return raw, None
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true", None
        return None, f"expected true or false, got {shown(raw)}"
    if name == "integer":
        if isinstance(raw, bool):
            return None, f"expected a whole number, got {shown(raw)}"
        if isinstance(raw, int):
            return _number(raw)
        text = str(raw).strip() if isinstance(raw, (str, Decimal, float)) else ""
        if re.fullmatch(r"-?[0-9]+", text):
            problem = literal_problem(text)
            return (None, problem) if problem else (_whole(text), None)
        return None, f"expected a whole number, got {shown(raw)}"
    if name in ("decimal", "money"):
        if isinstance(raw, bool):
            return None, f"expected {'an amount of money' if name == 'money' else 'a number'}, got {shown(raw)}"
        if isinstance(raw, (int, Decimal)):
            return _number(Decimal(raw))
        if isinstance(raw, float):
            return _number(Decimal(repr(raw)))
        if isinstance(raw, str):
            text = parse_money(raw) if name == "money" else raw.strip()
            if text is not None and _NUMBER.fullmatch(text):
                problem = literal_problem(text.lower().partition("e")[0])
                if problem:
                    return None, problem
                try:
                    return _number(Decimal(text))
                except InvalidOperation:
                    pass
        what = "an amount such as \"$1,250.00\" or 1250.00" if name == "money" else "a number"
        return None, f"expected {what}, got {shown(raw)}"
    if name == "rate":
        if isinstance(raw, str) and len(raw) <= MAX_LITERAL_CHARS:
            match = _PERCENT.match(raw)
            if match:
                problem = literal_problem(match.group(1))
                return (None, problem) if problem else _number(EXACT.divide(Decimal(match.group(1)), Decimal(100)))
        return None, f"expected a percentage such as \"25%\", got {shown(raw)}"
    if name == "date":
        if isinstance(raw, dt.datetime):
            return None, f"expected a date without a time, got {shown(raw)}"
        if isinstance(raw, dt.date):
            return raw, None
        if isinstance(raw, str):
            try:
                return dt.date.fromisoformat(raw.strip()), None
            except ValueError:
                pass
        return None, f"expected a date written YYYY-MM-DD, got {shown(raw)}"
    if name == "duration":
        if isinstance(raw, str) and len(raw) <= MAX_LITERAL_CHARS:
            match = _DURATION.match(raw)
            if match and literal_problem(match.group(1)):
                return None, literal_problem(match.group(1))
            if match:
                unit = match.group(2) if match.group(2).endswith("s") else match.group(2) + "s"
                return Duration(int(match.group(1)), unit), None
        return None, f"expected a duration such as \"90 days\" or \"5 years\", got {shown(raw)}"
    if name == "text":
        if isinstance(raw, str):
            return raw, None
        if isinstance(raw, bool):
            return None, f"expected text, got {shown(raw)} (YAML reads some bare words as true/false: quote it)"
        if isinstance(raw, (int, Decimal)):
            return str(raw), None
        return None, f"expected text, got {shown(raw)}"
    if name == "enum":
        variants = enums[kind.name].variants if enums else ()
        if isinstance(raw, str) and raw in variants:
            return raw, None
        hint = did_you_mean(str(raw), variants) if isinstance(raw, str) else ()
        return None, f"expected one of {', '.join(variants)}, got {shown(raw)}" + (f"; {hint[0]}" if hint else "")
    if name == "entity":
        if isinstance(raw, str):
            return raw, None  # checked against the collection once every record is read
        return None, f"expected the key of a {kind.name}, got {shown(raw)}"
    return None, f"cannot read a value of type {kind}"
