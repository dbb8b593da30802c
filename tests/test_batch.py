"""`rules batch`: the compiled and columnar evaluation agree with the interpreter on every
decision; rows out = rows in (bad rows included); JSONL, CSV and Parquet round-trip; an
interrupted run resumes to exactly the uninterrupted output; the Dask engine gives identical
results."""
import csv
import datetime as dt
import json
import os
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from cli.main import main
from interpreter import api
from interpreter.batch.checkpoint import BatchIntegrityError, SimulatedCrash
from interpreter.batch.job import Job, _cell, facts_for
from interpreter.batch.readers import RawChunk
from interpreter.batch.run import run_batch
from interpreter.evaluation.facts import bind_facts
from tests.helpers import EXCEPTIONS, ruleset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAMSA = os.path.join(ROOT, "rules", "ramsa")
EXAMPLE = os.path.join(RAMSA, "examples", "imports_2026.yaml")
FIELDS = ["id", "hts", "description", "form", "mineral", "incorporates_critical_mineral", "origin_country",
          "mined_in", "processed_in", "producer_jurisdiction", "producer_otherwise_subject_to", "entry_date",
          "customs_value"]


@pytest.fixture(scope="module")
def ramsa():
    loaded = api.load(RAMSA)
    assert loaded.ok
    return loaded


@pytest.fixture(scope="module")
def example():
    with open(EXAMPLE, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    lines = data.pop("imports")
    return data, lines


@pytest.fixture(scope="module")
def globals_file(example, tmp_path_factory):
    path = tmp_path_factory.mktemp("globals") / "globals.yaml"
    path.write_text(yaml.safe_dump(example[0], sort_keys=False), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def job(ramsa, globals_file):
    return Job(ramsa, facts_for(ramsa, globals_file), ramsa.ruleset.entities["ImportLine"])


# ---------------------------------------------------------------- generated records

MEMBER_DATES = [dt.date(2026, 4, 15), dt.date(2026, 6, 1), dt.date(2026, 1, 5), dt.date(2026, 7, 20)]
dates = st.one_of(
    st.sampled_from(MEMBER_DATES).flatmap(lambda d: st.integers(-2, 2).map(lambda k: d + dt.timedelta(days=k))),
    st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31)),
)
hts_codes = st.one_of(
    st.sampled_from(["8505.11.00", "2504.10.50", "8507.60.0010", "8507.60.0020", "8507.60.00", "8507.90.40",
                     "2804.61.00", "8101.94.00", "7901.11.00", "2602.00.00", "3818.00.00", "7403.11.00",
                     "850511", "8505.11.0099", "2504", "85", "7108.12.10", "", " 8505.11.00"]),
    st.text(alphabet="0123456789.", min_size=1, max_size=12),
)
countries = st.sampled_from(["CHN", "RUS", "VEN", "IRN", "PRK", "AUS", "JPN", "CAN", "DEU", "VNM", "MEX", "IND", "XXX"])
minerals = st.sampled_from(["neodymium", "lithium", "graphite", "silicon", "zinc", "copper", "gold", "tungsten",
                            "silver", "uranium", "nonesuch", "Lithium"])
forms = st.sampled_from(["mined", "processed", "processed_intermediate", "permanent_magnet", "lithium_ion_battery_ev", "lithium_ion_battery_other",
                         "battery_part_non_lithium", "semi_finished_good", "final_product", "other_good"])
money = st.one_of(
    st.decimals(min_value=0, max_value=10 ** 9, places=2).map(lambda d: f"${d:,}"),
    st.decimals(min_value=0, max_value=10 ** 6, places=2).map(str),
    st.decimals(min_value=0, max_value=10 ** 6, places=3).map(str),
    st.integers(0, 10 ** 7),
    st.sampled_from(["$0.00", "USD 12.50", "-$5.00", "1,000", "$10,000.02"]),
)
FIELD_STRATEGIES = {
    "hts": hts_codes, "description": st.just("goods"), "form": forms, "mineral": minerals,
    "incorporates_critical_mineral": st.booleans(), "origin_country": countries, "mined_in": countries,
    "processed_in": countries, "producer_jurisdiction": countries, "producer_otherwise_subject_to": countries,
    "entry_date": dates.map(dt.date.isoformat), "customs_value": money,
}


