"""Hostile input (issue 9, items 6 and 7): answered with a located diagnostic, never a crash or a hang.

The golden cases tests/cases/hostile_* show the messages; these tests cover what a golden case cannot
hold (inputs of megabytes, generated on the spot; batch output files) and the parsers' properties.
"""
import json
import os
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings, strategies as st

from interpreter import api
from interpreter.api import UserError
from interpreter.batch.run import run_batch
from interpreter.language.limits import MAX_RULESET_TOKENS
from interpreter.language.scalars import MONEY_PATTERN, convert_scalar, parse_money
from interpreter.language import types as T

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAMSA = os.path.join(ROOT, "rules", "ramsa")
HEAD = 'act DEMO "Demonstration Act"\n\nfact n: integer "a number"\nfact amount: money "an amount"\n\n'


@pytest.fixture(scope="module")
def ramsa():
    return api.load(RAMSA)


def _rule_set(tmp_path, body: str, name: str = "rules"):
    directory = tmp_path / name
    directory.mkdir()
    (directory / "act.rules").write_text(HEAD + body, encoding="utf-8")
    return str(directory)


def _codes(error: UserError) -> list[str]:
    return [d.code for d in error.diagnostics]


# ---------------------------------------------------------------- numbers and money

@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from([" ", "\t", "-", "$", "USD", "U", "1", "0", "9", ",", ".", "x"]), max_size=10).map("".join))
def test_the_money_scanner_reads_exactly_what_its_pattern_describes(text):
    match = re.match(MONEY_PATTERN, text)
    expected = None
    if match:
        sign = "-" if match.group(1) or match.group(2) else ""
        expected = sign + match.group(3).replace(",", "") + (f".{match.group(4)}" if match.group(4) else "")
    assert parse_money(text) == expected


@pytest.mark.parametrize("text", [" " * 100_000 + "x", "1" + " " * 100_000 + "x", "-" + " " * 100_000 + "1x",
                                  "$" + "," * 100_000 + "x"])
def test_money_that_is_not_money_is_refused_and_not_echoed_whole(text):
    value, problem = convert_scalar(text, T.MONEY, None)
    assert value is None and "characters)" in problem and len(problem) < 200


@pytest.mark.parametrize("raw, kind, fragment", [
    ("9" * 31, T.INTEGER, "31 digits"), ("1." + "0" * 31, T.DECIMAL, "31 digits after the point"),
    ("NaN", T.DECIMAL, "expected a number"), ("Infinity", T.MONEY, "expected an amount"),
    ("1e999999", T.DECIMAL, "10^999,999"), ("9" * 5001 + "%", T.RATE, "expected a percentage"),
    ("99999999999999999999999999999999 days", T.DURATION, "32 digits"), (float("nan"), T.MONEY, "not a number"),
])
def test_numbers_past_the_limits_are_refused_with_a_reason(raw, kind, fragment):
    value, problem = convert_scalar(raw, kind, None)
    assert value is None and fragment in problem


def test_arithmetic_past_10_to_the_30_is_an_error_outcome_not_a_runaway(tmp_path):
    body = ('section 1 "ONE":\n  decision square: integer "n squared" = n * n\n'
            '  decision rounded: money "rounded" = round_half_up(amount, 500)\n'
            '  decision scaled: money "scaled" = amount * 1000000000000000000000000\n')
    loaded = api.load(_rule_set(tmp_path, body))
    assert loaded.ok, loaded.diagnostics
    result = api.evaluate_data(loaded, {"n": 10 ** 20, "amount": "$1000000000.00"})
    outcomes = {d.target: d.outcome for d in result.decisions}
    assert outcomes["square"].status == "error" and "out of range" in outcomes["square"].message
    assert outcomes["rounded"].status == "error" and "500 decimal places" in outcomes["rounded"].message
    assert outcomes["scaled"].status == "error"
    small = {d.target: d.outcome for d in api.evaluate_data(loaded, {"n": 10 ** 14, "amount": "$1.00"}).decisions}
    assert small["square"].value == 10 ** 28 and small["scaled"].status == "decided"


# ---------------------------------------------------------------- sizes

