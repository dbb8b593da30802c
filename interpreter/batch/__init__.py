"""Batch: decide every record of a JSONL, CSV or Parquet file, in checkpointed chunks, locally or on Dask.

readers (input -> chunks) -> job (chunk -> decided Arrow table, via interpreter.engines) ->
checkpoint (manifest, part files) + output (the file being built, published atomically) -> run (the
local loop) / dask_run (the same chunks as Dask tasks). This module is the façade the CLI uses.
May import: interpreter.language, interpreter.evaluation, interpreter.engines.
"""
from interpreter.batch.checkpoint import BatchIntegrityError
from interpreter.batch.run import DEFAULT_CHUNK_SIZE, BatchSummary, run_batch

__all__ = ["BatchIntegrityError", "BatchSummary", "DEFAULT_CHUNK_SIZE", "run_batch"]
