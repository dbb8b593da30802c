"""Batch checkpoint: finished chunks -> a manifest in OUTPUT.partial/, with part files where they are kept.

The manifest records the run's fingerprint (rule files, facts, input, options) so `--resume` only
continues a run of the same job, and per completed chunk its rows and what it can be resumed from:
its part file (`part`, Arrow IPC, written before the manifest names it) or, for CSV/JSONL, the
length of the output being built after it (`end`, flushed before the manifest names it; see
`output.OutputBuilder`). An entry whose part or output is not there as it says is dropped on
resume, so that chunk is decided again. OUTPUT.partial/ holds a marker file from the moment it is
made; a directory of that name without one is refused, never deleted.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil

from interpreter.batch.readers import parquet_files, refuse
from interpreter.language.fingerprint import content_hash
from interpreter.language.pipeline import Loaded

MANIFEST_VERSION = 2
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
        self.done: dict[int, dict] = {}  # chunk index -> {"start", "rows", "part" | "end", stats}
        self.building = os.path.join(self.directory, f"building.{identity['format']}")  # the output being built

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
                built = os.path.getsize(self.building) if os.path.isfile(self.building) else -1
                for index, entry in manifest.get("done", {}).items():
                    try:
                        if entry.get("part"):
                            kept = _part_rows(self.part(int(index))) == entry["rows"]
                        else:
                            kept = isinstance(entry.get("end"), int) and 0 <= entry["end"] <= built
                        if kept:
                            self.done[int(index)] = entry
                    except (ValueError, TypeError, KeyError, AttributeError):
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

    def note(self, index: int, **notes) -> None:
        """Add to what the manifest keeps about a completed chunk (e.g. where it ends in the output)."""
        self.done[index].update(notes)
        self._save()

    def forget(self, indices) -> None:
        """Chunks that cannot be resumed from (nothing kept of them): they are decided again."""
        for index in indices:
            self.done.pop(index, None)

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


def read_part(path: str):
    import pyarrow as pa

    with pa.memory_map(path) as source:
        return pa.ipc.open_file(source).read_all()


def first_problems(table, stats: dict, limit: int = 5) -> list[str]:
    """The first few messages of a chunk's `error` column, in row order (none looked for in a clean chunk)."""
    if not stats["bad"] and not any(s in counts for counts in stats["statuses"].values() for s in ("error", "conflict")):
        return []
    import pyarrow.compute as pc

    errors = table.column("error")
    positions = pc.indices_nonzero(pc.is_valid(errors)).slice(0, limit).to_pylist()
    return [errors[i].as_py() for i in positions]


class SimulatedCrash(RuntimeError):
    pass