def test_a_50_mb_fact_file_is_refused_before_it_is_read(ramsa, tmp_path):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as handle:
        handle.write(b"as_of: 2026-09-01\nimports:\n")
        handle.truncate(50 * 1024 * 1024)
    with pytest.raises(UserError) as refused:
        api.evaluate(ramsa, str(path))
    assert _codes(refused.value) == ["E401"] and "rules batch" in refused.value.diagnostics[0].message


@pytest.mark.parametrize("kind", ["device", "pipe", "folder", "missing"])
def test_a_fact_file_that_is_not_a_regular_file_is_refused_unread_and_named_for_what_it_is(ramsa, tmp_path, kind):
    expected = {"device": "is not a regular file", "pipe": "is not a regular file", "folder": "is a folder",
                "missing": "no fact file at"}[kind]
    path = {"device": "/dev/zero", "folder": str(tmp_path), "missing": str(tmp_path / "absent.yaml")}.get(kind)
    if kind == "pipe":
        path = str(tmp_path / "facts.yaml")
        os.mkfifo(path)  # nobody writes to it: reading it would wait for ever
    with pytest.raises(UserError) as refused:
        api.evaluate(ramsa, path)
    assert _codes(refused.value) == ["E400"] and expected in refused.value.diagnostics[0].message


def test_a_rule_set_with_a_200000_element_set_literal_is_refused_before_parsing(tmp_path):
    items = ", ".join(f'"c{i}"' for i in range(200_000))
    loaded = api.load(_rule_set(tmp_path, f'section 1 "ONE":\n  decision listed: boolean "listed" = "x" in {{{items}}}\n'))
    assert not loaded.ok and loaded.stages == ("read",)
    assert [d.code for d in loaded.diagnostics] == ["E005"]
    assert f"{MAX_RULESET_TOKENS:,}" in loaded.diagnostics[0].message


@pytest.mark.parametrize("text, code", [
    ("a: &a [*a]\n", "E402"),  # an alias that contains itself has no end
    ("\n".join(["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
               + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]) + "\n", "E408"),
    ("enactment_date: 2025-12-18\nenactment_date: 2025-12-19\n", "E405"),
])
def test_yaml_structures_that_would_blow_up_are_refused(ramsa, tmp_path, text, code):
    path = tmp_path / "facts.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as refused:
        api.evaluate(ramsa, str(path))
    assert _codes(refused.value) == [code]


def test_a_table_field_over_131072_characters_is_a_located_error(tmp_path):
    directory = _rule_set(tmp_path, 'table t "t" from "data/t.csv" key code:\n  code: text\n  name: text\n\n'
                                    'section 1 "ONE":\n  decision listed: boolean "listed" = "AB" in t\n')
    os.mkdir(os.path.join(directory, "data"))
    with open(os.path.join(directory, "data", "t.csv"), "w", encoding="utf-8") as handle:
        handle.write("code,name\nAB," + "x" * 140_000 + "\n")
    loaded = api.load(directory)
    [problem] = loaded.diagnostics
    assert problem.code == "E263" and "131072" in problem.message and problem.span.line == 6
    assert "xxxx" not in problem.message


# ---------------------------------------------------------------- batch rows

HOSTILE_ROWS = [
    b'{"id": "M", "customs_value": 1e999999}',
    b'{"id": "\xff\xfe"}',
    b'{"id": "D", "customs_value": ' + b"9" * 5001 + b"}",
    b'{"id": "A", "customs_value": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"id": "N", "customs_value": NaN}',
    b'{"id": "S", "customs_value": "1' + b" " * 5000 + b'x"}',
    b'{"id": "K", "id": "K2"}',
]


