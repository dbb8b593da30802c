"""Calendar, fiscal-year and rounding conventions (interpreter/language/values.py)."""
import datetime as dt
from decimal import Decimal

from hypothesis import given, strategies as st

from interpreter.language.ast import Duration
from interpreter.language.values import add_duration, compare_durations, fiscal_quarter, fiscal_year, round_to


def test_months_clamp_to_month_end():
    assert add_duration(dt.date(2024, 1, 31), Duration(1, "months")) == dt.date(2024, 2, 29)
    assert add_duration(dt.date(2025, 1, 31), Duration(1, "months")) == dt.date(2025, 2, 28)
    assert add_duration(dt.date(2028, 2, 29), Duration(1, "years")) == dt.date(2029, 2, 28)
    assert add_duration(dt.date(2026, 3, 31), Duration(1, "months"), sign=-1) == dt.date(2026, 2, 28)


def test_days_are_plain_calendar_days():
    assert add_duration(dt.date(2026, 1, 5), Duration(90, "days")) == dt.date(2026, 4, 5)


def test_fiscal_year_and_quarter_follow_31_usc_1102():
    assert fiscal_year(dt.date(2025, 9, 30)) == 2025
    assert fiscal_year(dt.date(2025, 10, 1)) == 2026
    assert [fiscal_quarter(dt.date(2026, m, 1)) for m in (10, 12, 1, 3, 4, 6, 7, 9)] == [1, 1, 2, 2, 3, 3, 4, 4]


def test_rounding_is_explicit_and_exact():
    assert round_to("round_half_up", Decimal("2.345"), 2) == Decimal("2.35")
    assert round_to("round_half_even", Decimal("2.345"), 2) == Decimal("2.34")
    assert round_to("round_down", Decimal("-2.349"), 2) == Decimal("-2.34")
    assert round_to("round_up", Decimal("2.341"), 2) == Decimal("2.35")


def test_durations_compare_within_compatible_units():
    assert compare_durations(Duration(60, "months"), Duration(5, "years")) == 0
    assert compare_durations(Duration(61, "months"), Duration(5, "years")) == 1


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)), st.integers(0, 600))
def test_adding_months_never_overflows_the_month(start, months):
    end = add_duration(start, Duration(months, "months"))
    assert end.day <= start.day
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)))
def test_fiscal_year_contains_its_own_dates(day):
    year = fiscal_year(day)
    assert dt.date(year - 1, 10, 1) <= day <= dt.date(year, 9, 30)