@st.composite
def import_lines(draw):
    rows = []
    for index in range(draw(st.integers(1, 6))):
        row = {"id": f"G{index}"}
        for name, strategy in FIELD_STRATEGIES.items():
            if draw(st.integers(0, 9)) > 0:  # about one field in ten is missing
                row[name] = draw(strategy)
        rows.append(row)
    return rows


def interpreter_cells(ramsa, data, job):
    """The interpreter's decisions as output cells: row -> {decision: (value, status, citations, missing)}."""
    result = api.evaluate_data(ramsa, data)
    cells = {}
    for decision in result.decisions:
        if decision.value.owner != "ImportLine":
            continue
        outcome = decision.outcome
        value = _cell(outcome.value, decision.value.type.kind) if outcome.decided else None
        cells.setdefault(decision.record.index, {})[decision.value.name] = (
            value, outcome.status, "; ".join(decision.citations), "; ".join(sorted(outcome.missing)))
    return cells


def table_cells(table, job):
    cells = {}
    for row in table.to_pylist():
        cells[row["row"]] = {v.name: (row[v.name], row[f"{v.name}_status"], row[f"{v.name}_citations"],
                                      row[f"{v.name}_missing"]) for v in job.decisions}
    return cells


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(rows=import_lines())
def test_compiled_and_columnar_agree_with_the_interpreter(ramsa, example, job, rows):
    data = {**example[0], "imports": rows}
    facts, problems = bind_facts(ramsa.ruleset, data, "<generated>")
    if problems:  # a row the interpreter refuses (e.g. -$5.00 is fine, but a bad value is not): error rows
        raw = RawChunk(0, 0, len(rows), {name: [r.get(name) for r in rows] for name in FIELDS})
        table, bad = job.evaluate(raw)
        assert table.num_rows == len(rows) and bad >= 1
        return
    expected = interpreter_cells(ramsa, data, job)
    # 1. the generated row-wise program, outcome for outcome
    session = job.session
    reference = {(d.record.index, d.value.name): d.outcome for d in api.evaluate_data(ramsa, data).decisions
                 if d.value.owner == "ImportLine"}
    for record in facts.records["ImportLine"]:
        for value, outcome in zip(job.decisions, session.decide(record)):
            want = reference[(record.index, value.name)]
            assert (outcome.status, outcome.value, outcome.rules, outcome.missing, outcome.message, outcome.conflict) == \
                   (want.status, want.value, want.rules, want.missing, want.message, want.conflict)
    # 2. the columnar engine, on raw Python values (as from JSONL) and on Arrow columns (as from Parquet/CSV)
    raw = RawChunk(0, 0, len(rows), {name: [r.get(name) for r in rows] for name in FIELDS})
    table, bad = job.evaluate(raw)
    assert bad == 0
    assert table_cells(table, job) == expected
    arrow = {name: pa.array([None if r.get(name) is None else str(r[name]) if name != "incorporates_critical_mineral"
                             else r[name] for r in rows]) for name in FIELDS}
    table, _ = job.evaluate(RawChunk(0, 0, len(rows), arrow))
    assert table_cells(table, job) == expected


def test_the_example_batch_decides_as_the_interpreter(ramsa, example, job):
    data, lines = example
    expected = interpreter_cells(ramsa, {**data, "imports": lines}, job)
    raw = RawChunk(0, 0, len(lines), {name: [r.get(name) for r in lines] for name in FIELDS})
    table, bad = job.evaluate(raw)
    assert bad == 0 and table_cells(table, job) == expected
    assert job.columnar.unsupported is None  # the RAMSA duty decisions are vectorised


# ---------------------------------------------------------------- files

