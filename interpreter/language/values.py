"""Runtime values: unknowns, calendar arithmetic, exact decimals and rounding.

Conventions (documented in docs/language.md, shown in explanations):
- money, rates and decimals are Python Decimals computed with 60 significant
  digits, so sums and products are exact; division is the one operation that can
  round, and rounding to cents is always written in the rule (`round_half_up`);
- adding months or years to a date keeps the day of the month, clamped to the last
  day of a shorter month (2024-01-31 + 1 month = 2024-02-29; 2028-02-29 + 1 year =
  2029-02-28); adding days is plain calendar arithmetic;
- the U.S. fiscal year (31 U.S.C. 1102) runs October 1 - September 30 and is named
  for the calendar year in which it ends; its quarters start Oct, Jan, Apr, Jul.
"""
from __future__ import annotations

import calendar
import datetime as dt
import decimal
from decimal import Decimal

import attrs

from interpreter.language.ast import Duration

EXACT = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_EVEN, traps=[decimal.InvalidOperation, decimal.DivisionByZero])

DATE_CONVENTION = (
    "months and years keep the day of the month, clamped to the month's last day; "
    "a period of N days after a date D ends on D + N days"
)


@attrs.frozen
class Unknown:
    """A value that cannot be known because facts are missing."""
    missing: frozenset

    def __or__(self, other: "Unknown") -> "Unknown":
        return Unknown(self.missing | other.missing)


def unknown_of(*values) -> Unknown | None:
    missing = frozenset()
    found = False
    for value in values:
        if isinstance(value, Unknown):
            missing |= value.missing
            found = True
    return Unknown(missing) if found else None


class EvaluationError(Exception):
    """A rule applied to data it cannot handle (e.g. division by zero)."""


