"""Deciding each distinct case once (interpreter/batch/cases.py, by_case.py): what rows must agree on, and
that grouping them changes nothing: the output is byte for byte the output of deciding every row, in every
format, across chunk sizes, with explanations, and with dates bucketed by the dates they are compared with."""
import datetime as dt
import functools
import json
import os

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from interpreter import api
from interpreter.batch.cases import inputs_of
from interpreter.batch.job import Job, facts_for
from interpreter.batch.run import run_batch
from interpreter.evaluation.evaluate import Evaluator
from tests.helpers import ruleset
from tests.test_batch import FIELD_STRATEGIES, MEMBER_DATES, write_inputs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAMSA = os.path.join(ROOT, "rules", "ramsa")
GLOBALS = os.path.join(RAMSA, "examples", "batch", "globals.yaml")


@functools.lru_cache(maxsize=1)
def _ramsa():
    return api.load(RAMSA)


@pytest.fixture(scope="module")
def ramsa():
    return _ramsa()


def _inputs(loaded, facts_path, entity):
    job = Job(loaded, facts_for(loaded, facts_path), loaded.ruleset.entities[entity])
    return job.case_inputs()


def test_the_inputs_of_the_import_line_decisions(ramsa):
    inputs = _inputs(ramsa, GLOBALS, "ImportLine")
    assert inputs.off is None
    # read through values (covered_good, sourced_from..., from_member_in_force, section_301_rate, ...)
    assert inputs.fields == {"hts", "form", "mineral", "origin_country", "mined_in", "processed_in",
                             "producer_jurisdiction", "producer_otherwise_subject_to", "entry_date", "customs_value"}
    # the key, the description and incorporates_critical_mineral are read by no decision
    assert not inputs.fields & {"id", "description", "incorporates_critical_mineral"}
    # entry_date is only compared with the members' agreement dates (in a quantifier over the shared
    # countries) and is the as-of date of the complete critical minerals table: bucketed by those dates
    bounds = inputs.bounds["entry_date"]
    assert dt.date(2026, 4, 15) in bounds and dt.date(2026, 6, 1) in bounds
    assert list(bounds) == sorted(bounds) and "customs_value" not in inputs.bounds


DATES = """
act DEMO "Demonstration Act"

entity Item as item from items key id "an item":
  id: text "its key"
  start: date "when it starts"
  until: date "when it ends"
  amount: integer "how many"
  note: text "a note nothing reads"

fact cutoff: date "the cut-off date"

section 1 "DATES":
  decision Item.early: boolean "before the cut-off" = item.start < cutoff
  decision Item.window: boolean "in the window" = item.start >= 2024-01-01 and item.start <= as_of
  decision Item.due: date "a month on" = item.until + 1 month
  decision Item.doubled: integer "doubled" = item.amount * 2
"""


def test_a_date_in_arithmetic_is_grouped_exactly_one_only_compared_is_bucketed(tmp_path):
    loaded = ruleset(tmp_path, DATES)
    facts = tmp_path / "globals.yaml"
    facts.write_text("as_of: 2024-06-30\ncutoff: 2024-03-01\n", encoding="utf-8")
    inputs = _inputs(loaded, str(facts), "Item")
    assert inputs.fields == {"start", "until", "amount"}  # `note` and the key are read by nothing
    assert inputs.bounds == {"start": (dt.date(2024, 1, 1), dt.date(2024, 3, 1), dt.date(2024, 6, 30))}
    evaluator = Evaluator(loaded.ruleset, loaded.tables, facts_for(loaded, str(facts)), None)
    again = inputs_of(loaded.ruleset, loaded.ruleset.entities["Item"],
                      [v for v in loaded.ruleset.values.values() if v.owner == "Item"], evaluator)
    assert again.bounds["start"] == (dt.date(2024, 1, 1), dt.date(2024, 3, 1))  # as_of unknown: no bound


def _items(rows, path):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def test_rows_that_agree_on_the_inputs_are_one_case(tmp_path):
    loaded = ruleset(tmp_path, DATES)
    facts = tmp_path / "globals.yaml"
    facts.write_text("as_of: 2024-06-30\ncutoff: 2024-03-01\n", encoding="utf-8")
    rows = [{"id": f"I{i}", "start": start, "until": "2024-01-31", "amount": 3, "note": f"n{i}"}
            for i, start in enumerate(["2024-02-01", "2024-02-20", "2024-03-01", "2024-03-02", "2024-05-01",
                                       "2023-12-31", "2024-02-28"])]
    rows.append({"id": "I7", "start": "2024-02-01", "until": "2024-01-31", "amount": "x"})  # a bad value: alone
    source = _items(rows, tmp_path / "items.jsonl")
    grouped = run_batch(loaded, source, str(tmp_path / "g.csv"), str(facts), group_cases=True)
    # Feb 1, Feb 20 and Feb 28 fall between the same dates; Mar 1 is on one; Mar 2 and May 1 share a bucket;
    # Dec 31 is before them all; the row with a bad amount is a case of its own
    assert grouped.cases == 4 + 1
    every = run_batch(loaded, source, str(tmp_path / "e.csv"), str(facts), group_cases=False)
    assert every.cases is None and every.bad_rows == grouped.bad_rows == 1
    with open(tmp_path / "g.csv", "rb") as a, open(tmp_path / "e.csv", "rb") as b:
        assert a.read() == b.read()


