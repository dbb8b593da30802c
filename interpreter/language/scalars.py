"""Scalars: one raw value from a fact file, a table CSV or a scenario -> a typed value, or a problem.

input: a scalar as YAML, JSON or CSV gives it (str, int, float, bool, date) and the declared type.
output: (value, None) or (None, "what was expected, what was found"). Money and rates come out
as exact Decimals (a percentage is divided exactly); dates are calendar dates without a time.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from interpreter.language import types as T
from interpreter.language.ast import Duration
from interpreter.language.diagnostics import did_you_mean
from interpreter.language.values import EXACT

_MONEY = re.compile(r"^\s*(-)?\s*(?:\$|USD\s*)?\s*(-)?([0-9][0-9,]*(?:\.[0-9]+)?)\s*(?:USD)?\s*$")
_PERCENT = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*%\s*$")
_DURATION = re.compile(r"^\s*([0-9]+)\s*(day|days|month|months|year|years)\s*$")


def convert_scalar(raw, kind: T.Type, enums: dict | None):
    """Convert one raw value to `kind`; returns (value, problem-or-None)."""
    name = kind.kind
    if name == "boolean":
        if isinstance(raw, bool):
            return raw, None
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true", None
        return None, f"expected true or false, got {raw!r}"
    if name == "integer":
        if isinstance(raw, bool):
            return None, f"expected a whole number, got {raw!r}"
        if isinstance(raw, int):
            return raw, None
        if isinstance(raw, (str, Decimal, float)) and re.fullmatch(r"-?[0-9]+", str(raw).strip()):
            return int(str(raw).strip()), None
        return None, f"expected a whole number, got {raw!r}"
    if name in ("decimal", "money"):
        if isinstance(raw, bool):
            return None, f"expected {'an amount of money' if name == 'money' else 'a number'}, got {raw!r}"
        if isinstance(raw, (int, Decimal)):
            return Decimal(raw), None
        if isinstance(raw, float):
            return Decimal(repr(raw)), None
        if isinstance(raw, str):
            if name == "money":
                match = _MONEY.match(raw)
                if match:
                    sign = "-" if (match.group(1) or match.group(2)) else ""
                    return Decimal(sign + match.group(3).replace(",", "")), None
            else:
                try:
                    return Decimal(raw.strip()), None
                except InvalidOperation:
                    pass
        what = "an amount such as \"$1,250.00\" or 1250.00" if name == "money" else "a number"
        return None, f"expected {what}, got {raw!r}"
    if name == "rate":
        if isinstance(raw, str):
            match = _PERCENT.match(raw)
            if match:
                return EXACT.divide(Decimal(match.group(1)), Decimal(100)), None
        return None, f"expected a percentage such as \"25%\", got {raw!r}"
    if name == "date":
        if isinstance(raw, dt.datetime):
            return None, f"expected a date without a time, got {raw!r}"
        if isinstance(raw, dt.date):
            return raw, None
        if isinstance(raw, str):
            try:
                return dt.date.fromisoformat(raw.strip()), None
            except ValueError:
                pass
        return None, f"expected a date written YYYY-MM-DD, got {raw!r}"
    if name == "duration":
        if isinstance(raw, str):
            match = _DURATION.match(raw)
            if match:
                unit = match.group(2) if match.group(2).endswith("s") else match.group(2) + "s"
                return Duration(int(match.group(1)), unit), None
        return None, f"expected a duration such as \"90 days\" or \"5 years\", got {raw!r}"
    if name == "text":
        if isinstance(raw, str):
            return raw, None
        if isinstance(raw, bool):
            return None, f"expected text, got {raw!r} (YAML reads some bare words as true/false: quote it)"
        if isinstance(raw, (int, Decimal)):
            return str(raw), None
        return None, f"expected text, got {raw!r}"
    if name == "enum":
        variants = enums[kind.name].variants if enums else ()
        if isinstance(raw, str) and raw in variants:
            return raw, None
        hint = did_you_mean(str(raw), variants) if isinstance(raw, str) else ()
        return None, f"expected one of {', '.join(variants)}, got {raw!r}" + (f"; {hint[0]}" if hint else "")
    if name == "entity":
        if isinstance(raw, str):
            return raw, None  # checked against the collection once every record is read
        return None, f"expected the key of a {kind.name}, got {raw!r}"
    return None, f"cannot read a value of type {kind}"
