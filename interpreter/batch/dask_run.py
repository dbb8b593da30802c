"""Batch on Dask: the chunks of a Parquet input evaluated as tasks on a dask.distributed cluster.

input <- `run.run_batch(engine="dask")`: the checkpoint, the chunk size and a scheduler address
(None: a LocalCluster on this machine); output -> the same part files and manifest entries as the
local engine, so `output.OutputBuilder` writes an identical output from them and `--resume` works the same.

Each task reads its rows (`readers.read_parquet_range`, only the row groups it needs), evaluates
them with a `job.Job` built once per worker process from the rule set and facts paths (the
program is not shipped: every worker generates and compiles it itself), and writes its part file. The
driver records a chunk as complete when its task has returned. Workers must see the same files
(a shared filesystem) under the same paths. A LocalCluster runs RULES_DASK_WORKERS (default 2)
single-threaded workers in this process.
"""
from __future__ import annotations

import os
import threading

from interpreter.batch.checkpoint import BatchIntegrityError, SimulatedCrash, first_problems, write_part
from interpreter.batch.job import Job, chunk_stats, facts_for
from interpreter.batch.readers import RawChunk, count_parquet_rows, read_parquet_range
from interpreter.language.pipeline import load

_JOBS: dict = {}
_LOCK = threading.Lock()


def _worker_job(spec: tuple):
    """The Job for (rules, facts, entity, explain, columnar, group_cases), built once per worker process."""
    with _LOCK:
        job = _JOBS.get(spec)
        if job is None:
            root, facts_path, entity, explain, columnar, group_cases = spec
            loaded = load(root)
            if not loaded.ok:
                raise RuntimeError(f"the rule set at {root} does not load on this worker")
            facts = facts_for(loaded, facts_path)
            job = _JOBS[spec] = Job(loaded, facts, loaded.ruleset.entities[entity], explain, columnar, group_cases)
        return job


def _evaluate_chunk(spec: tuple, input_path: str, index: int, start: int, stop: int, part: str):
    job = _worker_job(spec)
    table = read_parquet_range(input_path, start, stop)
    columns = {name: table.column(name).combine_chunks() for name in table.column_names}
    raw = RawChunk(index, start, table.num_rows, columns)
    output, bad = job.evaluate(raw)
    if output.num_rows != stop - start:
        raise BatchIntegrityError(f"chunk {index}: {stop - start} rows in, {output.num_rows} out")
    write_part(output, part)
    stats = chunk_stats(job, output, bad)
    return index, start, output.num_rows, {**stats, "problems": first_problems(output, stats), "part": True,
                                           "cases": job.cases, "case_sample": job.case_sample}


def run_dask(job, loaded, facts_path, input_path, checkpoint, chunk_size, scheduler, progress, fail_after):
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        from interpreter.language.diagnostics import UserError, error

        raise UserError([error("E613", "--engine dask needs dask.distributed, which is not installed",
                               suggestions=("pip install 'legal-rules[dask]'",))]) from None

    total = count_parquet_rows(input_path)
    if progress:
        progress(0, total)
    spec = (os.path.abspath(loaded.root), os.path.abspath(facts_path) if facts_path else None, job.entity.name,
            job.explain, job.columnar is not None, job.group_cases)
    chunks = [(index, start, min(start + chunk_size, total))
              for index, start in enumerate(range(0, total, chunk_size)) if index not in checkpoint.done]
    done_rows = sum(entry["rows"] for entry in checkpoint.done.values())
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        workers = int(os.environ.get("RULES_DASK_WORKERS", "2"))
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=False,
                               dashboard_address=None, silence_logs=50)
        client = Client(cluster)
    completed = 0
    try:
        futures = [client.submit(_evaluate_chunk, spec, os.path.abspath(input_path), index, start, stop,
                                 os.path.abspath(checkpoint.part(index)), key=f"rules-batch-chunk-{index}", pure=False)
                   for index, start, stop in chunks]
        for future in as_completed(futures):
            index, start, rows, stats = future.result()
            checkpoint.complete(index, start, rows, stats)
            completed += 1
            done_rows += rows
            if progress:
                progress(done_rows, total)
            if fail_after is not None and completed >= fail_after:
                for other in futures:
                    other.cancel()
                raise SimulatedCrash(f"simulated crash after {completed} chunks")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return total
