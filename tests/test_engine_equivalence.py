"""The row-wise engine (`engines/generated.py`, source from `engines/codegen.py`) gives the interpreter's `Outcome` (status, value, rules,
missing facts, message, conflict) for every decision, on generated facts for the three Acts (the
shipped examples with fields dropped and values swapped between records) and on a semantics suite
(exceptions, conflicts, unknowns, errors, tables, money, dates and durations, sets, aggregates,
entity references, quantifiers) with records generated from the declared field types."""
import datetime as dt
import glob
import os

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from interpreter import api
from interpreter.engines.generated import Program
from interpreter.evaluation.facts import bind_facts
from interpreter.language.diagnostics import UserError
from tests.helpers import EXCEPTIONS, ruleset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _key(outcome):
    return (outcome.status, outcome.value, outcome.rules, outcome.missing, outcome.message, outcome.conflict)


def assert_engines_agree(loaded, data, statuses: set | None = None) -> int:
    """Compare every decision the row-wise engine can make with the interpreter's; -> decisions compared.
    The statuses compared are added to `statuses`."""
    facts, problems = bind_facts(loaded.ruleset, data, "<generated>")
    if problems:
        return 0  # refused facts are reported, not decided, by both
    reference = {(d.value.id, d.record.path if d.record else None): d.outcome
                 for d in api.evaluate_data(loaded, data).decisions}
    compared = 0
    for entity in loaded.ruleset.entities.values():
        try:
            program = Program(loaded.ruleset, loaded.tables, entity.name)
        except UserError:
            continue  # decisions that read the whole collection are never made one record at a time
        session = program.session(facts)
        for record in facts.records.get(entity.name, ()):
            for value, outcome in zip(program.decisions, session.decide(record)):
                assert _key(outcome) == _key(reference[(value.id, record.path)]), (value.id, record.path)
                compared += 1
                if statuses is not None:
                    statuses.add(outcome.status)
        for value in loaded.ruleset.decisions():
            if value.owner is None:
                assert _key(session.outcome(value.id, None)) == _key(reference[(value.id, None)]), value.id
                compared += 1
    return compared


# ---------------------------------------------------------------- the three Acts

def _act_cases():
    for act in ("ramsa", "cmtsa", "secure"):
        for path in sorted(glob.glob(os.path.join(ROOT, "rules", act, "examples", "*.yaml"))):
            yield act, os.path.basename(path)


@pytest.fixture(scope="module")
def acts():
    return {act: api.load(os.path.join(ROOT, "rules", act)) for act in ("ramsa", "cmtsa", "secure")}


@st.composite
def mutated(draw, data, collections):
    """The example with about one field in six dropped and one in eight taken from another record."""
    out = {}
    for name, raw in data.items():
        if name in collections and isinstance(raw, list):
            records = [dict(r) for r in raw if isinstance(r, dict)]
            for record in records:
                for field in list(record):
                    choice = draw(st.integers(0, 23))
                    if choice < 4 and field not in collections[name]:
                        del record[field]
                    elif choice < 7 and len(records) > 1:
                        other = draw(st.sampled_from(records))
                        if field in other and field != collections[name]:
                            record[field] = other[field]
            out[name] = records
        elif name == "as_of" or draw(st.integers(0, 9)) > 0:
            out[name] = raw
    return out


