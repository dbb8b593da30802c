"""The columnar engine (`engines/columnar.py`) writes the same output as the row-wise engine, byte for
byte, through `rules batch` (Parquet, CSV and JSONL, several chunk sizes): on the three Acts (the
shipped examples with fields dropped and values swapped between records) and on the semantics suite
(records generated from the declared field types). Undetermined rows, with their missing facts,
are decided by the columnar engine itself."""
import glob
import json
import os

import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from interpreter import api
from interpreter.batch.job import Job, facts_for
from interpreter.batch.run import run_batch
from interpreter.language.diagnostics import UserError
from tests.helpers import ruleset
from tests.test_engine_equivalence import SEMANTICS, generated_facts, mutated

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# Each Act example is itself a parameter (14 of them): fewer mutations each keep the suite's time down.
ACT_SETTINGS = settings(SETTINGS, max_examples=5)
ACTS = ("ramsa", "cmtsa", "secure")


def _outputs(loaded, data: dict, work, suffixes=("parquet",), chunk_sizes=(2, 1000)) -> int:
    """Run `rules batch` on each entity's records of `data` (the rest as the facts file) with and
    without the columnar engine; assert the outputs are identical. -> rows compared."""
    compared = 0
    for entity in loaded.ruleset.entities.values():
        records = data.get(entity.collection)
        if not isinstance(records, list) or not records:
            continue
        if not any(v.owner == entity.name for v in loaded.ruleset.decisions()):
            continue
        source = work / f"{entity.collection}.jsonl"
        source.write_text("".join(json.dumps(r, default=str) + "\n" for r in records), encoding="utf-8")
        facts = work / f"{entity.collection}-facts.yaml"
        facts.write_text(yaml.safe_dump({k: v for k, v in data.items() if k != entity.collection}), encoding="utf-8")
        for suffix in suffixes:
            runs = []
            for columnar, chunk_size in [(False, 1000), (True, 1000)] + [(True, size) for size in chunk_sizes]:
                out = work / f"{entity.collection}-{columnar}-{chunk_size}.{suffix}"
                try:
                    run_batch(loaded, str(source), str(out), str(facts), entity=entity.name,
                              chunk_size=chunk_size, columnar=columnar)
                except UserError as refused:
                    runs.append(("refused", str(refused)))
                    continue
                runs.append(("written", out))
            assert all(kind == runs[0][0] for kind, _ in runs), (entity.name, suffix)
            if runs[0][0] == "refused":
                assert all(run == runs[0] for run in runs), entity.name
                continue
            # the same chunks: the same bytes; other chunk sizes: the same rows (Parquet's
            # dictionary pages follow the chunks)
            assert runs[1][1].read_bytes() == runs[0][1].read_bytes(), (entity.name, suffix)
            for _, out in runs[2:]:
                assert _content(out, suffix) == _content(runs[0][1], suffix), (entity.name, suffix, out.name)
            compared += len(records)
    return compared


def _content(path, suffix):
    if suffix == "parquet":
        table = pq.read_table(path)
        return table.schema, table.to_pylist()
    return path.read_bytes()


def _act_cases():
    for act in ACTS:
        for path in sorted(glob.glob(os.path.join(ROOT, "rules", act, "examples", "*.yaml"))):
            yield act, os.path.basename(path)


@pytest.fixture(scope="module")
def acts():
    return {act: api.load(os.path.join(ROOT, "rules", act)) for act in ACTS}


@pytest.mark.parametrize("act, example", list(_act_cases()))
def test_the_columnar_engine_writes_what_the_row_wise_engine_writes_on_the_acts(acts, act, example, tmp_path):
    loaded = acts[act]
    with open(os.path.join(ROOT, "rules", act, "examples", example), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    collections = {e.collection: e.key for e in loaded.ruleset.entities.values()}
    _outputs(loaded, data, tmp_path, suffixes=("parquet", "csv", "jsonl"))

    @ACT_SETTINGS
    @given(mutated(data, collections))
    def check(generated):
        _outputs(loaded, generated, tmp_path)
    check()


@pytest.mark.parametrize("name", sorted(SEMANTICS))
def test_the_columnar_engine_writes_what_the_row_wise_engine_writes_on_the_semantics_suite(tmp_path, name):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "codes.csv").write_text("code,rate\nA,25%\nB,7.5%\n", encoding="utf-8")
    loaded = ruleset(tmp_path, SEMANTICS[name])
    assert loaded.ok, [d.message for d in loaded.diagnostics]
    work = tmp_path / "work"
    work.mkdir()

    @SETTINGS
    @given(generated_facts(loaded))
    def check(data):
        _outputs(loaded, data, work)
    check()