BAD_LINES = [
    '{"id": "B1", "entry_date": "2026-13-01"}',
    'not json at all',
    '{"id": "B2", "colour": "red"}',
    '[1, 2, 3]',
    '{"id": "B3", "customs_value": true, "form": "plutonium"}',
]


def write_inputs(directory, lines, bad=True):
    """The same records as JSONL, CSV and Parquet (bad lines only in JSONL)."""
    jsonl = directory / "in.jsonl"
    with open(jsonl, "w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(json.dumps(line, default=str) + "\n")
        if bad:
            handle.write("\n".join(BAD_LINES) + "\n")
    text = [{k: ("" if line.get(k) is None else str(line.get(k)).lower() if isinstance(line.get(k), bool)
                 else str(line.get(k))) for k in FIELDS} for line in lines]
    with open(directory / "in.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, FIELDS)
        writer.writeheader()
        writer.writerows(text)
    columns = {k: pa.array([None if line.get(k) is None else line[k] if k in ("incorporates_critical_mineral",)
                            else str(line[k]) for line in lines]) for k in FIELDS}
    pq.write_table(pa.table(columns), directory / "in.parquet", row_group_size=7)
    return str(jsonl), str(directory / "in.csv"), str(directory / "in.parquet")


def read_output(path):
    """Any output format -> list of dicts with JSON-like cells (CSV: empty = null, true/false)."""
    if path.endswith(".parquet"):
        return pq.read_table(path).to_pylist()
    if path.endswith(".jsonl"):
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle]
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.append(row)
    return rows


DECIMAL_COLUMNS = ("duty_rate", "duty_amount")  # decimal128 in Parquet, text in CSV and JSONL: equal as numbers


def normalise(rows):
    out = []
    for row in rows:
        out.append({k: (None if v in ("", None) else str(v).lower() if isinstance(v, bool)
                        else str(Decimal(str(v)).normalize()) if k in DECIMAL_COLUMNS else str(v))
                    for k, v in row.items()})
    return out


@pytest.fixture(scope="module")
def lines(example):
    return example[1]


def test_rows_out_equal_rows_in_with_error_rows(ramsa, globals_file, lines, tmp_path):
    jsonl, _, _ = write_inputs(tmp_path, lines)
    out = str(tmp_path / "out.jsonl")
    summary = run_batch(ramsa, jsonl, out, globals_file, chunk_size=8)
    rows = read_output(out)
    assert len(rows) == summary.rows == len(lines) + len(BAD_LINES)
    assert [r["row"] for r in rows] == list(range(len(rows)))
    assert summary.bad_rows == len(BAD_LINES) and summary.failed
    bad = rows[len(lines):]
    assert bad[0]["error"].startswith(f"imports[{len(lines)}].entry_date: expected a date")
    assert "is not valid JSON" in bad[1]["error"] and bad[1]["id"] is None
    assert "has no field `colour`" in bad[2]["error"]
    assert "not a JSON object" in bad[3]["error"]
    assert "customs_value" in bad[4]["error"] and "form" in bad[4]["error"]
    assert all(r["treatment_status"] == "error" for r in bad)
    assert not os.path.exists(out + ".partial")


def test_rows_out_differing_from_rows_in_fails_loudly_and_publishes_nothing(ramsa, globals_file, lines, tmp_path,
                                                                            monkeypatch):
    _, _, parquet = write_inputs(tmp_path, lines, bad=False)
    out = str(tmp_path / "out.parquet")
    original = Job.evaluate

    def drop_a_row(self, raw):
        table, bad = original(self, raw)
        return table.slice(1), bad
    monkeypatch.setattr(Job, "evaluate", drop_a_row)
    with pytest.raises(BatchIntegrityError):
        run_batch(ramsa, parquet, out, globals_file, chunk_size=10)
    assert not os.path.exists(out)


def test_the_three_formats_round_trip(ramsa, globals_file, lines, tmp_path):
    inputs = write_inputs(tmp_path, lines, bad=False)
    results = []
    for source in inputs:
        for suffix in ("jsonl", "csv", "parquet"):
            out = str(tmp_path / f"out-{os.path.basename(source)}.{suffix}")
            run_batch(ramsa, source, out, globals_file, chunk_size=9)
            results.append(normalise(read_output(out)))
    assert len(results[0]) == len(lines)
    for other in results[1:]:
        assert other == results[0]
    first = results[0][0]
    assert first["treatment"] == "alliance_duty_free" and first["duty_amount"] == "0"  # normalised: 0.00 in the files
    assert first["treatment_citations"] == "RAMSA §4(g)"


def test_resume_after_an_interruption_gives_exactly_the_uninterrupted_output(ramsa, globals_file, lines, tmp_path):
    _, _, parquet = write_inputs(tmp_path, lines, bad=False)
    for suffix in ("parquet", "csv"):
        whole = str(tmp_path / f"whole.{suffix}")
        run_batch(ramsa, parquet, whole, globals_file, chunk_size=4)
        out = str(tmp_path / f"resumed.{suffix}")
        with pytest.raises(SimulatedCrash):
            run_batch(ramsa, parquet, out, globals_file, chunk_size=4, fail_after_chunks=3)
        assert not os.path.exists(out) and os.path.isdir(out + ".partial")
        summary = run_batch(ramsa, parquet, out, globals_file, chunk_size=4, resume=True)
        assert summary.resumed_chunks == 3 and summary.rows == len(lines)
        with open(whole, "rb") as a, open(out, "rb") as b:
            assert a.read() == b.read()
        assert not os.path.exists(out + ".partial")


def test_resume_refuses_a_changed_input_and_the_cli_reports_it(ramsa, globals_file, lines, tmp_path):
    jsonl, _, _ = write_inputs(tmp_path, lines, bad=False)
    out = str(tmp_path / "out.csv")
    with pytest.raises(SimulatedCrash):
        run_batch(ramsa, jsonl, out, globals_file, chunk_size=5, fail_after_chunks=1)
    with open(jsonl, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "NEW"}) + "\n")
    result = CliRunner().invoke(main, ["batch", RAMSA, jsonl, "--facts", globals_file, "-o", out, "--resume",
                                       "--chunk-size", "5"])
    assert result.exit_code == 3, result.output
    assert "cannot resume: the input changed" in result.output and "Traceback" not in result.output


