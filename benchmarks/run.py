"""Benchmarks for `rules batch` and the interpreter, measured in one run; prints figures and ratios.

    python benchmarks/run.py                      # 1M lines (about a minute)
    python benchmarks/run.py --sizes 1000000,10000000   # adds peak memory at 10M (several minutes)

Measures (see docs/performance.md for the figures and the targets):
- `rules batch` lines/s at the first size, end to end (a new process, Parquet in, Parquet out)
  and engine-only (chunks already read, columnar engine and, on a sample, the generated row-wise engine);
- the same decision hand-written (benchmarks/baselines.py) as a plain-Python loop and as polars
  expressions, engine-only and end to end, checked to give the same answers as `rules batch`;
- per-decision latency through the public API (evaluate one line; and with its explanation), and
  stage by stage (benchmarks/latency.py: bind, decide, explanation tree, explanation JSON);
- load + check of the RAMSA rule set, cold (a new process) and cached (again in one process);
- peak memory (maximum RSS) of the `rules batch` process at every size;
- optionally (--dask) `rules batch --engine dask` on a LocalCluster.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT, HERE]
RAMSA = os.path.join(ROOT, "rules", "ramsa")


def run_child(args: list[str]) -> tuple[float, int, int]:
    """Run a command; -> (wall seconds, peak RSS in bytes, exit code)."""
    began = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 4):
        raise SystemExit(f"{' '.join(args)} failed ({process.returncode}): {process.stderr.read().decode()}")
    return seconds, usage.ru_maxrss * 1024, process.returncode


def best_of(repeat: int, function) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
    return min(times)


def median_us(count: int, function) -> float:
    times = []
    for _ in range(count):
        began = time.perf_counter_ns()
        function()
        times.append((time.perf_counter_ns() - began) / 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000", help="comma-separated line counts (first: throughput)")
    parser.add_argument("--workdir", default=None, help="where inputs and outputs go (default: a temp dir)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N for in-process timings")
    parser.add_argument("--dask", action="store_true", help="also time --engine dask on a LocalCluster")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeline-size", type=int, default=50_000, help="countries in the second workload")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    work = args.workdir or tempfile.mkdtemp(prefix="rules-bench-")
    os.makedirs(work, exist_ok=True)

    import generate

    figures: dict[str, object] = {}
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    globals_path = os.path.join(work, "globals.yaml")
    generate.write_globals(globals_path)
    inputs = {}
    for size in sizes:
        path = os.path.join(work, f"lines-{size}.parquet")
        if not os.path.exists(path):
            began = time.perf_counter()
            generate.write_parquet(size, path, args.seed)
            print(f"generated {size:,} lines in {time.perf_counter() - began:.1f} s -> {path}")
        inputs[size] = path

    # ------------------------------------------------------------ rules batch, end to end (new process)
    for size in sizes:
        output = os.path.join(work, f"decided-{size}.parquet")
        seconds, rss, code = run_child([sys.executable, "-m", "cli.main", "batch", RAMSA, inputs[size], "--facts",
                                        globals_path, "-o", output])
        figures[f"batch_e2e_{size}"] = (seconds, rss)
        print(f"rules batch {size:,} lines end to end: {seconds:.2f} s = {size / seconds:,.0f} lines/s; "
              f"peak RSS {rss / 2 ** 20:,.0f} MiB (exit {code})")
    n = sizes[0]
    batch_seconds = figures[f"batch_e2e_{n}"][0]

    # ------------------------------------------------------------ engine only, in process
    import polars as pl
    import pyarrow.parquet as pq

    import baselines
    from interpreter import api
    from interpreter.batch.job import Job, facts_for as _facts_for
    from interpreter.batch.run import DEFAULT_CHUNK_SIZE, read_chunks

    loaded = api.load(RAMSA)
    job = Job(loaded, _facts_for(loaded, globals_path), loaded.ruleset.entities["ImportLine"])
    chunks = list(read_chunks(inputs[n], "parquet", job.entity, DEFAULT_CHUNK_SIZE))
    engine = best_of(args.repeat, lambda: [job.evaluate(c) for c in chunks])
    print(f"rules batch engine only (columnar, chunks of {DEFAULT_CHUNK_SIZE:,}), {n:,} lines: {engine:.2f} s = "
          f"{n / engine:,.0f} lines/s")
    sample = min(n, 50_000)
    rowwise_job = Job(loaded, job.facts, job.entity, columnar=False, group_cases=False)  # the engine, every row
    sample_chunks = list(read_chunks(inputs[n], "parquet", job.entity, 1 << 14))
    taken, rows = [], 0
    for chunk in sample_chunks:
        if rows >= sample:
            break
        taken.append(chunk)
        rows += chunk.rows
    rowwise = best_of(1, lambda: [rowwise_job.evaluate(c) for c in taken])
    print(f"rules batch engine only (row-wise, generated code), {rows:,} lines: {rows / rowwise:,.0f} lines/s")

    # ------------------------------------------------------------ hand-written baselines
    reference = baselines.Reference(baselines.members_in_force(loaded, globals_path))
    table = pq.read_table(inputs[n])
    frame = pl.from_arrow(table).with_columns(
        (pl.col("customs_value").cast(pl.Float64) * 100).round(0).cast(pl.Int64).alias("customs_cents"))
    columns = {name: frame.get_column(name).to_list() for name in
               ("hts", "form", "mineral", "origin_country", "producer_jurisdiction", "entry_date", "customs_cents")}
    loop = best_of(args.repeat, lambda: baselines.python_loop(columns, reference))
    polars_engine = best_of(args.repeat, lambda: baselines.polars_frame(frame, reference))
    print(f"hand-written plain-Python loop, {n:,} lines: {loop:.2f} s = {n / loop:,.0f} lines/s")
    print(f"hand-written polars expressions, {n:,} lines: {polars_engine:.3f} s = {n / polars_engine:,.0f} lines/s")

    def polars_end_to_end():
        source = pl.read_parquet(inputs[n]).with_columns(
            (pl.col("customs_value").cast(pl.Float64) * 100).round(0).cast(pl.Int64).alias("customs_cents"))
        baselines.polars_frame(source, reference).write_parquet(os.path.join(work, "polars-baseline.parquet"))

    def loop_end_to_end():
        source = pl.read_parquet(inputs[n]).with_columns(
            (pl.col("customs_value").cast(pl.Float64) * 100).round(0).cast(pl.Int64).alias("customs_cents"))
        data = {name: source.get_column(name).to_list() for name in columns}
        treatments, rates, duties, citations = baselines.python_loop(data, reference)
        pl.DataFrame({"treatment": treatments, "rate": [None if r is None else str(r) for r in rates],
                      "duty_cents": duties, "citations": ["; ".join(c) for c in citations]}).write_parquet(
            os.path.join(work, "loop-baseline.parquet"))
    polars_e2e = best_of(args.repeat, polars_end_to_end)
    loop_e2e = best_of(1, loop_end_to_end)
    print(f"hand-written polars end to end (read, decide, write Parquet): {polars_e2e:.2f} s = {n / polars_e2e:,.0f} lines/s")
    print(f"hand-written Python loop end to end: {loop_e2e:.2f} s = {n / loop_e2e:,.0f} lines/s")
    decided = pq.read_table(os.path.join(work, f"decided-{n}.parquet"), columns=["treatment", "duty_rate", "duty_amount"])
    treatments, rates, duties, _ = baselines.python_loop(columns, reference)
    differing = baselines.check_against(decided.to_pylist(), treatments, rates, duties)
    print(f"baseline vs rules batch: {differing} of {n:,} lines decided differently")

    # ------------------------------------------------------------ latency through the public API
    import yaml

    with open(generate.EXAMPLE, encoding="utf-8") as handle:
        example = yaml.safe_load(handle)
    one = {"as_of": example["as_of"], "enactment_date": example.get("enactment_date"),
           "countries": example["countries"], "imports": [example["imports"][4]]}
    target = f"imports[{example['imports'][4]['id']}].treatment"
    plain = median_us(200, lambda: api.evaluate_data(loaded, one))
    explained = median_us(200, lambda: api.explain(api.evaluate_data(loaded, one), target))
    result = api.evaluate_data(loaded, one)
    explain_only = median_us(200, lambda: api.explain(result, target))
    single = median_us(500, lambda: api.decide(loaded, one, target, with_explanation=False))
    single_explained = median_us(500, lambda: api.decide(loaded, one, target))
    record = result.facts.records["ImportLine"][0]
    decide = median_us(2000, lambda: job.session.decide(record))
    decide_raw = median_us(2000, lambda: job.session.decide_raw(record))
    print(f"public API, one fact set with one line, every decision: median {plain:,.0f} µs; "
          f"+ explanation of {target}: {explained:,.0f} µs (explain alone {explain_only:,.0f} µs)")
    print(f"public API, one decision only (api.decide, evaluating what {target} depends on): "
          f"median {single:,.0f} µs; with its explanation {single_explained:,.0f} µs (target 50 µs)")
    print(f"compiled session, the 4 decisions of one line (no explanation): median {decide:,.1f} µs as Outcomes, "
          f"{decide_raw:,.1f} µs unboxed (what batch reads)")
    import latency

    latency.stages(loaded)  # the same decision stage by stage, with the facts varied on every call
    import more

    more.traced_decision(loaded, lambda function: median_us(500, function))  # the same decision through the generated engine's compact trace

    # ------------------------------------------------------------ load + check
    probe = ("import time; t0 = time.perf_counter(); from interpreter import api; t1 = time.perf_counter(); "
             f"loaded = api.load({RAMSA!r}); t2 = time.perf_counter(); assert loaded.ok; "
             "print(t1 - t0, t2 - t1)")
    colds = []
    for _ in range(5):
        began = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
                             env={**os.environ, "RULES_CACHE_DIR": "off"})
        wall = time.perf_counter() - began
        imports, load = (float(x) for x in out.stdout.split())
        colds.append((load, imports, wall))
    cold_load = statistics.median(c[0] for c in colds)
    cold_imports = statistics.median(c[1] for c in colds)
    cold_wall = statistics.median(c[2] for c in colds)
    print(f"load + check RAMSA without the load cache: {cold_load * 1000:.0f} ms in a new process (+ "
          f"{cold_imports * 1000:.0f} ms importing the interpreter; {cold_wall * 1000:.0f} ms for the whole process)")

    # ------------------------------------------------------------ start-up, and the second workload
    import more

    more.startup(figures)
    more.timelines(figures, work, args.timeline_size, args.repeat)

    # ------------------------------------------------------------ dask
    if args.dask:
        output = os.path.join(work, f"decided-{n}-dask.parquet")
        seconds, rss, _ = run_child([sys.executable, "-m", "cli.main", "batch", RAMSA, inputs[n], "--facts",
                                     globals_path, "-o", output, "--engine", "dask"])
        same = open(output, "rb").read() == open(os.path.join(work, f"decided-{n}.parquet"), "rb").read()
        print(f"rules batch --engine dask (LocalCluster, 2 workers in-process) {n:,} lines: {seconds:.2f} s = "
              f"{n / seconds:,.0f} lines/s; output identical to local: {same}")

    # ------------------------------------------------------------ ratios
    print()
    print(f"ratios at {n:,} lines (higher is better for rules batch):")
    print(f"  engine only: rules batch / polars = {polars_engine / engine:.2f}x, rules batch / Python loop = {loop / engine:.2f}x")
    print(f"  row-wise (generated code) / Python loop = {(rows / rowwise) / (n / loop):.3f}x; workload 2 (row-wise): "
          f"{figures['timeline_loop'] / figures['timeline_rowwise']:.3f}x")
    print(f"  workload 2 engine only: rules batch / polars = {figures['timeline_polars'] / figures['timeline_engine']:.3f}x")
    print(f"  end to end : rules batch / polars = {polars_e2e / batch_seconds:.2f}x, "
          f"rules batch / Python loop = {loop_e2e / batch_seconds:.2f}x")
    print("targets (issue 11): engine only >= 1.0x polars, end to end >= 0.5x polars; row-wise >= 0.1x the Python "
          "loop on both workloads; <= 50 µs per decision with explanation; rules eval <= 300 ms in a new process, "
          "cached load <= 20 ms; < 1 GiB peak at 10M")


if __name__ == "__main__":
    main()
