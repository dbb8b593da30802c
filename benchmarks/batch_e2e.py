"""`rules batch` end to end: against hand-written polars, where its time goes, and deciding each distinct case once.

    python benchmarks/batch_e2e.py [--size 1000000] [--workdir DIR]

Prints, measured in one run on the RAMSA import-line workload (benchmarks/generate.py, seed 7):
- `rules batch` Parquet -> Parquet in a new process (wall, lines/s, peak RSS) and the hand-written
  polars code end to end (read Parquet, decide, write Parquet; benchmarks/baselines.py): the ratio;
- the same run in this process, phase by phase (start: the job and its compiled engines; reading;
  distinct cases; deciding; statistics; writing), so what stands between the two shows;
- a repetitive workload: the generated lines drawn from REPEATED distinct lines, each copy with its
  own key and an entry date anywhere in 2026, decided with and without deciding each distinct case
  once (`run_batch(group_cases=...)`), with the distinct cases and whether the outputs are identical.
The generated workload itself has as many cases as lines (each line has its own customs value,
which the duty amount reads), so there deciding by case is off and costs only its sample.
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT, HERE]
RAMSA = os.path.join(ROOT, "rules", "ramsa")
REPEATED = 2_000


def instrumented(phases: collections.Counter):
    """Wrap the batch stages with timers (this process only)."""
    import interpreter.batch.cases as cases
    import interpreter.batch.job as job
    import interpreter.batch.output as output
    import interpreter.batch.run as run

    def timed(owner, name, label):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                phases[label] += time.perf_counter() - began
        setattr(owner, name, wrapper)

    def timed_chunks(*args, **kwargs):
        chunks = reader(*args, **kwargs)
        while True:
            began = time.perf_counter()
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            finally:
                phases["read"] += time.perf_counter() - began
            yield chunk
    reader = run.read_chunks
    run.read_chunks = timed_chunks
    timed(job.Job, "__init__", "start (job, engines)")
    timed(cases, "group", "distinct cases")
    timed(job.Job, "decide", "decide")
    timed(run, "chunk_stats", "statistics")
    timed(output.OutputBuilder, "add", "write")


def repetitive(source: str, path: str, size: int, seed: int = 11) -> None:
    """`size` lines drawn from the first REPEATED lines of `source`, each with its own key and entry date."""
    import random

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(source).slice(0, REPEATED)
    rng = random.Random(seed)
    picks = pa.array([rng.randrange(REPEATED) for _ in range(size)])
    out = table.take(picks)
    first = dt.date(2026, 1, 1)
    out = out.set_column(out.schema.get_field_index("id"), "id", pa.array([f"R{i}" for i in range(size)]))
    out = out.set_column(out.schema.get_field_index("entry_date"), "entry_date",
                         pa.array([first + dt.timedelta(days=rng.randrange(365)) for _ in range(size)], pa.date32()))
    pq.write_table(out, path, row_group_size=1 << 17)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="rules-batch-e2e-")
    os.makedirs(work, exist_ok=True)

    import generate
    from run import run_child

    n = args.size
    globals_path = os.path.join(work, "globals.yaml")
    generate.write_globals(globals_path)
    lines = os.path.join(work, f"lines-{n}.parquet")
    if not os.path.exists(lines):
        generate.write_parquet(n, lines, 7)

    # ------------------------------------------------------------ end to end, new process, and polars
    output = os.path.join(work, "decided.parquet")
    seconds, rss, code = run_child([sys.executable, "-m", "cli.main", "batch", RAMSA, lines, "--facts", globals_path,
                                    "-o", output])
    import polars as pl

    import baselines
    from interpreter import api

    loaded = api.load(RAMSA)
    reference = baselines.Reference(baselines.members_in_force(loaded, globals_path))

    def polars_end_to_end():
        source = pl.read_parquet(lines).with_columns(
            (pl.col("customs_value").cast(pl.Float64) * 100).round(0).cast(pl.Int64).alias("customs_cents"))
        baselines.polars_frame(source, reference).write_parquet(os.path.join(work, "polars.parquet"))
    began = time.perf_counter()
    polars_end_to_end()
    polars_seconds = time.perf_counter() - began
    print(f"rules batch {n:,} lines end to end (new process, Parquet -> Parquet): {seconds:.2f} s = "
          f"{n / seconds:,.0f} lines/s, peak RSS {rss / 2 ** 20:,.0f} MiB (exit {code})")
    print(f"hand-written polars end to end: {polars_seconds:.2f} s = {n / polars_seconds:,.0f} lines/s")
    print(f"  ratio: rules batch / polars = {polars_seconds / seconds:.2f}x (target >= 0.5x)")

    # ------------------------------------------------------------ where the time goes (this process)
    from interpreter.batch.run import run_batch

    phases: collections.Counter = collections.Counter()
    instrumented(phases)
    began = time.perf_counter()
    summary = run_batch(loaded, lines, os.path.join(work, "decided-in-process.parquet"), globals_path)
    total = time.perf_counter() - began
    shown = ", ".join(f"{name} {s:.2f} s" for name, s in phases.most_common())
    print(f"in process: {total:.2f} s: {shown}; other {total - sum(phases.values()):.2f} s "
          f"(distinct cases: {summary.cases if summary.cases is not None else 'not counted'})")

    # ------------------------------------------------------------ deciding each distinct case once
    drawn = os.path.join(work, f"repetitive-{n}.parquet")
    repetitive(lines, drawn, n)
    timings = {}
    for group in (False, None):
        out = os.path.join(work, f"repetitive-{group}.parquet")
        began = time.perf_counter()
        result = run_batch(loaded, drawn, out, globals_path, group_cases=group)
        timings[group] = (time.perf_counter() - began, result.cases, out)
    every, grouped = timings[False], timings[None]
    same = open(every[2], "rb").read() == open(grouped[2], "rb").read()
    print(f"repetitive workload ({n:,} lines drawn from {REPEATED:,}, entry dates over 2026): every row decided "
          f"{every[0]:.2f} s; each distinct case once {grouped[0]:.2f} s ({grouped[1]:,} cases) = "
          f"{every[0] / grouped[0]:.1f}x; outputs identical: {same}")


if __name__ == "__main__":
    main()