def test_cli_exit_codes_and_summary(globals_file, lines, tmp_path):
    jsonl, _, parquet = write_inputs(tmp_path, lines)
    runner = CliRunner()
    result = runner.invoke(main, ["batch", RAMSA, parquet, "--facts", globals_file, "-o", str(tmp_path / "a.csv")])
    assert result.exit_code == 0, result.output
    assert f"{len(lines)} rows -> " in result.output
    result = runner.invoke(main, ["batch", RAMSA, jsonl, "--facts", globals_file, "-o", str(tmp_path / "b.csv")])
    assert result.exit_code == 4 and "5 rows with bad data" in result.output
    result = runner.invoke(main, ["batch", RAMSA, str(tmp_path / "nope.csv"), "-o", str(tmp_path / "c.csv")])
    assert result.exit_code == 3 and "no input file" in result.output
    bad_header = tmp_path / "cols.csv"
    bad_header.write_text("id,hts_code\nX,1\n", encoding="utf-8")
    result = runner.invoke(main, ["batch", RAMSA, str(bad_header), "--facts", globals_file, "--entity", "ImportLine",
                                  "-o", str(tmp_path / "d.csv")])
    assert result.exit_code == 3 and "`hts_code` is not a field of ImportLine" in result.output
    assert "the fields are: id, hts," in result.output
    for output in (result.output,):
        assert "Traceback" not in output


def test_explanations_are_added_on_request(ramsa, globals_file, lines, tmp_path):
    _, _, parquet = write_inputs(tmp_path, lines[:3], bad=False)
    out = str(tmp_path / "explained.jsonl")
    run_batch(ramsa, parquet, out, globals_file, explain=True)
    rows = read_output(out)
    explanation = json.loads(rows[0]["explanation"])
    assert explanation["treatment"]["target"] == "imports[L01].treatment"
    assert explanation["treatment"]["rule_citations"] == ["RAMSA §4(g)"]


