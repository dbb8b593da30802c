"""The `apportion` builtin: a total split by the largest remainder method (RAMSA §6(d)(1), issue 10 finding 11)."""
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interpreter.language.values import apportion
from tests.helpers import decide, ruleset

SPLIT = (Decimal("0.6"), Decimal("0.2"), Decimal("0.2"))


@settings(max_examples=300, deadline=None)
@given(cents=st.integers(min_value=-10 ** 15, max_value=10 ** 15),
       weights=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=6).filter(lambda w: sum(w) > 0))
def test_every_part_is_within_one_unit_of_its_share_and_the_parts_add_up(cents, weights):
    total = Decimal(cents).scaleb(-2)
    shares = [Decimal(w) / Decimal(sum(weights)) for w in weights]
    shares[-1] = Decimal(1) - sum(shares[:-1])  # exactly 100%, whatever the division left over
    parts = [apportion(total, 2, index + 1, shares) for index in range(len(shares))]
    assert sum(parts) == total
    for part, share in zip(parts, shares):
        assert abs(part - total * share) < Decimal("0.01")
        assert part == part.quantize(Decimal("0.01"))


def test_the_remainder_goes_to_the_largest_remainders_and_ties_to_the_earlier_part():
    # 60/20/20 of $0.04: exact 0.024 / 0.008 / 0.008; rounding down leaves 2 cents, which go to the
    # remainders 0.8 cent ((B), (C)) before 0.4 cent ((A)).
    assert [apportion(Decimal("0.04"), 2, i, SPLIT) for i in (1, 2, 3)] == \
        [Decimal("0.02"), Decimal("0.01"), Decimal("0.01")]
    # $0.01: one cent, remainders 0.6 / 0.2 / 0.2: to (A)
    assert [apportion(Decimal("0.01"), 2, i, SPLIT) for i in (1, 2, 3)] == [Decimal("0.01"), 0, 0]
    # a tie between (B) and (C) goes to (B)
    assert [apportion(Decimal("1292672662.62"), 2, i, SPLIT) for i in (1, 2, 3)] == \
        [Decimal("775603597.57"), Decimal("258534532.53"), Decimal("258534532.52")]


@pytest.mark.parametrize("shares, part, message", [
    ((Decimal("0.6"), Decimal("0.2")), 1, "adding up to 100%"),
    ((Decimal("1.2"), Decimal("-0.2")), 1, "at least 0%"),
    (SPLIT, 4, "part 4 of 3"),
    (SPLIT, 0, "part 0 of 3"),
])
def test_bad_arguments_are_refused(shares, part, message):
    with pytest.raises(ValueError, match=message):
        apportion(Decimal("100"), 2, part, shares)


RULES = """
act DEMO "Demonstration Act"
fact total: money "the amount to split"
section 1 "SPLIT":
  decision first: money "part 1" = apportion(total, 2, 1, 60%, 20%, 20%)
  decision second: money "part 2" = apportion(total, 2, 2, 60%, 20%, 20%)
  decision third: money "part 3" = apportion(total, 2, 3, 60%, 20%, 20%)
  decision broken: money "shares short of 100%" = apportion(total, 2, 1, 60%, 20%)
"""


def test_apportion_in_a_rule_set_decides_each_part_and_reports_bad_shares_as_an_error(tmp_path):
    loaded = ruleset(tmp_path, RULES)
    outcomes = decide(loaded, {"total": "$100.03"})
    assert [outcomes[name].value for name in ("first", "second", "third")] == \
        [Decimal("60.02"), Decimal("20.01"), Decimal("20.00")]
    assert outcomes["broken"].status == "error" and "100%" in outcomes["broken"].message
    assert decide(loaded, {})["first"].status == "undetermined"


@pytest.mark.parametrize("call, code, words", [
    ("apportion(total, 2, 1)", "E238", "takes 4 or more arguments, not 3"),
    ('apportion(total, 2, 1, "x")', "E306", "expects a rate"),
    ("apportion(total, 2.5, 1, 100%)", "E306", "expects a integer"),
])
def test_apportion_is_checked_before_any_fact_is_read(tmp_path, call, code, words):
    loaded = ruleset(tmp_path, f"""
        act DEMO "Demonstration Act"
        fact total: money "the amount to split"
        section 1 "SPLIT":
          decision part: money "a part" = {call}
        """)
    assert not loaded.ok
    assert any(d.code == code and words in d.message for d in loaded.diagnostics), \
        [(d.code, d.message) for d in loaded.diagnostics]
