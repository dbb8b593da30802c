"""Benchmark sections added for issue 11, called by run.py (figures measured in the same run).

- startup(): `rules eval` of the shipped example in a new process, with the load cache warm and
  turned off (wall and CPU seconds; `python -c pass` for scale), the time to import what `rules`
  imports and a cached `api.load`, each in a new process (and, where PYTHONDONTWRITEBYTECODE is
  set, the same with bytecode cached, as an installed package has it);
- traced_decision(): one RAMSA decision through the generated engine's traced program and compact trace;
- timelines(): the second workload (benchmarks/timelines.py): RAMSA Country timelines, `rules batch`
  end to end and engine only (columnar, each timing with a new Job, and how many rows it decided
  row by row and why), against a hand-written plain-Python loop and polars expressions.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RAMSA = os.path.join(ROOT, "rules", "ramsa")
EXAMPLE = os.path.join(RAMSA, "examples", "imports_2026.yaml")


def child(args: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run a command -> (wall seconds, CPU seconds: user + system)."""
    began = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 4):
        raise SystemExit(f"{' '.join(args)} failed ({code}): {process.stderr.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime


def _median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def _new_process_figures(cache: str, repeat: int, env: dict | None = None) -> dict[str, float]:
    """Importing what `rules` imports, then `api.load` of RAMSA from the load cache, in new processes:
    the median wall and CPU seconds of each (CPU time says more while the machine is shared)."""
    probe = ("import time; w0, c0 = time.perf_counter(), time.process_time(); import cli.main; "
             "from interpreter import api; w1, c1 = time.perf_counter(), time.process_time(); "
             f"loaded = api.load({RAMSA!r}); w2, c2 = time.perf_counter(), time.process_time(); assert loaded.ok; "
             "print(w1 - w0, c1 - c0, w2 - w1, c2 - c1)")
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
                             env={**os.environ, "RULES_CACHE_DIR": cache, **(env or {})})
        runs.append([float(x) for x in out.stdout.split()])
    names = ("import_wall", "import_cpu", "load_wall", "load_cpu")
    return {name: statistics.median(run[i] for run in runs) for i, name in enumerate(names)}


def startup(figures: dict, repeat: int = 11) -> None:
    eval_command = [sys.executable, "-m", "cli.main", "eval", RAMSA, EXAMPLE]
    cache = tempfile.mkdtemp(prefix="rules-bench-cache-")
    child(eval_command, {"RULES_CACHE_DIR": cache})  # fills the cache
    warm_runs = [child(eval_command, {"RULES_CACHE_DIR": cache}) for _ in range(repeat)]
    warm = _median(warm_runs)
    cold = _median([child(eval_command, {"RULES_CACHE_DIR": "off"}) for _ in range(repeat)])
    bare = _median([child([sys.executable, "-c", "pass"]) for _ in range(repeat)])
    probed = _new_process_figures(cache, repeat)
    figures.update(startup_warm=warm, startup_cold=cold, python_bare=bare, cached_load=probed["load_wall"],
                   startup_imports=probed["import_wall"])
    print(f"rules eval (shipped example) in a new process, median of {repeat} (best {min(r[0] for r in warm_runs) * 1000:.0f} ms; "
          f"load average {os.getloadavg()[0]:.1f}): load cache warm {warm[0] * 1000:.0f} ms "
          f"wall / {warm[1] * 1000:.0f} ms CPU; cache off {cold[0] * 1000:.0f} ms wall / {cold[1] * 1000:.0f} ms CPU; "
          f"`python -c pass` {bare[0] * 1000:.0f} ms wall / {bare[1] * 1000:.0f} ms CPU (target 300 ms)")
    print(f"importing what `rules` imports (cli.main, interpreter.api): median {probed['import_wall'] * 1000:.0f} ms "
          f"wall / {probed['import_cpu'] * 1000:.0f} ms CPU; api.load of RAMSA from the load cache in a new process: "
          f"median {probed['load_wall'] * 1000:.1f} ms wall / {probed['load_cpu'] * 1000:.1f} ms CPU (target 20 ms)")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        # Here every process compiles the interpreter's source again; an installed package has its
        # bytecode cached. Measure that case too, with the bytecode kept in a scratch folder.
        compiled = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": tempfile.mkdtemp(prefix="rules-bench-pyc-"),
                    "RULES_CACHE_DIR": cache}
        child(eval_command, compiled)
        with_bytecode = _median([child(eval_command, compiled) for _ in range(repeat)])
        imports_compiled = _new_process_figures(cache, repeat, compiled)["import_wall"]
        figures.update(startup_warm_bytecode=with_bytecode, startup_imports_bytecode=imports_compiled)
        print(f"  PYTHONDONTWRITEBYTECODE is set here; with bytecode cached (as installed): rules eval "
              f"{with_bytecode[0] * 1000:.0f} ms wall / {with_bytecode[1] * 1000:.0f} ms CPU, importing "
              f"{imports_compiled * 1000:.0f} ms")