def test_the_columnar_engine_covers_every_entity_of_the_acts(acts):
    for loaded in acts.values():
        for entity in loaded.ruleset.entities.values():
            if not any(v.owner == entity.name for v in loaded.ruleset.decisions()):
                continue
            job = Job(loaded, facts_for(loaded, None), entity)
            assert job.columnar.unsupported is None, (entity.name, job.columnar.unsupported)


SETS = """
act DEMO "Demonstration Act"

entity Deal as deal from deals key id:
  id: text
  covered: set of text
  share: integer
  period: duration
  start: date

section 1 "SETS":
  decision Deal.not_covered: set of text "listed items the deal does not cover"
    = {"rare", "rare earth", "a\\"b", "back\\\\slash", "zinc"} - deal.covered
  decision Deal.count_covered: integer "listed items covered"
    = count item in {"rare", "rare earth", "zinc"} where item in deal.covered
  decision Deal.ratio: decimal "a share, exact" = deal.share / 7
  decision Deal.ends: date "the end" = deal.start + deal.period
  decision Deal.short: boolean "short" = deal.period <= 1 year
"""


def test_sets_division_and_durations_are_vectorised_and_written_as_the_row_wise_engine_writes_them(tmp_path):
    loaded = ruleset(tmp_path, SETS)
    assert loaded.ok, [d.message for d in loaded.diagnostics]
    job = Job(loaded, facts_for(loaded, None), loaded.ruleset.entities["Deal"])
    assert job.columnar.unsupported is None and not job.columnar.row_wise_constructs
    deals = [{"id": "d1", "covered": ["rare earth", "zinc"], "share": 3, "period": "12 months", "start": "2024-01-31"},
             {"id": "d2", "covered": ["rare"], "share": 14, "period": "30 days", "start": "2024-02-29"},
             {"id": "d3", "covered": [], "share": -1, "period": "2 years", "start": "2024-02-29"},
             {"id": "d4", "share": 0}]
    work = tmp_path / "work"
    work.mkdir()
    assert _outputs(loaded, {"deals": deals}, work, suffixes=("csv", "jsonl", "parquet")) == 3 * len(deals)
    # a set whose JSON text needs escapes (the quote, the backslash) is written row by row; the rest,
    # the unknown `covered` of d4 included, is decided by polars
    summary = run_batch(loaded, str(work / "deals.jsonl"), str(work / "again.csv"), entity="Deal")
    assert sum(summary.row_wise.values()) == 3


@pytest.mark.parametrize("shape", ["if", "plus", "or"])
def test_deeply_nested_expressions_stay_linear_and_decide_as_the_row_wise_engine(tmp_path, shape):
    # Each level reads its operand more than once (a value and its overflow or fallback check, an
    # `if`'s branches): without a column every few levels, 12 nested `if`s took 73 s and 60 never ended.
    expression = "good.n" if shape != "or" else "good.flag"
    for level in range(60 if shape != "plus" else 300):
        expression = {"if": f"(if good.flag then {expression} else {level})",
                      "plus": f"({expression} + 1)",
                      "or": f"(({expression} and good.other) or not good.flag)"}[shape]
    kind = "boolean" if shape == "or" else "integer"
    loaded = ruleset(tmp_path, f'''act DEMO "Demonstration Act"

entity Good as good from goods key id:
  id: text
  n: integer
  flag: boolean
  other: boolean

section 1 "ONE":
  decision Good.score: {kind} "score" = {expression}
''')
    goods = [{"id": "a", "n": 1, "flag": True}, {"id": "b", "n": 2, "flag": False, "other": True}, {"id": "c"},
             {"id": "d", "n": 5, "flag": True, "other": False}]
    assert _outputs(loaded, {"goods": goods}, tmp_path, suffixes=("jsonl",)) == len(goods)
