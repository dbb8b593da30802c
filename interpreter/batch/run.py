"""Batch: records of one entity in a JSONL, CSV or Parquet file -> one output row per record.

    summary = run_batch(loaded, "lines.parquet", "decided.parquet", facts_path="globals.yaml")

input: a loaded rule set, an input file of records of one entity (ImportLine), the shared facts
(GLOBALS: `as_of`, facts, and the records of the other entities, e.g. `countries`); output: a
file in the format of its extension with, per input row, `row` (0-based index), the entity key,
and for each decision of the entity `<d>` (value: exact strings for money, rates and dates as
in `report.json_value`), `<d>_status`, `<d>_citations` ("; "-joined), `<d>_missing`
("; "-joined fact paths), then `error` (the reason for a bad row, or the messages of decisions
in error or conflict) and, with `explain=True`, `explanation` (JSON text).

Guarantees:
- rows out = rows in, checked before the output is published; a row with bad data (a value
  of the wrong type, an unknown field, a line that is not JSON) becomes an error row whose
  `error` names the fact path (`imports[17].entry_date: expected a date ...`);
- memory stays flat: the input is read `chunk_size` rows at a time and every decided chunk
  is written straight into the output being built in `OUTPUT.partial/` (`output.OutputBuilder`:
  appended CSV/JSONL, a Parquet row group), with a manifest of completed chunks; the output is
  published with `os.replace` when rows out = rows in, so it is either absent or complete;
- an interrupted run (crash, Ctrl-C) resumes with `resume=True` from the manifest: completed
  chunks are kept, the others are evaluated again, so no row is lost or duplicated; a manifest
  whose rule set, facts, input or options differ is refused;
- the decisions are made by the generated row-wise program (`generated`), vectorised over columns where
  the rule set allows it (`columnar`), with rows whose facts are missing or unusual decided
  row by row; `engine="dask"` runs the same chunk evaluation as tasks on a Dask cluster and
  gives identical output;
- deterministic: the same inputs give byte-identical output, whatever the engine.
"""
from __future__ import annotations

import os
import time

import attrs

from interpreter.batch import typed
from interpreter.batch.checkpoint import BatchIntegrityError, Checkpoint, SimulatedCrash, fingerprint, first_problems
from interpreter.batch.job import Job, choose_entity, chunk_stats, facts_for
from interpreter.batch.output import OutputBuilder
from interpreter.batch.readers import count_parquet_rows, format_of, open_parquet, parquet_files, read_chunks, refuse
from interpreter.evaluation.datafile import json_loads
from interpreter.evaluation.unique_keys import DuplicateKey
from interpreter.language.diagnostics import UserError
from interpreter.language.pipeline import Loaded

DEFAULT_CHUNK_SIZE = 1 << 18


@attrs.frozen
class BatchSummary:
    rows: int
    bad_rows: int
    chunks: int
    resumed_chunks: int
    statuses: dict  # decision name -> {status: count}
    problems: tuple  # the first few row problems, for the user
    output: str
    engine: str
    seconds: float
    shared_missing: dict = attrs.field(factory=dict)  # a global fact or other collection the rows needed -> rows
    row_wise: dict = attrs.field(factory=dict)  # why rows were decided row by row, not vectorised -> rows
    cases: int | None = None  # distinct cases (rows that agree on every input of the decisions), summed over chunks
    case_sample: tuple | None = None  # (rows, cases) sampled, where the rows were too nearly all distinct to count

    @property
    def failed(self) -> bool:
        return self.bad_rows > 0 or any(s in counts for counts in self.statuses.values() for s in ("error", "conflict"))


# Test hook: raise after this many chunks were completed in this run (simulates a crash).
_FAIL_AFTER_ENV = "RULES_BATCH_FAIL_AFTER_CHUNKS"