def test_each_hostile_jsonl_row_becomes_an_error_row_and_the_others_are_decided(ramsa, tmp_path):
    good = json.dumps({"id": "G", "hts": "2805.30.00", "form": "processed", "customs_value": "$100.00",
                       "entry_date": "2026-08-03", "origin_country": "AUS"}).encode()
    path = tmp_path / "lines.jsonl"
    path.write_bytes(b"\n".join([good] + HOSTILE_ROWS + [good]) + b"\n")
    out = str(tmp_path / "out.jsonl")
    summary = run_batch(ramsa, str(path), out, entity="imports", chunk_size=3)
    rows = [json.loads(line) for line in open(out, encoding="utf-8")]
    assert summary.rows == len(rows) == len(HOSTILE_ROWS) + 2 and summary.bad_rows == len(HOSTILE_ROWS)
    assert rows[0]["error"] is None and rows[-1]["error"] is None
    errors = [row["error"] for row in rows[1:-1]]
    for index, error in enumerate(errors, start=1):
        assert error.startswith(f"imports[{index}]"), error
    assert "10^999,999" in errors[0] and "not UTF-8" in errors[1] and "5,001 digits" in errors[2]
    assert "nested more than 64" in errors[3] and "NaN" in errors[4] and "characters)" in errors[5]
    assert "appears twice" in errors[6]
    assert "NaN" not in json.dumps([row.get("duty_amount") for row in rows])


def test_nan_and_infinity_in_a_parquet_input_are_error_rows(ramsa, tmp_path):
    path = str(tmp_path / "lines.parquet")
    pq.write_table(pa.table({"id": ["A", "B", "C"], "customs_value": [100.0, float("nan"), float("inf")]}), path)
    out = str(tmp_path / "out.jsonl")
    summary = run_batch(ramsa, path, out, entity="imports")
    rows = [json.loads(line) for line in open(out, encoding="utf-8")]
    assert summary.bad_rows == 2 and rows[0]["error"] is None
    assert all("is not a number a fact may hold" in row["error"] for row in rows[1:])


def test_a_batch_output_directory_is_removed_only_when_the_run_made_it(ramsa, tmp_path):
    path = tmp_path / "lines.jsonl"
    path.write_text('{"id": "L1"}\n', encoding="utf-8")
    out = str(tmp_path / "out.jsonl")
    os.mkdir(out + ".partial")
    (tmp_path / "out.jsonl.partial" / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UserError) as refused:
        run_batch(ramsa, str(path), out, entity="imports")
    assert _codes(refused.value) == ["E614"]
    assert (tmp_path / "out.jsonl.partial" / "keep.txt").read_text(encoding="utf-8") == "mine"
    other = str(tmp_path / "other.jsonl")
    run_batch(ramsa, str(path), other, entity="imports")
    assert os.path.isfile(other) and not os.path.exists(other + ".partial")


# ---------------------------------------------------------------- confinement

def test_a_rule_set_reached_through_a_symbolic_link_still_reads_its_own_tables(tmp_path):
    real = os.path.join(ROOT, "rules", "ramsa")
    link = tmp_path / "ramsa-link"
    os.symlink(real, link)
    assert api.load(str(link)).ok


def test_refused_files_are_never_quoted(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("code,name\nTOKEN=hunter2,x\n", encoding="utf-8")
    directory = _rule_set(tmp_path, f'table t "t" from "{secret}" key code:\n  code: text\n  name: text\n\n'
                                    'section 1 "ONE":\n  decision listed: boolean "listed" = "AB" in t\n')
    os.symlink(secret, os.path.join(directory, "leak.rules"))
    loaded = api.load(directory)
    text = json.dumps(api.report.diagnostics_json(loaded.diagnostics))
    assert "E004" in text and "hunter2" not in text
    os.remove(os.path.join(directory, "leak.rules"))
    loaded = api.load(directory)
    text = json.dumps(api.report.diagnostics_json(loaded.diagnostics))
    assert [d.code for d in loaded.diagnostics] == ["E264"] and "hunter2" not in text


def test_integers_past_int64_in_a_jsonl_input_are_decided_row_by_row(ramsa, tmp_path):
    """Found by benchmarks/fuzz.py: a JSON integer column of 20-30 digits is Int128 in polars."""
    path = tmp_path / "lines.jsonl"
    path.write_text('{"id": "A", "customs_value": -9999999999999999999999999999999}\n'
                    '{"id": "B", "customs_value": 99999999999999999999999999}\n{"id": "C", "customs_value": 5}\n',
                    encoding="utf-8")
    out = str(tmp_path / "out.jsonl")
    summary = run_batch(ramsa, str(path), out, entity="imports")
    rows = [json.loads(line) for line in open(out, encoding="utf-8")]
    assert summary.bad_rows == 1 and "smaller than 10^30" in rows[0]["error"]
    assert rows[1]["error"] is None and rows[2]["error"] is None
