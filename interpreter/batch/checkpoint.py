"""Batch checkpoint: finished chunks -> part files, a manifest, and one atomically published output.

The manifest records the run's fingerprint (rule files, facts, input, options) so `--resume` only
continues a run of the same job; each chunk's part file is written before the manifest names it;
`publish` checks that rows out equal rows in before it renames the output into place, so a
partial or inconsistent output is never published. OUTPUT.partial/ holds a marker file from the
moment it is made; a directory of that name without one is refused, never deleted.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil

from interpreter.batch.readers import parquet_files, refuse
from interpreter.language.fingerprint import content_hash
from interpreter.language.pipeline import Loaded

MANIFEST_VERSION = 1
MARKER = ".made-by-rules-batch"


class BatchIntegrityError(Exception):
    """Rows out differ from rows in: a bug, never published as output."""


def _digest(paths) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(os.path.abspath(path).encode())
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _input_identity(path: str) -> list:
    files = parquet_files(path) if os.path.isdir(path) else [path]
    return [[os.path.abspath(f), os.path.getsize(f), os.stat(f).st_mtime_ns] for f in files]


def fingerprint(loaded: Loaded, facts_path, input_path, entity, explain, chunk_size, out_format) -> dict:
    return {
        "rules": content_hash(loaded),  # the same hash decision records carry
        "facts": _digest([facts_path]) if facts_path else None,
        "input": _input_identity(input_path),
        "entity": entity,
        "explain": explain,
        "chunk_size": chunk_size,
        "format": out_format,
    }


class Checkpoint:
    """OUTPUT.partial/: part-NNNNNN.arrow per completed chunk and manifest.json listing them."""

    def __init__(self, output: str, identity: dict):
        self.directory = output + ".partial"
        self.manifest_path = os.path.join(self.directory, "manifest.json")
        self.identity = identity
        self.done: dict[int, dict] = {}  # chunk index -> {"start", "rows"}

    def part(self, index: int) -> str:
        return os.path.join(self.directory, f"part-{index:06d}.arrow")

    @property
    def marker_path(self) -> str:
        return os.path.join(self.directory, MARKER)

    def open(self, resume: bool) -> int:
        """Start afresh, or take over the completed chunks of an interrupted run; -> chunks resumed.
        A directory OUTPUT.partial/ without our marker file is someone else's: it is refused, never removed."""
        if os.path.lexists(self.directory) and not os.path.isfile(self.marker_path):
            refuse("E614", f"{self.directory} exists and was not made by `rules batch` (it has no {MARKER} file); "
                           "it is left as it is", suggestions=("move it away, or choose another output with -o",))
        if os.path.isdir(self.directory) and resume:
            try:
                with open(self.manifest_path, encoding="utf-8") as handle:
                    manifest = json.load(handle)
            except (OSError, ValueError, RecursionError):
                manifest = None
            if not isinstance(manifest, dict) or not isinstance(manifest.get("done", {}), dict):
                manifest = None
            if manifest is not None:
                if manifest.get("version") != MANIFEST_VERSION or manifest.get("identity") != self.identity:
                    changed = [k for k in self.identity if (manifest.get("identity") or {}).get(k) != self.identity[k]]
                    refuse("E609", f"cannot resume: the {', '.join(changed) or 'manifest'} changed since the interrupted run "
                                  f"({self.directory})", suggestions=("run again without --resume to start over",))
                for index, entry in manifest.get("done", {}).items():
                    try:
                        if _part_rows(self.part(int(index))) == entry["rows"]:
                            self.done[int(index)] = entry
                    except (ValueError, TypeError, KeyError):
                        continue  # a damaged entry: that chunk is evaluated again
                return len(self.done)
        if os.path.isdir(self.directory):
            shutil.rmtree(self.directory)
        os.makedirs(self.directory)
        with open(self.marker_path, "w", encoding="utf-8") as handle:
            handle.write("made by `rules batch`: removed when the run is published or started again\n")
        self._save()
        return 0

    def complete(self, index: int, start: int, rows: int, stats: dict) -> None:
        self.done[index] = {"start": start, "rows": rows, **stats}
        self._save()

    def _save(self) -> None:
        document = {"version": MANIFEST_VERSION, "identity": self.identity,
                    "done": {str(k): v for k, v in sorted(self.done.items())}}
        temporary = self.manifest_path + ".tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(document, handle, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.manifest_path)

    def remove(self) -> None:
        if os.path.isfile(self.marker_path):
            shutil.rmtree(self.directory, ignore_errors=True)