def test_missing_facts_that_name_the_record_are_not_copied(tmp_path):
    loaded = ruleset(tmp_path, DATES)
    facts = tmp_path / "globals.yaml"
    facts.write_text("as_of: 2024-06-30\n", encoding="utf-8")  # cutoff unknown: `early` undetermined
    rows = [{"id": "A", "start": "2024-02-01"}, {"id": "B", "start": "2024-02-02"}, {"start": "2024-02-03"},
            {"id": "D", "start": "2024-02-04", "until": "2024-01-31"}, {"id": "E", "start": "2024-02-05"}]
    source = _items(rows, tmp_path / "items.jsonl")
    run_batch(loaded, source, str(tmp_path / "g.jsonl"), str(facts), group_cases=True)
    run_batch(loaded, source, str(tmp_path / "e.jsonl"), str(facts), group_cases=False)
    with open(tmp_path / "g.jsonl", "rb") as a, open(tmp_path / "e.jsonl", "rb") as b:
        grouped = a.read()
        assert grouped == b.read()
    out = [json.loads(line) for line in grouped.decode().splitlines()]
    assert out[1]["due_missing"] == "items[B].until" and out[2]["due_missing"] == "items[2].until"
    assert out[1]["early_missing"] == "cutoff" and out[1]["id"] == "B"


# ---------------------------------------------------------------- the property: grouped = every row decided

NEAR = [d + dt.timedelta(days=k) for d in MEMBER_DATES + [dt.date(2025, 11, 7), dt.date(2022, 2, 24)]
        for k in (-1, 0, 1)]


@st.composite
def repetitive_lines(draw):
    """Import lines drawn from a few cases, with keys and entry dates varied (within and across buckets)."""
    fields = [name for name in FIELD_STRATEGIES if name != "entry_date"]
    pool = []
    for _ in range(draw(st.integers(1, 4))):
        pool.append({name: draw(FIELD_STRATEGIES[name]) for name in fields if draw(st.integers(0, 11)) > 0})
    rows = []
    for index in range(draw(st.integers(1, 24))):
        row = dict(draw(st.sampled_from(pool)))
        key = draw(st.sampled_from(["own", "own", "same", "none"]))
        if key != "none":
            row["id"] = f"L{index}" if key == "own" else "SAME"
        if draw(st.integers(0, 7)) > 0:
            row["entry_date"] = draw(st.sampled_from(NEAR) | st.dates(dt.date(2022, 1, 1), dt.date(2027, 1, 1))).isoformat()
        rows.append(row)
    return rows


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(rows=repetitive_lines(), source=st.integers(0, 2), suffix=st.sampled_from(["csv", "jsonl", "parquet"]),
       chunk=st.sampled_from([2, 5, 1000]))
def test_deciding_each_case_once_gives_the_output_of_deciding_every_row(tmp_path_factory, rows, source, suffix, chunk):
    ramsa = _ramsa()  # not a fixture: Hypothesis would print the whole rule set with a failing example
    directory = tmp_path_factory.mktemp("cases")
    inputs = write_inputs(directory, rows, bad=True)
    every, grouped = str(directory / f"every.{suffix}"), str(directory / f"grouped.{suffix}")
    expected = run_batch(ramsa, inputs[source], every, GLOBALS, "ImportLine", chunk_size=chunk, group_cases=False)
    summary = run_batch(ramsa, inputs[source], grouped, GLOBALS, "ImportLine", chunk_size=chunk, group_cases=True)
    with open(every, "rb") as a, open(grouped, "rb") as b:
        assert a.read() == b.read()
    assert (summary.rows, summary.bad_rows, summary.statuses) == (expected.rows, expected.bad_rows, expected.statuses)
    assert summary.cases <= summary.rows
    whole = str(directory / f"whole.{suffix}")  # and across chunk sizes
    run_batch(ramsa, inputs[source], whole, GLOBALS, "ImportLine", chunk_size=1000, group_cases=True)
    if suffix == "parquet":  # (the row groups differ, and with them the dictionaries)
        one, other = pq.read_table(whole), pq.read_table(grouped)
        assert one.schema == other.schema and one.to_pylist() == other.to_pylist()
    else:
        with open(whole, "rb") as a, open(grouped, "rb") as b:
            assert a.read() == b.read()


def test_explanations_and_every_format_are_unchanged_by_grouping(ramsa, tmp_path):
    with open(os.path.join(RAMSA, "examples", "batch", "import_lines.csv"), encoding="utf-8") as handle:
        sample = tmp_path / "lines.csv"
        sample.write_text("".join(handle.readlines()[:81]), encoding="utf-8")
    for explain in (False, True):
        for suffix in ("csv", "jsonl", "parquet"):
            outputs = []
            for group, chunk in ((False, 1000), (True, 1000), (True, 9), (None, 9)):
                out = str(tmp_path / f"{explain}-{group}-{chunk}.{suffix}")
                run_batch(ramsa, str(sample), out, GLOBALS, explain=explain, chunk_size=chunk, group_cases=group)
                outputs.append(pq.read_table(out) if suffix == "parquet" else open(out, "rb").read())
            for other in outputs[1:]:
                if suffix == "parquet":
                    assert other.schema == outputs[0].schema and other.to_pylist() == outputs[0].to_pylist()
                else:
                    assert other == outputs[0]
