"""Reference tables declare what they know: complete vs partial, a validity period, rows a fact
file supplies with their source, and prefix keys that are too short (issue 9, item 2)."""
import pytest

from interpreter import api
from interpreter.language.diagnostics import UserError
from tests.helpers import decide, ruleset

TEXT = """
act DEMO "Demonstration Act"
fact country: text "country"
table groups "income groups" from "groups.csv" key iso3 EXTENT:
  iso3: text
  group: text
  source: text
section 1:
  subsection (a):
    decision listed: boolean "listed" = country in groups
    decision high_income: boolean "high income" = groups[country].group = "high"
"""


def _load(tmp_path, extent):
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "rules" / "groups.csv").write_text("iso3,group,source\nAUS,high,WB FY2026\n", encoding="utf-8")
    return ruleset(tmp_path, TEXT.replace("EXTENT", extent))


def test_a_complete_table_says_not_listed_and_a_partial_one_does_not_know(tmp_path):
    complete = decide(_load(tmp_path, "source source complete"), {"country": "NZL"})
    assert complete["listed"].value is False
    assert complete["high_income"].status == "error"  # an unguarded lookup of a key not listed
    partial = decide(_load(tmp_path, "source source partial"), {"country": "NZL"})
    assert partial["listed"].status == "undetermined"
    assert partial["high_income"].missing == frozenset({"table groups (NZL): no row in this partial table"})
    default = decide(_load(tmp_path, "source source"), {"country": "NZL"})  # partial unless declared complete
    assert default["listed"].status == "undetermined"


def test_a_validity_period_makes_lookups_on_other_dates_unknown(tmp_path):
    loaded = _load(tmp_path, "source source partial valid from 2025-07-01 through 2026-06-30")
    assert decide(loaded, {"country": "AUS"}, as_of=api_date("2026-06-30"))["high_income"].value is True
    outside = decide(loaded, {"country": "AUS"}, as_of=api_date("2026-07-01"))["high_income"]
    assert outside.missing == frozenset({"table groups (AUS): its data is valid 2025-07-01 through 2026-06-30, "
                                         "not on 2026-07-01"})
    assert decide(loaded, {"country": "AUS"})["high_income"].missing == frozenset({"as_of"})


def test_a_fact_file_supplies_a_missing_row_with_its_source(tmp_path):
    loaded = _load(tmp_path, "source source partial valid from 2025-07-01 through 2026-06-30")
    supplied = {"country": "NZL", "tables": {"groups": [
        {"iso3": "NZL", "group": "high", "source": "WB FY2027", "valid_from": "2026-07-01", "valid_through": "2027-06-30"}]}}
    assert decide(loaded, supplied, as_of=api_date("2026-08-01"))["high_income"].value is True
    # the supplied row holds for its own period only
    assert decide(loaded, supplied, as_of=api_date("2027-07-01"))["high_income"].status == "undetermined"
    _, explanation = api.decide(loaded, supplied, "high_income", as_of=api_date("2026-08-01"))
    assert "WB FY2027 (supplied by <data>, tables.groups[0])" in str(explanation_rows(explanation))


@pytest.mark.parametrize("rows, code, words", [
    ({"groups": [{"iso3": "NZL", "group": "high"}]}, "E416", "needs `source`"),
    ({"groups": [{"group": "high", "source": "x"}]}, "E416", "needs `iso3`"),
    ({"grups": []}, "E415", "did you mean `groups`?"),
    ({"groups": [{"iso3": "NZL", "colour": "red", "source": "x"}]}, "E411", "no column `colour`"),
])
def test_supplied_rows_are_checked(tmp_path, rows, code, words):
    loaded = _load(tmp_path, "source source partial")
    with pytest.raises(UserError) as raised:
        api.evaluate_data(loaded, {"country": "NZL", "tables": rows})
    found = [d for d in raised.value.diagnostics if d.code == code]
    assert found and any(words in d.message or words in " ".join(d.suggestions) for d in found), raised.value.diagnostics


def test_a_complete_table_takes_no_supplied_rows(tmp_path):
    loaded = _load(tmp_path, "source source complete")
    with pytest.raises(UserError) as raised:
        api.evaluate_data(loaded, {"tables": {"groups": [{"iso3": "NZL", "group": "low", "source": "x"}]}})
    assert [d.code for d in raised.value.diagnostics] == ["E415"]


def test_ranging_over_a_partial_table_is_refused(tmp_path):
    loaded = _load(tmp_path, "source source")
    assert loaded.ok
    text = TEXT.replace("EXTENT", "partial") + '    decision how_many: integer "rows" = count g in groups\n'
    refused = ruleset(tmp_path, text)
    assert [d.code for d in refused.diagnostics if d.is_error] == ["E309"]


def test_prefix_keys_shorter_than_the_rows_are_unambiguous_or_unknown(tmp_path):
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "rules" / "rates.csv").write_text("hts,rate\n8505.11.00,25%\n8507.60.0010,25%\n8507.60.0020,7.5%\n",
                                                  encoding="utf-8")
    text = """
    act DEMO "Demonstration Act"
    fact code: text "code"
    table rates "rates" from "rates.csv" key hts by prefix EXTENT:
      hts: text
      rate: rate
    section 1:
      subsection (a):
        decision rate: rate "rate" = rates[code].rate
    """
    complete = ruleset(tmp_path, text.replace("EXTENT", "complete"))
    assert str(decide(complete, {"code": "8505.11"})["rate"].value) == "0.25"  # one row covered: unambiguous
    ambiguous = decide(complete, {"code": "8507.60"})["rate"]
    assert ambiguous.missing == frozenset({"table rates (8507.60): shorter than the codes it would cover "
                                           "(8507.60.0010, 8507.60.0020); give the full code"})
    partial = ruleset(tmp_path, text.replace("EXTENT", "partial"))
    assert decide(partial, {"code": "8505.11"})["rate"].status == "undetermined"  # it cannot know other 8505.11 codes
    assert str(decide(partial, {"code": "8505.11.0070"})["rate"].value) == "0.25"  # longer: the longest prefix


def api_date(text):
    import datetime as dt
    return dt.date.fromisoformat(text)


def explanation_rows(explanation):
    """Every (table, key, source) an explanation tree cites."""
    found, stack = [], [explanation]
    while stack:
        node = stack.pop()
        found.extend(getattr(node, "rows", ()))
        stack.extend(getattr(node, "children", ()))
    return found