@pytest.mark.parametrize("act, example", list(_act_cases()))
def test_the_row_wise_engine_decides_the_acts_as_the_interpreter(acts, act, example):
    loaded = acts[act]
    assert loaded.ok
    with open(os.path.join(ROOT, "rules", act, "examples", example), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    collections = {e.collection: e.key for e in loaded.ruleset.entities.values()}
    assert assert_engines_agree(loaded, data) > 0

    @SETTINGS
    @given(mutated(data, collections))
    def check(generated):
        assert_engines_agree(loaded, generated)
    check()


# ---------------------------------------------------------------- the semantics suite

SEMANTICS = {
    "exceptions": EXCEPTIONS,
    "conflicts": EXCEPTIONS.replace("exception to member_free", "exception to treatment"),
    "kleene_and_errors": """
act DEMO "Demonstration Act"

entity Case as case from cases key id:
  id: text
  a: boolean
  b: boolean
  n: integer
  d: integer
  value: money
  share: rate
  code: text

table codes "codes" from "codes.csv" key code:
  code: text
  rate: rate

section 1 "LOGIC":
  decision Case.both: boolean "and" = case.a and case.b
  decision Case.either: boolean "or" = case.a or case.b
  decision Case.all_items: boolean "all of" = all of (case.a, not case.b, case.n > 0)
  decision Case.any_items: boolean "any of" = any of (case.a, case.b, case.n = 2)
  decision Case.picked: integer "if" = if case.a then case.n else 0 - case.n
section 2 "ARITHMETIC":
  decision Case.ratio: decimal "ratio, an error when d is 0" = case.n / case.d
  decision Case.duty: money "duty" = round_half_up(case.value * codes[case.code].rate, 2)
  decision Case.listed: boolean "listed" = case.code in codes
  decision Case.net: money "net" = case.value - case.value * case.share
  decision Case.negative: money "negated" = -case.value
  decision Case.share_of: rate "percent" = percent_of(case.n, case.d)
section 3 "DEPENDENT":
  value Case.safe_ratio: decimal "ratio when a"
    = case.n / case.d
    when case.a
  decision Case.uses_ratio: boolean "depends on a ratio that may fail" = case.safe_ratio > 1
""",
    "dates_sets_and_aggregates": """
act DEMO "Demonstration Act"

enum Kind:
  red
  green
  blue

entity Owner as owner from owners key name:
  name: text
  joined: date
  kinds: set of Kind

entity Item as item from items key id:
  id: text
  start: date
  period: duration
  kind: Kind
  owner: Owner
  amount: money

section 1 "DATES":
  decision Item.due: date "due" = item.start + item.period
  decision Item.late: boolean "late" = item.start + 90 days > 2026-06-30
  decision Item.gap: duration "since joining" = item.start - item.owner.joined
  decision Item.year: integer "fiscal year" = fiscal_year(item.start)
  decision Item.days: integer "days" = days_between(item.owner.joined, item.start)
section 2 "SETS":
  decision Item.owner_kind: boolean "owner deals in it" = item.kind in item.owner.kinds
  decision Item.primary: boolean "primary" = item.kind in {red, blue}
  decision Item.others: integer "other owners with the kind"
    = count other in owners where item.kind in other.kinds
  decision Item.any_owner: boolean "some owner joined before" = any other in owners satisfy other.joined < item.start
section 3 "TOTALS":
  value total_amount: money "total" = sum i.amount for i in items
  decision share_count: integer "owners" = count o in owners
""",
}
SEMANTICS["exceptions_unordered_same_value"] = EXCEPTIONS.replace("    = matching\n", "    = free\n")

TEXTS = ["A", "B", "Z", "", "a'b\"c"]


def _scalar(kind, ruleset, keys):
    if kind.kind == "boolean":
        return st.booleans()
    if kind.kind == "integer":
        return st.integers(-3, 4)
    if kind.kind in ("money", "decimal"):
        return st.sampled_from(["0", "3", "-2.5", "10.005", "$1,000.10", "0.01"])
    if kind.kind == "rate":
        return st.sampled_from(["0%", "25%", "7.5%", "100%"])
    if kind.kind == "date":
        return st.dates(dt.date(2024, 1, 1), dt.date(2027, 12, 31)).map(dt.date.isoformat) | st.sampled_from(
            ["2024-02-29", "2026-03-31", "2026-04-02"])
    if kind.kind == "duration":
        return st.sampled_from(["30 days", "1 month", "2 years", "0 days"])
    if kind.kind == "enum":
        return st.sampled_from(list(ruleset.enums[kind.name].variants))
    if kind.kind == "entity":
        return st.sampled_from(keys.get(kind.name, ["none"]) + ["missing-key"])
    if kind.kind == "set":
        return st.lists(_scalar(kind.element, ruleset, keys), max_size=3)
    return st.sampled_from(TEXTS)


@st.composite
def generated_facts(draw, loaded):
    """Records of every entity, each field absent one time in five, keys k0, k1, ..."""
    ruleset = loaded.ruleset
    counts = {name: draw(st.integers(0 if entity.key != "id" else 1, 3)) for name, entity in ruleset.entities.items()}
    keys = {name: [f"k{i}" for i in range(count)] for name, count in counts.items()}
    data = {}
    for name, entity in ruleset.entities.items():
        records = []
        for key in keys[name]:
            record = {entity.key: key}
            for field in entity.fields:
                if field.name != entity.key and draw(st.integers(0, 4)) > 0:
                    record[field.name] = draw(_scalar(field.type, ruleset, keys))
            records.append(record)
        data[entity.collection] = records
    return data


@pytest.mark.parametrize("name", sorted(SEMANTICS))
def test_the_row_wise_engine_follows_the_semantics_suite(tmp_path, name):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "codes.csv").write_text("code,rate\nA,25%\nB,7.5%\n", encoding="utf-8")
    loaded = ruleset(tmp_path, SEMANTICS[name])
    assert loaded.ok, [d.message for d in loaded.diagnostics]
    statuses = set()

    @SETTINGS
    @given(generated_facts(loaded))
    def check(data):
        assert_engines_agree(loaded, data, statuses)
    check()
    assert "decided" in statuses and "undetermined" in statuses
    if name == "conflicts":
        assert "conflict" in statuses
    if name == "kleene_and_errors":
        assert "error" in statuses
