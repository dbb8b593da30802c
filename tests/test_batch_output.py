"""Typed batch output: in Parquet, money and rates are decimal columns holding every value exactly,
statuses and citations are dictionary-encoded, and the file's metadata names the rule set's content
hash, act, entity, as-of date and engine version; the output is the same whatever the engine
(columnar or row-wise) and the chunk size."""
import datetime as dt
import os
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from interpreter import api
from interpreter.batch.run import run_batch
from interpreter.language.fingerprint import content_hash
from tests.helpers import ruleset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAMSA = os.path.join(ROOT, "rules", "ramsa")
BATCH = os.path.join(RAMSA, "examples", "batch")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The first 240 lines of the shipped batch sample."""
    path = tmp_path_factory.mktemp("sample") / "lines.csv"
    with open(os.path.join(BATCH, "import_lines.csv"), encoding="utf-8") as handle:
        path.write_text("".join(handle.readlines()[:241]), encoding="utf-8")
    return str(path)


def test_parquet_output_is_typed_and_carries_its_provenance(sample, tmp_path):
    loaded = api.load(RAMSA)
    out = str(tmp_path / "out.parquet")
    run_batch(loaded, sample, out, os.path.join(BATCH, "globals.yaml"))
    schema = pq.read_schema(out)
    assert schema.field("duty_amount").type == pa.decimal128(schema.field("duty_amount").type.precision, 2)
    assert pa.types.is_decimal(schema.field("duty_rate").type)
    assert pa.types.is_dictionary(schema.field("treatment_status").type)
    assert pa.types.is_dictionary(schema.field("duty_amount_citations").type)
    meta = {k.decode(): v.decode() for k, v in schema.metadata.items() if k.startswith(b"rules.")}
    assert meta["rules.content_hash"] == content_hash(loaded)
    assert meta["rules.act"] == "RAMSA" and meta["rules.entity"] == "ImportLine"
    assert dt.date.fromisoformat(meta["rules.as_of"])
    assert meta["rules.engine_version"].startswith("legal-rules ")
    assert "decimal128" in meta["rules.value_types"]
    rows = pq.read_table(out).to_pylist()
    amounts = [r["duty_amount"] for r in rows if r["duty_amount_status"] == "decided"]
    assert amounts and all(isinstance(a, Decimal) for a in amounts) and any(a > 0 for a in amounts)


def test_the_output_is_the_same_for_every_engine_and_chunk_size(sample, tmp_path):
    loaded = api.load(RAMSA)
    globals_path = os.path.join(BATCH, "globals.yaml")
    outputs = []
    for name, chunk_size, columnar in (("big", 1000, True), ("small", 17, True), ("rowwise", 64, False)):
        for suffix in ("parquet", "csv"):
            out = str(tmp_path / f"{name}.{suffix}")
            run_batch(loaded, sample, out, globals_path, chunk_size=chunk_size, columnar=columnar)
            outputs.append((suffix, out))
    parquet = [pq.read_table(out) for suffix, out in outputs if suffix == "parquet"]
    for other in parquet[1:]:
        assert other.schema == parquet[0].schema
        assert other.to_pylist() == parquet[0].to_pylist()
    csvs = [open(out, "rb").read() for suffix, out in outputs if suffix == "csv"]
    assert csvs[1] == csvs[0] and csvs[2] == csvs[0]


SHARES = """
act DEMO "Demonstration Act"

entity Item as item from items key id:
  id: text
  value: money
  share: rate

section 1 "SHARES":
  decision Item.part: money "the share of the value, unrounded" = item.value * item.share
"""


def test_unrounded_money_is_stored_with_every_decimal_place(tmp_path):
    loaded = ruleset(tmp_path, SHARES)
    assert loaded.ok
    rows = [{"id": "a", "value": "10.005", "share": "12.5%"}, {"id": "b", "value": "$1,000", "share": "0.5%"},
            {"id": "c", "value": "3"}]
    source = tmp_path / "items.jsonl"
    source.write_text("".join(__import__("json").dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = str(tmp_path / "out.parquet")
    run_batch(loaded, str(source), out, None)
    expected = {d.record.key: d.outcome.value for d in api.evaluate_data(loaded, {"items": rows}).decisions}
    table = pq.read_table(out)
    assert table.schema.field("part").type == pa.decimal128(7, 6)  # 1.250625 needs six places
    for row in table.to_pylist():
        assert row["part"] == expected[row["id"]] if row["part_status"] == "decided" else row["part"] is None


def test_the_summary_says_how_many_rows_were_decided_row_by_row_and_why(sample, tmp_path):
    loaded = api.load(RAMSA)
    with open(sample, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index('"entry_date"')] = ""  # a missing fact: undetermined, decided by the columnar engine
    odd = lines[2].split(",")
    odd[header.index('"customs_value"')] = "12.125"  # three decimal places: outside the vectorised form
    (tmp_path / "as_given.csv").write_text("\n".join(lines[:21]) + "\n", encoding="utf-8")
    (tmp_path / "in.csv").write_text("\n".join([lines[0], ",".join(cells), ",".join(odd)] + lines[3:21]) + "\n",
                                     encoding="utf-8")
    as_given = run_batch(loaded, str(tmp_path / "as_given.csv"), str(tmp_path / "as_given.parquet"),
                         os.path.join(BATCH, "globals.yaml"))
    summary = run_batch(loaded, str(tmp_path / "in.csv"), str(tmp_path / "out.parquet"),
                        os.path.join(BATCH, "globals.yaml"))
    assert not [why for why in summary.row_wise if "undetermined" in why]
    outside = [why for why in summary.row_wise if "outside the vectorised form" in why]
    assert len(outside) == 1
    assert summary.row_wise[outside[0]] == as_given.row_wise.get(outside[0], 0) + 1
    rowwise = run_batch(loaded, str(tmp_path / "in.csv"), str(tmp_path / "out2.parquet"),
                        os.path.join(BATCH, "globals.yaml"), columnar=False)
    assert rowwise.row_wise == {"the columnar engine is off": 20}
    # the undetermined row, its missing facts named, is the same from both engines
    assert pq.read_table(str(tmp_path / "out.parquet")).to_pylist() == \
        pq.read_table(str(tmp_path / "out2.parquet")).to_pylist()
    first = pq.read_table(str(tmp_path / "out.parquet")).to_pylist()[0]
    assert first["treatment_status"] == "undetermined" and ".entry_date" in first["treatment_missing"]