def _part_rows(path: str) -> int | None:
    import pyarrow as pa

    try:
        with pa.memory_map(path) as source:
            return pa.ipc.open_file(source).read_all().num_rows
    except (OSError, pa.ArrowInvalid):
        return None


def write_part(table, path: str) -> None:
    import pyarrow as pa

    temporary = path + ".tmp"
    with pa.OSFile(temporary, "wb") as sink:
        with pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
    os.replace(temporary, path)


def _read_part(checkpoint: Checkpoint, index: int):
    import pyarrow as pa

    with pa.memory_map(checkpoint.part(index)) as source:
        return pa.ipc.open_file(source).read_all()


def publish(checkpoint: Checkpoint, output: str, fmt: str, schema, expected_rows: int,
            decimal_kinds: dict | None = None, describe=None) -> int:
    """Parts in chunk order -> OUTPUT (atomically); checks rows out = rows in and the row sequence.
    Parquet is typed (`typed.file_schema`: decimal columns of `decimal_kinds`, dictionary-encoded
    statuses and citations), with `describe(types chosen)` as the file's key-value metadata."""
    from interpreter.batch import typed

    temporary = f"{output}.tmp-{os.getpid()}"
    if os.path.lexists(temporary):  # not ours to overwrite or remove
        refuse("E614", f"{temporary} exists and was not made by this run; it is left as it is",
               suggestions=("move it away and run again",))
    written = 0
    file_schema = None
    if fmt == "parquet":
        seen: dict = {}
        for index in sorted(checkpoint.done):  # the scale each decimal column needs over the whole output
            seen = typed.merge(seen, typed.widths(_read_part(checkpoint, index), decimal_kinds or {}))
        file_schema, chosen = typed.file_schema(schema, decimal_kinds or {}, seen)
        if describe is not None:
            file_schema = file_schema.with_metadata(describe(chosen))
    try:
        writer = _Writer(temporary, fmt, schema, file_schema)
        try:
            for index in sorted(checkpoint.done):
                entry = checkpoint.done[index]
                table = _read_part(checkpoint, index)
                rows = table.num_rows
                if rows != entry["rows"] or entry["start"] != written:
                    raise BatchIntegrityError(f"chunk {index}: expected rows from {written}, found {rows} rows from {entry['start']}")
                if rows:
                    row = table.column("row")
                    if row[0].as_py() != written or row[rows - 1].as_py() != written + rows - 1:
                        raise BatchIntegrityError(f"chunk {index}: row numbers {row[0]}..{row[rows - 1]} are out of sequence")
                writer.write(table)
                written += rows
        finally:
            writer.close()
        if written != expected_rows:
            raise BatchIntegrityError(f"rows out ({written}) differ from rows in ({expected_rows})")
        os.replace(temporary, output)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return written


class _Writer:
    def __init__(self, path: str, fmt: str, schema, file_schema=None):
        self.fmt = fmt
        self.schema = schema
        self.path = path
        self.first = True
        if fmt == "parquet":
            import pyarrow.parquet as pq

            self.file_schema = file_schema
            self.writer = pq.ParquetWriter(path, self.file_schema)
        else:
            self.handle = open(path, "wb")

    def write(self, table) -> None:
        import polars as pl

        if self.fmt == "parquet":
            from interpreter.batch import typed

            self.writer.write_table(typed.cast(table, self.file_schema))
        elif self.fmt == "csv":
            pl.from_arrow(table).write_csv(self.handle, include_header=self.first)
        else:
            pl.from_arrow(table).write_ndjson(self.handle)
        self.first = False

    def close(self) -> None:
        if self.fmt == "csv" and self.first:  # no rows: the header alone
            import polars as pl

            pl.from_arrow(self.schema.empty_table()).write_csv(self.handle, include_header=True)
        if self.fmt == "parquet":
            self.writer.close()
        else:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()


class SimulatedCrash(RuntimeError):
    pass