def run_batch(loaded: Loaded, input_path: str, output_path: str, facts_path: str | None = None,
              entity: str | None = None, explain: bool = False, resume: bool = False, engine: str = "local",
              scheduler: str | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE, progress=None,
              columnar: bool = True, fail_after_chunks: int | None = None,
              group_cases: bool | None = None) -> BatchSummary:
    """Evaluate every record of INPUT; write OUTPUT atomically. `progress(done_rows, total_rows|None)`.
    `group_cases`: decide each distinct case once where cases are many fewer than rows (None), always
    (True) or never (False); the output is the same."""
    began = time.perf_counter()
    if not loaded.ok:
        raise UserError([d for d in loaded.diagnostics if d.is_error])
    if chunk_size < 1:
        refuse("E610", f"--chunk-size must be at least 1, not {chunk_size}")
    if not os.path.exists(input_path):
        refuse("E605", f"no input file at {input_path}")
    in_format = format_of(input_path, "input")
    out_format = format_of(output_path, "output")
    if os.path.abspath(output_path) == os.path.abspath(input_path):
        refuse("E611", "the output would overwrite the input")
    if engine == "dask" and in_format != "parquet":
        refuse("E612", f"--engine dask reads partitioned Parquet; {input_path} is {in_format.upper()}",
              suggestions=("convert the input to Parquet, or use --engine local",))
    facts = facts_for(loaded, facts_path)
    job_entity = choose_entity(loaded.ruleset, facts, entity, _input_columns(input_path, in_format))
    job = Job(loaded, facts, job_entity, explain, columnar, group_cases)
    if fail_after_chunks is None and os.environ.get(_FAIL_AFTER_ENV):
        fail_after_chunks = int(os.environ[_FAIL_AFTER_ENV])
    identity = fingerprint(loaded, facts_path, input_path, job_entity.name, explain, chunk_size, out_format)
    checkpoint = Checkpoint(output_path, identity)
    resumed = checkpoint.open(resume)
    builder = OutputBuilder(checkpoint, out_format, job.output_schema(), typed.decimal_columns(job),
                            lambda chosen: typed.metadata_of(loaded, job, chosen))
    try:
        builder.open()
        if engine == "dask":
            from interpreter.batch.dask_run import run_dask

            total = run_dask(job, loaded, facts_path, input_path, checkpoint, chunk_size, scheduler, progress,
                             fail_after_chunks)
            for index in sorted(checkpoint.done):
                if index >= builder.next:
                    checkpoint.note(index, **builder.add(index))
        else:
            total = _run_local(job, input_path, in_format, checkpoint, builder, chunk_size, progress, fail_after_chunks)
        written = builder.publish(output_path, total)
    finally:
        builder.close()
    entries = [checkpoint.done[index] for index in sorted(checkpoint.done)]
    problems = [problem for entry in entries for problem in entry.get("problems", ())]
    statuses, bad = _tally(entries, job)
    shared, row_wise = _sum_counts(entries, "shared_missing"), _sum_counts(entries, "row_wise")
    cases = _cases(entries)
    checkpoint.remove()
    return BatchSummary(written, bad, len(checkpoint.done), resumed, statuses, tuple(problems[:5]), output_path,
                        engine, time.perf_counter() - began, shared, row_wise, *cases)


def _input_columns(path: str, fmt: str):
    if fmt == "parquet":
        files = parquet_files(path)
        return open_parquet(files[0]).schema_arrow.names if files else None
    if fmt == "csv":
        import csv

        with open(path, newline="", encoding="utf-8-sig") as handle:
            try:
                return next(csv.reader(handle), None)
            except (csv.Error, UnicodeDecodeError):
                return None
    try:
        with open(path, encoding="utf-8") as handle:
            for text in handle:
                if text.strip():
                    first = json_loads(text)
                    return list(first) if isinstance(first, dict) else None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError, DuplicateKey):
        return None  # the reader reports the line itself, as an error row
    return None


def _run_local(job: Job, input_path, in_format, checkpoint: Checkpoint, builder: OutputBuilder, chunk_size,
               progress, fail_after) -> int:
    """Decide the chunks not completed yet, writing every chunk to the output in order; -> rows in."""
    total, completed = 0, 0
    if progress:
        progress(0, count_parquet_rows(input_path) if in_format == "parquet" else None)
    for raw in read_chunks(input_path, in_format, job.entity, chunk_size, skip=frozenset(checkpoint.done)):
        if raw.rows < 0:  # completed in an earlier run
            total += checkpoint.done[raw.index]["rows"]
            if raw.index >= builder.next:  # kept as a part, not yet in the output being built
                checkpoint.note(raw.index, **builder.add(raw.index))
        else:
            table, bad = job.evaluate(raw)
            if table.num_rows != raw.rows:
                raise BatchIntegrityError(f"chunk {raw.index}: {raw.rows} rows in, {table.num_rows} out")
            stats = chunk_stats(job, table, bad)
            stats["problems"] = first_problems(table, stats)
            stats["cases"], stats["case_sample"] = job.cases, job.case_sample
            checkpoint.complete(raw.index, raw.start, raw.rows, {**stats, **builder.add(raw.index, table)})
            total += raw.rows
            completed += 1
            if fail_after is not None and completed >= fail_after:
                raise SimulatedCrash(f"simulated crash after {completed} chunks")
        if progress:
            progress(total, None)
    return total


def _cases(entries: list) -> tuple:
    """-> (distinct cases over every chunk, or None if a chunk was not counted; (rows, cases) sampled)."""
    counted = [entry.get("cases") for entry in entries]
    samples = [entry["case_sample"] for entry in entries if entry.get("case_sample")]
    sample = (sum(s[0] for s in samples), sum(s[1] for s in samples)) if samples else None
    return (sum(counted) if counted and None not in counted else None), sample


def _sum_counts(entries: list, name: str) -> dict:
    found: dict = {}
    for entry in entries:
        for key, rows in entry.get(name, {}).items():
            found[key] = found.get(key, 0) + rows
    return dict(sorted(found.items()))


def _tally(entries: list, job: Job):
    statuses: dict = {v.name: {} for v in job.decisions}
    bad = 0
    for entry in entries:
        bad += entry["bad"]
        for name, counts in entry["statuses"].items():
            for status, count in counts.items():
                statuses[name][status] = statuses[name].get(status, 0) + count
    return {k: dict(sorted(v.items())) for k, v in statuses.items()}, bad
