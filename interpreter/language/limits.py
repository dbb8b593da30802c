"""Limits: the sizes a rule set, a fact file or a number may have -> a problem text, or None.

Hostile or broken input must be answered within bounded time and memory, so every reader checks
its input against these limits before the expensive work starts (docs/language.md §18 lists them):
- numbers (literals, facts, table cells, batch cells and every arithmetic result) are finite and
  smaller than 10^30 in magnitude; a number read from text has at most 30 digits after the point;
- a rule set is at most 4 MiB of text and 50,000 tokens (Lark parses about 10,000 tokens a second);
- a fact file is at most 256 KiB (about 2,000 records, decided in under 10 s on a loaded machine;
  volumes go through `rules batch`), expands to at most 1,000,000
  values counting every YAML alias use, and nests at most 64 levels.
`Refused` stands for a raw value a parser could read but no fact may hold (a NaN, an integer of
5,000 digits); `convert_scalar` reports it with the fact path instead of the parser failing.
"""
from __future__ import annotations

import re
from decimal import Decimal

import attrs

MAX_INTEGER_DIGITS = 30
MAX_FRACTION_DIGITS = 30
MAGNITUDE = 10 ** MAX_INTEGER_DIGITS
_DECIMAL_MAGNITUDE = Decimal(MAGNITUDE)
# A literal longer than this is not even converted (Python refuses int() of 4,301+ digits).
MAX_LITERAL_CHARS = 200

MAX_RULESET_BYTES = 4 * 1024 * 1024
MAX_RULESET_TOKENS = 50_000
MAX_FACT_BYTES = 256 * 1024
MAX_FACT_VALUES = 1_000_000
MAX_TABLE_BYTES = 64 * 1024 * 1024
MAX_SHOWN = 60  # characters of a refused value quoted back in a message


@attrs.frozen
class Refused:
    """A raw value that a parser read but that no fact may hold; `reason` says why."""
    reason: str


def shown(raw) -> str:
    """A raw value for a message, cut to MAX_SHOWN characters (a 2,000-space string is not echoed)."""
    text = repr(raw) if not isinstance(raw, Refused) else raw.reason
    return text if len(text) <= MAX_SHOWN else f"{text[:MAX_SHOWN]}… ({len(text):,} characters)"


def literal_problem(text: str) -> str | None:
    """Digits of a number as written (`-12,345.678`, `1e5`): too many before or after the point?"""
    digits = text.strip().lstrip("+-").replace(",", "").replace("_", "")
    whole, _, fraction = digits.partition(".")
    whole = whole.lstrip("0")
    if len(whole) > MAX_INTEGER_DIGITS:
        return f"a number of {len(whole):,} digits; numbers are limited to {MAX_INTEGER_DIGITS} digits before the point"
    if len(fraction) > MAX_FRACTION_DIGITS:
        return f"a number with {len(fraction):,} digits after the point; at most {MAX_FRACTION_DIGITS} are allowed"
    return None


def number_problem(value, read: bool = False) -> str | None:
    """An int or Decimal out of the limits (not finite, or 10^30 or more in magnitude)? A number
    `read` from a fact, a table or a literal may also have at most 30 digits after the point;
    a computed one (a quotient) may have more."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if -MAGNITUDE < value < MAGNITUDE else f"a number of {_digits(value):,} digits; numbers must be smaller than 10^{MAX_INTEGER_DIGITS}"
    if isinstance(value, Decimal):
        if not value.is_finite():
            return f"{value} is not a number a fact or a rule may hold"
        if abs(value) >= _DECIMAL_MAGNITUDE:
            return f"a number of about 10^{value.adjusted():,}; numbers must be smaller than 10^{MAX_INTEGER_DIGITS}"
        exponent = value.as_tuple().exponent
        if read and -exponent > MAX_FRACTION_DIGITS:
            return f"a number with {-exponent:,} digits after the point; at most {MAX_FRACTION_DIGITS} are allowed"
    return None


def _digits(value: int) -> int:
    if value.bit_length() < 10_000:  # exact where it is cheap (every arithmetic result is)
        return len(str(abs(value)))
    return (abs(value).bit_length() * 30103) // 100000 + 1


_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[\w.$%]+|\S')


def token_count(text: str) -> int:
    """About as many tokens as the parser will see (a string counts once): a linear scan."""
    return sum(1 for _ in _TOKEN.finditer(text))