def timelines(figures: dict, work: str, size: int, repeat: int) -> None:
    import polars as pl
    import pyarrow.parquet as pq
    import yaml

    import timelines as workload
    from interpreter import api
    from interpreter.batch.job import Job, facts_for as _facts_for
    from interpreter.batch.run import DEFAULT_CHUNK_SIZE, read_chunks

    loaded = api.load(RAMSA)
    listed = workload.listed_minerals(loaded)
    source = os.path.join(work, f"countries-{size}.jsonl")
    globals_path = os.path.join(work, "countries-globals.yaml")
    with open(globals_path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(workload.generate(size, source, listed), handle)
    output = os.path.join(work, f"countries-{size}.parquet")
    wall, _ = child([sys.executable, "-m", "cli.main", "batch", RAMSA, source, "--facts", globals_path,
                     "--entity", "Country", "-o", output])
    print(f"workload 2 (Country timelines: dates, durations, division, aggregates), {size:,} countries")
    print(f"  rules batch end to end (JSONL -> Parquet, new process): {wall:.2f} s = {size / wall:,.0f} lines/s")
    facts = _facts_for(loaded, globals_path)
    country = loaded.ruleset.entities["Country"]
    job = Job(loaded, facts, country)
    reason = job.columnar.unsupported if job.columnar is not None else "off"
    chunks = list(read_chunks(source, "jsonl", job.entity, DEFAULT_CHUNK_SIZE))
    # a new Job for every timing: the columnar engine's per-distinct-value caches start empty
    jobs = [Job(loaded, facts, country) for _ in range(max(1, repeat - 2))]
    engine = min(_timed(lambda: [jobs.pop().evaluate(c) for c in chunks]) for _ in range(max(1, repeat - 2)))
    fell_back: dict = {}
    for chunk in chunks:
        job.evaluate(chunk)
        for why, rows in job.row_wise.items():
            fell_back[why] = fell_back.get(why, 0) + rows
    print(f"  rules batch engine only: {engine:.2f} s = {size / engine:,.0f} lines/s "
          f"(columnar engine: {'used' if reason is None else 'not used, ' + reason + '; every row row-wise'}; "
          f"rows it decided row by row: {sum(fell_back.values()):,}{' ' + str(fell_back) if fell_back else ''})")
    rowwise_job = Job(loaded, job.facts, job.entity, columnar=False, group_cases=False)  # the engine, every row
    rowwise = min(_timed(lambda: [rowwise_job.evaluate(c) for c in chunks]) for _ in range(max(1, repeat - 2)))
    print(f"  rules batch engine only, row-wise (generated code): {rowwise:.2f} s = {size / rowwise:,.0f} lines/s")
    rows = workload.read_rows(source)
    frame = pl.read_ndjson(source)
    loop = min(_timed(lambda: workload.python_loop(rows, listed)) for _ in range(repeat))
    polars_engine = min(_timed(lambda: workload.polars_frame(frame, listed)) for _ in range(repeat))

    def polars_end_to_end():
        workload.polars_frame(pl.read_ndjson(source), listed).write_parquet(os.path.join(work, "countries-polars.parquet"))

    def loop_end_to_end():
        ends, may, coverage = workload.python_loop(workload.read_rows(source), listed)
        pl.DataFrame({"review_period_end": ends, "may_enter_into_force": may,
                      "critical_mineral_coverage": [str(c) for c in coverage]}).write_parquet(
            os.path.join(work, "countries-loop.parquet"))
    polars_e2e = min(_timed(polars_end_to_end) for _ in range(repeat))
    loop_e2e = min(_timed(loop_end_to_end) for _ in range(repeat))
    decided = pq.read_table(output, columns=["review_period_end", "may_enter_into_force",
                                             "critical_mineral_coverage"]).to_pylist()
    differing = workload.check(decided, *workload.python_loop(rows, listed))
    print(f"  hand-written Python loop (3 decisions): engine {size / loop:,.0f} lines/s, end to end {size / loop_e2e:,.0f} lines/s")
    print(f"  hand-written polars (3 decisions): engine {size / polars_engine:,.0f} lines/s, "
          f"end to end {size / polars_e2e:,.0f} lines/s")
    print(f"  baseline vs rules batch: {differing} of {size:,} countries decided differently")
    print(f"  ratios: engine only rules batch / polars = {polars_engine / engine:.3f}x, / Python loop = {loop / engine:.3f}x; "
          f"end to end / polars = {polars_e2e / wall:.3f}x, / Python loop = {loop_e2e / wall:.3f}x")
    print(f"  row-wise (generated code) / Python loop = {loop / rowwise:.3f}x (target 0.1x)")
    figures.update(timeline_engine=engine, timeline_rowwise=rowwise, timeline_e2e=wall, timeline_loop=loop, timeline_polars=polars_engine)


def _timed(function) -> float:
    began = time.perf_counter()
    function()
    return time.perf_counter() - began


def traced_decision(loaded, median) -> None:
    """One decision through the generated engine's traced program: the decision, its frame tree from the
    compact trace, and the interpreter's explanation tree built from it (`median(function)` in µs, one session)."""
    import yaml

    from interpreter.engines.generated import Program
    from interpreter.evaluation.explain import explain
    from interpreter.evaluation.facts import bind_facts

    with open(EXAMPLE, encoding="utf-8") as handle:
        facts, _ = bind_facts(loaded.ruleset, yaml.safe_load(handle), EXAMPLE)
    session = Program(loaded.ruleset, loaded.tables, "ImportLine").session(facts)
    record = facts.records["ImportLine"][4]
    decide = median(lambda: session.decide_traced(record, "ImportLine.treatment"))
    framed = median(lambda: session.decide_traced(record, "ImportLine.treatment")[1].frame())
    explained = median(lambda: explain(loaded.ruleset, session.decide_traced(record, "ImportLine.treatment")[1].frame()))
    print(f"generated engine, traced, {record.path}.treatment: decision {decide:,.1f} µs; with its frame tree "
          f"{framed:,.1f} µs; with the explanation tree {explained:,.1f} µs (medians)")

