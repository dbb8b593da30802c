"""Evaluation semantics: defaults and exceptions, conflicts, three-valued logic."""
from hypothesis import given, settings, strategies as st

from tests.helpers import EXCEPTIONS, decide, ruleset




def test_exception_replaces_the_rule_it_is_an_exception_to(tmp_path):
    loaded = ruleset(tmp_path, EXCEPTIONS)
    outcomes = decide(loaded, {"goods": [
        {"id": "A", "from_member": True, "of_concern": False},
        {"id": "B", "from_member": True, "of_concern": True},
        {"id": "C", "from_member": False, "of_concern": True},
    ]})
    assert outcomes["goods[A].treatment"].value == "free"
    assert outcomes["goods[B].treatment"].value == "matching"
    # As in Catala's default calculus, an exception applies on its own condition,
    # whether or not the rule it is an exception to would have applied.
    assert outcomes["goods[C].treatment"].value == "matching"
    assert [r.label for r in outcomes["goods[B].treatment"].rules] == ["concern_prevails"]


def test_unordered_rules_that_disagree_are_a_conflict_naming_both(tmp_path):
    text = EXCEPTIONS.replace("exception to member_free", "exception to treatment")
    outcomes = decide(ruleset(tmp_path, text), {"goods": [{"id": "B", "from_member": True, "of_concern": True}]})
    outcome = outcomes["goods[B].treatment"]
    assert outcome.status == "conflict"
    assert {r.label for r in outcome.conflict} == {"member_free", "concern_prevails"}
    assert "DEMO §1" in outcome.message


def test_missing_fact_is_undetermined_and_listed(tmp_path):
    outcomes = decide(ruleset(tmp_path, EXCEPTIONS), {"goods": [{"id": "A", "of_concern": False}]})
    outcome = outcomes["goods[A].treatment"]
    assert outcome.status == "undetermined"
    assert outcome.missing == frozenset({"goods[A].from_member"})


def test_missing_fact_that_cannot_matter_is_not_needed(tmp_path):
    # `flagged` is unknown, but the exception needs both conditions and of_concern is false.
    text = EXCEPTIONS.replace("  of_concern: boolean\n", "  of_concern: boolean\n  flagged: boolean\n").replace(
        "when good.of_concern", "when good.of_concern and good.flagged")
    outcomes = decide(ruleset(tmp_path, text), {"goods": [
        {"id": "A", "from_member": True, "of_concern": False},
        {"id": "B", "from_member": True, "of_concern": True},
    ]})
    assert outcomes["goods[A].treatment"].value == "free"
    assert outcomes["goods[B].treatment"].status == "undetermined"
    assert outcomes["goods[B].treatment"].missing == frozenset({"goods[B].flagged"})


def test_an_unknown_exception_that_would_give_the_same_value_does_not_block(tmp_path):
    text = EXCEPTIONS.replace("    = matching\n", "    = free\n")
    outcomes = decide(ruleset(tmp_path, text), {"goods": [{"id": "A", "from_member": True}]})
    assert outcomes["goods[A].treatment"].value == "free"


KLEENE = """
act DEMO "Demonstration Act"
fact a: boolean "a"
fact b: boolean "b"
section 1:
  subsection (a):
    decision both: boolean "a and b" = a and b
    decision either: boolean "a or b" = a or b
    decision all_items: boolean "all of" = all of (a, b)
    decision any_items: boolean "any of" = any of (a, b)
    decision neither: boolean "not a" = not a
"""

three = st.sampled_from([True, False, None])


def _kleene_and(x, y):
    if x is False or y is False:
        return False
    if x is None or y is None:
        return None
    return True


def _kleene_or(x, y):
    if x is True or y is True:
        return True
    if x is None or y is None:
        return None
    return False


def _value(outcome):
    return outcome.value if outcome.status == "decided" else None


def test_kleene_logic_matches_the_truth_tables(tmp_path):
    loaded = ruleset(tmp_path, KLEENE)

    @settings(max_examples=30, deadline=None)
    @given(three, three)
    def check(x, y):
        data = {k: v for k, v in (("a", x), ("b", y)) if v is not None}
        outcomes = decide(loaded, data)
        assert _value(outcomes["both"]) == _kleene_and(x, y)
        assert _value(outcomes["all_items"]) == _kleene_and(x, y)
        assert _value(outcomes["either"]) == _kleene_or(x, y)
        assert _value(outcomes["any_items"]) == _kleene_or(x, y)
        assert _value(outcomes["neither"]) == (None if x is None else not x)

    check()


MONEY = """
act DEMO "Demonstration Act"
fact value: money "customs value"
fact rate: rate "rate"
section 1:
  subsection (a):
    decision duty: money "duty, to the cent" = round_half_up(value * rate, 2)
    decision thirds: money "a third of the value, unrounded" = value / 3
"""


def test_money_is_exact_and_rounded_only_where_the_rule_says(tmp_path):
    outcomes = decide(ruleset(tmp_path, MONEY), {"value": "$12,345.67", "rate": "25%"})
    assert str(outcomes["duty"].value) == "3086.42"  # 3086.4175 rounded half up
    assert str(outcomes["thirds"].value).startswith("4115.223333333333")


def test_an_undated_table_needs_no_evaluation_date(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "groups.csv").write_text("iso3,group\nAUS,high\n", encoding="utf-8")
    loaded = ruleset(tmp_path, """
    act DEMO "Demonstration Act"
    fact country: text "country"
    table groups "income groups" from "groups.csv" key iso3:
      iso3: text
      group: text
    section 1:
      subsection (a):
        decision high_income: boolean "high income" = groups[country].group = "high"
    """)
    outcomes = decide(loaded, {"country": "AUS"})  # no as_of anywhere
    assert outcomes["high_income"].value is True


def test_an_exception_may_name_the_declarations_rule_by_its_full_label(tmp_path):
    # docs/language.md calls the declaration's rule by the value's full name, so both spellings work.
    short = decide(ruleset(tmp_path, EXCEPTIONS), {"goods": [{"id": "A", "from_member": True, "of_concern": False}]})
    full_text = EXCEPTIONS.replace("exception to treatment", "exception to Good.treatment")
    assert "exception to Good.treatment" in full_text
    full_loaded = ruleset(tmp_path, full_text)
    member_free = full_loaded.ruleset.rules["member_free"]
    assert member_free.exception_to == "Good.treatment"
    full = decide(full_loaded, {"goods": [{"id": "A", "from_member": True, "of_concern": False}]})
    assert full["goods[A].treatment"].value == short["goods[A].treatment"].value == "free"


def test_an_exception_to_a_full_label_that_no_rule_has_is_located(tmp_path):
    loaded = ruleset(tmp_path, EXCEPTIONS.replace("exception to treatment", "exception to Good.treatmnt"))
    [diagnostic] = [d for d in loaded.diagnostics if d.code == "E240"]
    assert "`Good.treatmnt`" in diagnostic.message
    assert (diagnostic.span.line, diagnostic.span.column, diagnostic.span.end_column) == (19, 18, 31)
