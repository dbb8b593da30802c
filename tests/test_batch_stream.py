"""The batch output is written as the chunks are decided (interpreter/batch/output.py): a run killed in the
middle of writing a chunk resumes to exactly the output of an uninterrupted run, and a Parquet column whose
decimals widen in a later chunk gets the type the whole output needs."""
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from interpreter import api
from interpreter.batch.checkpoint import SimulatedCrash
from interpreter.batch.run import run_batch
from tests.helpers import ruleset
from tests.test_batch_output import SHARES, sample  # noqa: F401 - the fixture

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = os.path.join(ROOT, "rules", "ramsa", "examples", "batch")
GLOBALS = os.path.join(BATCH, "globals.yaml")


@pytest.fixture(scope="module")
def ramsa():
    return api.load(os.path.join(ROOT, "rules", "ramsa"))


@pytest.mark.parametrize("suffix", ["csv", "jsonl", "parquet"])
def test_a_run_killed_while_writing_a_chunk_resumes_to_the_uninterrupted_output(ramsa, sample, tmp_path, suffix):
    whole = str(tmp_path / f"whole.{suffix}")
    run_batch(ramsa, sample, whole, GLOBALS, chunk_size=50)
    out = str(tmp_path / f"out.{suffix}")
    with pytest.raises(SimulatedCrash):
        run_batch(ramsa, sample, out, GLOBALS, chunk_size=50, fail_after_chunks=3)
    building = os.path.join(out + ".partial", f"building.{suffix}")
    with open(os.path.join(out + ".partial", "manifest.json"), encoding="utf-8") as handle:
        done = json.load(handle)["done"]
    assert sorted(done) == ["0", "1", "2"]
    if suffix == "parquet":  # resumed from the typed parts; the file being built (no footer) is started again
        assert all(entry["part"] for entry in done.values())
    else:  # nothing kept but the output being built: the manifest says where each chunk ends in it
        assert [done[i]["end"] for i in ("0", "1", "2")] == sorted(done[i]["end"] for i in ("0", "1", "2"))
        assert os.path.getsize(building) == done["2"]["end"]
        assert not any(name.startswith("part-") for name in os.listdir(out + ".partial"))
    with open(building, "ab") as handle:  # the next chunk, half written when the process was killed
        handle.write(b"L99,half a row")
    summary = run_batch(ramsa, sample, out, GLOBALS, chunk_size=50, resume=True)
    assert summary.resumed_chunks == 3 and summary.rows == 240
    with open(whole, "rb") as a, open(out, "rb") as b:
        assert a.read() == b.read()
    assert not os.path.exists(out + ".partial")


def test_a_resume_whose_output_being_built_was_cut_short_decides_the_lost_chunks_again(ramsa, sample, tmp_path):
    whole = str(tmp_path / "whole.csv")
    run_batch(ramsa, sample, whole, GLOBALS, chunk_size=50)
    out = str(tmp_path / "out.csv")
    with pytest.raises(SimulatedCrash):
        run_batch(ramsa, sample, out, GLOBALS, chunk_size=50, fail_after_chunks=3)
    building = os.path.join(out + ".partial", "building.csv")
    with open(os.path.join(out + ".partial", "manifest.json"), encoding="utf-8") as handle:
        done = json.load(handle)["done"]
    with open(building, "r+b") as handle:  # the last chunk's rows lost (e.g. a disk that lied about fsync)
        handle.truncate(done["1"]["end"] + 5)
    summary = run_batch(ramsa, sample, out, GLOBALS, chunk_size=50, resume=True)
    assert summary.resumed_chunks == 2 and summary.rows == 240
    with open(whole, "rb") as a, open(out, "rb") as b:
        assert a.read() == b.read()


def test_a_later_chunk_with_more_decimal_places_widens_the_parquet_column(tmp_path):
    loaded = ruleset(tmp_path, SHARES)
    rows = [{"id": "a", "value": "10", "share": "50%"}, {"id": "b", "value": "3"},
            {"id": "c", "value": "10.005", "share": "12.5%"}, {"id": "d", "value": "99999.99", "share": "100%"}]
    source = tmp_path / "lines.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    one_chunk, chunk_by_chunk = str(tmp_path / "one.parquet"), str(tmp_path / "each.parquet")
    run_batch(loaded, str(source), one_chunk, None)
    run_batch(loaded, str(source), chunk_by_chunk, None, chunk_size=1)
    expected = pq.read_table(one_chunk)
    assert expected.schema.field("part").type == pa.decimal128(11, 6)  # 1.250625 and 99999.99
    widened = pq.read_table(chunk_by_chunk)
    assert widened.schema == expected.schema and widened.to_pylist() == expected.to_pylist()
    assert pq.ParquetFile(chunk_by_chunk).metadata.num_row_groups == 4
    assert not os.path.exists(chunk_by_chunk + ".partial")


def test_a_decimal_column_that_ends_up_as_text_keeps_each_value_as_decided(tmp_path):
    loaded = ruleset(tmp_path, """
act DEMO "Demonstration Act"

entity Pair as pair from pairs key id "two numbers":
  id: text "the key"
  a: integer "a numerator"
  b: integer "a denominator"

section 1 "RATIOS":
  decision Pair.ratio: decimal "a over b, exactly" = pair.a / pair.b
""")
    rows = [{"id": "p", "a": 2, "b": 2}, {"id": "q", "a": 9, "b": 10}, {"id": "r", "a": 1, "b": 3}]
    source = tmp_path / "pairs.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    outputs = []
    for chunk_size in (1000, 2):  # with 2, the first chunk alone would fit decimal128(2, 1): 1 -> 1.0
        out = str(tmp_path / f"{chunk_size}.parquet")
        run_batch(loaded, str(source), out, None, chunk_size=chunk_size)
        outputs.append(pq.read_table(out))
    assert outputs[0].schema.field("ratio").type == pa.large_string()  # 1/3 needs more than 38 digits
    assert outputs[1].schema == outputs[0].schema and outputs[1].to_pylist() == outputs[0].to_pylist()
    assert outputs[1].column("ratio").to_pylist()[:2] == ["1", "0.9"]