def test_dask_engine_gives_identical_results(ramsa, globals_file, lines, tmp_path):
    pytest.importorskip("dask.distributed")
    _, _, parquet = write_inputs(tmp_path, lines, bad=False)
    partitioned = tmp_path / "partitioned"
    partitioned.mkdir()
    table = pq.read_table(parquet)
    pq.write_table(table.slice(0, 10), partitioned / "part-0.parquet", row_group_size=4)
    pq.write_table(table.slice(10), partitioned / "part-1.parquet", row_group_size=4)
    local, distributed = str(tmp_path / "local.parquet"), str(tmp_path / "dask.parquet")
    run_batch(ramsa, str(partitioned), local, globals_file, chunk_size=6)
    summary = run_batch(ramsa, str(partitioned), distributed, globals_file, chunk_size=6, engine="dask")
    assert summary.rows == len(lines) and summary.engine == "dask"
    with open(local, "rb") as a, open(distributed, "rb") as b:
        assert a.read() == b.read()


# ---------------------------------------------------------------- small rule sets: every status, both engines

SMALL = {
    "exceptions": (EXCEPTIONS.replace("exception to member_free", "exception to TARGET"), [{"id": "A", "from_member": True, "of_concern": False}, {"id": "B", "from_member": True, "of_concern": True},
      {"id": "C", "from_member": False, "of_concern": True}, {"id": "D", "of_concern": False}, {"id": "E"},
      {"id": "F", "from_member": True}]),
    "undated_table_and_money": ("""
act DEMO "Demonstration Act"

entity Item as item from items key id:
  id: text
  code: text
  value: money
  share: rate

table codes "codes" from "codes.csv" key code:
  code: text
  rate: rate

section 1 "DUTY":
  decision Item.listed: boolean "listed" = item.code in codes
  decision Item.duty: money "duty"
    = round_half_even(item.value * codes[item.code].rate, 2)
    when item.code in codes
  decision Item.half: money "half, unrounded" = item.value * item.share
  decision Item.third: money "a third" = item.value / 3
""", [{"id": "1", "code": "A", "value": "$10.005", "share": "50%"}, {"id": "2", "code": "B", "value": "2.50"},
      {"id": "3", "code": "Z", "value": "$1,000", "share": "12.5%"}, {"id": "4", "value": "1"},
      {"id": "5", "code": "A"}, {"id": "6", "code": "B", "value": "0.03", "share": "0.5%"}]),
}
SMALL["dates"] = ("""
act DEMO "Demonstration Act"

entity Item as item from items key id:
  id: text
  start: date
  amount: integer

section 1 "DATES":
  decision Item.due: date "a month on" = item.start + 1 month
  decision Item.later: date "a year and 90 days on" = item.start + 1 year + 90 days
  decision Item.early: boolean "before the date" = item.start < 2024-03-01
  decision Item.doubled: integer "doubled" = item.amount * 2
""", [{"id": "a", "start": "2024-01-31", "amount": 3}, {"id": "b", "start": "2028-02-29", "amount": "4"},
      {"id": "c", "start": "2023-12-31"}, {"id": "d", "amount": -2}, {"id": "e", "start": "20240131"}])
SMALL["undated_table_columnar"] = (SMALL["undated_table_and_money"][0].replace(
    '  decision Item.third: money "a third" = item.value / 3\n', ""), SMALL["undated_table_and_money"][1])
SMALL["complete_table_columnar"] = (SMALL["undated_table_columnar"][0].replace(
    'key code:', 'key code complete:'), SMALL["undated_table_columnar"][1])