def add_duration(date: dt.date, duration: Duration, sign: int = 1) -> dt.date:
    amount = duration.amount * sign
    if duration.unit == "days":
        try:
            return date + dt.timedelta(days=amount)
        except OverflowError:
            raise EvaluationError(f"{date.isoformat()} {'+' if sign > 0 else '-'} {duration} is outside the calendar") from None
    months = amount if duration.unit == "months" else amount * 12
    total = date.year * 12 + (date.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise EvaluationError(f"{date.isoformat()} {'+' if sign > 0 else '-'} {duration} is outside the calendar")
    day = min(date.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def _zero_as(duration: Duration, other: Duration) -> Duration:
    """Zero is the same length in every unit: `0 days` meets months and years exactly."""
    return Duration(0, other.unit) if duration.amount == 0 else duration


def compare_durations(left: Duration, right: Duration) -> int:
    left, right = _zero_as(left, right), _zero_as(right, left)
    if left.unit != right.unit:
        if {left.unit, right.unit} == {"months", "years"}:
            l_months = left.amount * (12 if left.unit == "years" else 1)
            r_months = right.amount * (12 if right.unit == "years" else 1)
            return (l_months > r_months) - (l_months < r_months)
        raise EvaluationError(f"cannot compare {left} with {right}: days and months differ in length")
    return (left.amount > right.amount) - (left.amount < right.amount)


def add_durations(left: Duration, right: Duration, sign: int) -> Duration:
    left, right = _zero_as(left, right), _zero_as(right, left)
    if left.unit == right.unit:
        return Duration(left.amount + sign * right.amount, left.unit)
    if {left.unit, right.unit} == {"months", "years"}:
        months = lambda d: d.amount * (12 if d.unit == "years" else 1)  # noqa: E731
        return Duration(months(left) + sign * months(right), "months")
    raise EvaluationError(f"cannot add {left} and {right}: days and months differ in length")


MAX_OCCURRENCES = 1000


def occurrences(start: dt.date, every: Duration, through: dt.date) -> frozenset:
    """start, start + every, start + 2 x every, ... up to and including `through`."""
    if every.amount <= 0:
        raise EvaluationError(f"a recurring period must be positive, not {every}")
    found = []
    n = 0
    while True:
        day = add_duration(start, Duration(every.amount * n, every.unit))
        if day > through:
            return frozenset(found)
        found.append(day)
        n += 1
        if n > MAX_OCCURRENCES:
            raise EvaluationError(f"more than {MAX_OCCURRENCES} occurrences of every {every} from {start.isoformat()}")


def next_occurrence(start: dt.date, every: Duration, on_or_after: dt.date) -> dt.date:
    """The first of start, start + every, ... that falls on or after `on_or_after`."""
    if every.amount <= 0:
        raise EvaluationError(f"a recurring period must be positive, not {every}")
    n = 0
    while True:
        day = add_duration(start, Duration(every.amount * n, every.unit))
        if day >= on_or_after:
            return day
        n += 1
        if n > 100_000:
            raise EvaluationError("no occurrence within 100,000 periods")


def fiscal_year(date: dt.date) -> int:
    return date.year + 1 if date.month >= 10 else date.year


def fiscal_quarter(date: dt.date) -> int:
    return ((date.month - 10) % 12) // 3 + 1


_ROUNDING = {
    "round_half_up": decimal.ROUND_HALF_UP,
    "round_half_even": decimal.ROUND_HALF_EVEN,
    "round_down": decimal.ROUND_DOWN,
    "round_up": decimal.ROUND_UP,
}


def round_to(function: str, value, places: int):
    if isinstance(value, int):
        value = Decimal(value)
    quantum = Decimal(1).scaleb(-places)
    return value.quantize(quantum, rounding=_ROUNDING[function], context=EXACT)


def apportion(total, places: int, part: int, shares) -> Decimal:
    """The `part`-th (from 1) of the parts of `total` in proportions `shares` (rates adding up to
    100%), to `places` decimal places by the largest remainder method: every part is first
    rounded toward zero; the units still missing go one each to the parts with the largest
    remainders, the earlier part first on a tie. Every part is then less than one unit from its
    exact share, and the parts add up to the total exactly."""
    total = Decimal(total)
    shares = [Decimal(s) for s in shares]
    if not 1 <= part <= len(shares):
        raise ValueError(f"part {part} of {len(shares)} shares")
    if any(s < 0 for s in shares) or sum(shares) != 1:
        raise ValueError("the shares must be rates of at least 0% adding up to 100%")
    if places < 0 or places > 28:
        raise ValueError("places must be between 0 and 28")
    unit = Decimal(1).scaleb(-places)
    sign = -1 if total < 0 else 1
    exact = [EXACT.multiply(abs(total), s) for s in shares]
    floors = [e.quantize(unit, rounding=decimal.ROUND_DOWN, context=EXACT) for e in exact]
    left = int(EXACT.divide(EXACT.subtract(abs(total).quantize(unit, rounding=decimal.ROUND_DOWN, context=EXACT),
                                          sum(floors)), unit))
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - floors[i]), i))
    extra = set(order[:max(left, 0)])
    chosen = part - 1
    return sign * (floors[chosen] + (unit if chosen in extra else 0))


def format_value(value, kind: str | None = None) -> str:
    """Human text for a runtime value of the given declared type kind."""
    cls = value.__class__  # the commonest exact classes first: what the checks below give them
    if cls is str:
        return value
    if cls is bool:
        return "true" if value else "false"
    if cls is dt.date:
        return value.isoformat()
    if isinstance(value, Unknown):
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "money" and isinstance(value, (Decimal, int)):
        text = money_text(Decimal(value))
        sign = "-" if text.startswith("-") else ""
        whole, _, fraction = text.lstrip("-").partition(".")
        return f"{sign}${int(whole):,}.{fraction}"
    if kind == "rate" and isinstance(value, (Decimal, int)):
        return f"{plain(EXACT.multiply(Decimal(value), Decimal(100)))}%"
    if isinstance(value, Decimal):
        return plain(value)
    if hasattr(value, "entity") and hasattr(value, "path"):  # an entity record
        return value.key if value.key is not None else value.path
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (frozenset, set)):
        return "{" + ", ".join(sorted(v if v.__class__ is str else format_value(v) for v in value)) + "}"
    return str(value)


def normalize(value: Decimal) -> Decimal:
    """Drop trailing zeros (2.500 -> 2.5, 2000.00 -> 2000)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1), context=EXACT)
    return value.normalize(EXACT)


def plain(value: Decimal) -> str:
    """Exact decimal text, never in exponent notation."""
    return format(normalize(value), "f")


def money_text(value: Decimal) -> str:
    """Exact amount with at least two decimal places: 1150 -> 1150.00, 156.25000 -> 156.25."""
    text = plain(value)
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"