# a partial table valid for a period, looked up on each record's own date (and a too-short prefix key)
SMALL["valid_table_columnar"] = ("""
act DEMO "Demonstration Act"

entity Item as item from items key id:
  id: text
  code: text
  on: date
  value: money

table codes "codes" from "codes.csv" key code by prefix partial valid from 2024-01-01 through 2024-12-31:
  code: text
  rate: rate

section 1 "DUTY":
  decision Item.listed: boolean "listed" = item.code in codes as of item.on
  decision Item.duty: money "duty" = round_half_even(item.value * codes[item.code as of item.on].rate, 2)
""", [{"id": "1", "code": "A1", "on": "2024-06-01", "value": "$10.00"}, {"id": "2", "code": "B", "on": "2025-01-01",
      "value": "2.50"}, {"id": "3", "code": "Z", "on": "2024-06-01", "value": "$1,000"},
      {"id": "4", "code": "A", "on": "2023-12-31", "value": "1"}, {"id": "5", "code": "", "on": "2024-02-02"},
      {"id": "6", "code": "B", "value": "0.03"}])


@pytest.mark.parametrize("name, variant", [("exceptions", "member_free"), ("exceptions", "treatment"),
                                           ("undated_table_and_money", None), ("undated_table_columnar", None),
                                           ("complete_table_columnar", None), ("valid_table_columnar", None),
                                           ("dates", None)])
def test_small_rule_sets_decide_alike_in_all_engines(tmp_path, name, variant):

    text, rows = SMALL[name]
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "codes.csv").write_text("code,rate\nA,25%\nB,7.5%\n", encoding="utf-8")
    loaded = ruleset(tmp_path, text.replace("TARGET", variant or ""))
    assert loaded.ok, [d.message for d in loaded.diagnostics]
    entity = next(e for e in loaded.ruleset.entities.values())
    data = {entity.collection: rows}
    result = api.evaluate_data(loaded, data)
    facts = facts_for(loaded, None)
    small = Job(loaded, facts, entity)
    expected = {}
    for decision in result.decisions:
        outcome = decision.outcome
        expected.setdefault(decision.record.index, {})[decision.value.name] = (
            _cell(outcome.value, decision.value.type.kind) if outcome.decided else None, outcome.status,
            "; ".join(decision.citations), "; ".join(sorted(outcome.missing)))
    names = [f.name for f in entity.fields]
    table, bad = small.evaluate(RawChunk(0, 0, len(rows), {n: [r.get(n) for r in rows] for n in names}))
    assert bad == 0 and table_cells(table, small) == expected
    rowwise = Job(loaded, facts, entity, columnar=False)
    table, _ = rowwise.evaluate(RawChunk(0, 0, len(rows), {n: [r.get(n) for r in rows] for n in names}))
    assert table_cells(table, rowwise) == expected
    statuses = {cell[1] for row in expected.values() for cell in row.values()}
    if name == "exceptions" and variant == "treatment":
        assert "conflict" in statuses and "undetermined" in statuses
    # every construct is vectorised (division once per distinct operands): no rule set, and no
    # construct, is decided row by row
    assert small.columnar.unsupported is None and not small.columnar.row_wise_constructs
    if name == "valid_table_columnar":  # outside the period, a key not listed: undetermined, naming the table
        assert {"undetermined", "decided"} <= statuses
        assert any("valid 2024-01-01 through 2024-12-31, not on 2025-01-01" in cell[3]
                   for row in expected.values() for cell in row.values())
    if name == "undated_table_columnar":  # a partial table: `Z in codes` is unknown, not false
        assert expected[2]["listed"][1] == "undetermined"
    if name == "complete_table_columnar":
        assert expected[2]["listed"][:2] == (False, "decided")


def test_a_batch_without_the_shared_facts_it_needs_decides_nothing_and_says_why(lines, tmp_path):
    """No --facts: `countries` is unknown, not empty; every row is undetermined naming it, and
    the summary says which facts outside the rows were wanted."""
    jsonl, _, _ = write_inputs(tmp_path, lines[:4], bad=False)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["batch", RAMSA, jsonl, "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["treatment_status"] for r in rows] == ["undetermined"] * 4
    assert all("countries" in r["treatment_missing"].split("; ") for r in rows)
    assert "undetermined for want of facts not in the rows (give them with --facts): " in result.output
    assert "countries (4 rows)" in result.output
