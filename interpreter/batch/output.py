"""Batch output: decided chunks, in chunk order -> the output file being built -> OUTPUT, published atomically.

input: each chunk's decided Arrow table (in memory, or a part file for chunks decided by Dask
workers or in an interrupted run), in chunk order; output: OUTPUT in its format, built in
`OUTPUT.partial/building.<format>` and moved into place with `os.replace` once rows out = rows in.

Guarantees:
- no second assembly pass where it can be avoided: CSV and JSONL chunks are appended to the
  file being built as they are decided; Parquet chunks are written straight into it as row
  groups (typed by `typed.file_schema`);
- exact resume: a CSV/JSONL chunk is flushed to disk before the manifest names it, with the
  file's length after it (`end`), so a resumed run cuts the file back to the last chunk the
  manifest names and appends from there; a Parquet file without its footer cannot be reopened,
  so each Parquet chunk is also kept as a part file (Arrow IPC, typed but for its decimals, kept
  as the text decided) and a resumed run
  writes the completed chunks from their parts before it goes on;
- the Parquet types are those of the whole output (the scale a decimal column needs over every
  row): a chunk that needs a wider decimal than the chunks before it makes the file be written
  again from the parts with the wider type, so the published file is as if typed at the end;
- the row numbers of every chunk continue those before it, and rows out = rows in, or
  `BatchIntegrityError` and nothing is published.
"""
from __future__ import annotations

import os

from interpreter.batch import typed
from interpreter.batch.checkpoint import BatchIntegrityError, Checkpoint, read_part, write_part


class OutputBuilder:
    def __init__(self, checkpoint: Checkpoint, fmt: str, schema, decimal_kinds: dict, describe=None):
        self.checkpoint = checkpoint
        self.fmt = fmt
        self.schema = schema
        self.kinds = decimal_kinds
        self.describe = describe
        self.path = checkpoint.building
        self.written = 0  # rows in the file being built
        self.next = 0  # the index of the next chunk to write
        self.handle = None
        self.writer = None
        self.seen: dict = {}  # Parquet: column -> (whole digits, decimal places) over the chunks so far
        self.chosen: dict | None = None
        self.file_schema = None

    # ------------------------------------------------------------ starting and resuming

    def open(self) -> None:
        """Start the file being built: empty, or (on resume) holding the chunks the manifest names."""
        done = self.checkpoint.done
        if self.fmt == "parquet":
            keep = {i: e for i, e in done.items() if e.get("part")}  # a Parquet chunk resumes from its part only
            self.checkpoint.forget(set(done) - set(keep))
            for entry in keep.values():
                self.seen = typed.merge(self.seen, {k: tuple(v) for k, v in entry.get("widths", {}).items()})
            return
        appended = 0
        end = 0
        while appended in done and "end" in done[appended]:
            end = done[appended]["end"]
            appended += 1
        # A chunk beyond the appended ones resumes from its part (Dask); one with neither is decided again.
        self.checkpoint.forget({i for i, e in done.items() if i >= appended and not e.get("part")})
        if appended:
            self.handle = open(self.path, "r+b")
            self.handle.truncate(end)
            self.handle.seek(end)
            self.written = sum(done[i]["rows"] for i in range(appended))
            self.next = appended
        else:
            self.handle = open(self.path, "wb")

    # ------------------------------------------------------------ chunks

    def add(self, index: int, table=None) -> dict:
        """Write chunk `index` (its table, or else its part file) -> what the manifest keeps about it."""
        if index != self.next:
            raise BatchIntegrityError(f"chunk {index} written after chunk {self.next - 1}")
        entry = self.checkpoint.done.get(index)
        from_part = table is None
        if from_part:
            table = read_part(self.checkpoint.part(index))
        rows = table.num_rows
        if entry is not None and (rows != entry["rows"] or entry["start"] != self.written):
            raise BatchIntegrityError(f"chunk {index}: expected rows from {self.written}, "
                                      f"found {rows} rows from {entry['start']}")
        if rows:
            row = table.column("row")
            if row[0].as_py() != self.written or row[rows - 1].as_py() != self.written + rows - 1:
                raise BatchIntegrityError(f"chunk {index}: row numbers {row[0]}..{row[rows - 1]} are out of sequence")
        notes = self._parquet(index, table, from_part) if self.fmt == "parquet" else self._text(table)
        self.written += rows
        self.next += 1
        return notes

    def _text(self, table) -> dict:
        import polars as pl

        frame = pl.from_arrow(table)
        if self.fmt == "csv":
            frame.write_csv(self.handle, include_header=self.handle.tell() == 0)
        else:
            frame.write_ndjson(self.handle)
        self.handle.flush()
        os.fsync(self.handle.fileno())
        return {"end": self.handle.tell()}

    def _parquet(self, index: int, table, from_part: bool) -> dict:
        entry = self.checkpoint.done.get(index) or {}
        if from_part and "widths" in entry:
            widths = {name: tuple(w) for name, w in entry["widths"].items()}
        else:
            widths = typed.widths(table, self.kinds)
        self.seen = typed.merge(self.seen, widths)
        file_schema, chosen = typed.file_schema(self.schema, self.kinds, self.seen)
        if chosen != self.chosen:  # the first chunk, or one that needs wider decimals: (re)start the file
            self._restart(file_schema, chosen, index)
        if not from_part:  # decimals as decided: a column that ends up as text keeps each value's own text
            table = typed.cast(table, typed.part_schema(self.file_schema, self.kinds))
            write_part(table, self.checkpoint.part(index))
        typed_table = typed.cast(table, self.file_schema)
        self.writer.write_table(typed_table, row_group_size=max(typed_table.num_rows, 1))
        return {"part": True, "widths": {k: list(v) for k, v in widths.items()}}

    def _restart(self, file_schema, chosen: dict, upto: int) -> None:
        import pyarrow.parquet as pq

        if self.writer is not None:
            self.writer.close()
        if self.describe is not None:
            file_schema = file_schema.with_metadata(self.describe(chosen))
        self.file_schema, self.chosen = file_schema, chosen
        self.writer = pq.ParquetWriter(self.path, file_schema,
                                       **typed.writer_options(file_schema, self.kinds, self.schema[1].name))
        for index in range(upto):  # the chunks before: again, from their parts, with the wider types
            part = read_part(self.checkpoint.part(index))
            self.writer.write_table(typed.cast(part, file_schema), row_group_size=max(part.num_rows, 1))

    # ------------------------------------------------------------ publishing

    def publish(self, output: str, expected_rows: int) -> int:
        """Close the file being built and move it to OUTPUT; -> rows written."""
        if self.fmt == "parquet":
            if self.writer is None:  # no rows at all: the schema the job would have
                self._restart(*typed.file_schema(self.schema, self.kinds, self.seen), 0)
            self.writer.close()
            self.writer = None
        else:
            if self.handle.tell() == 0 and self.fmt == "csv":  # no rows: the header alone
                import polars as pl

                pl.from_arrow(self.schema.empty_table()).write_csv(self.handle, include_header=True)
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            self.handle = None
        if self.written != expected_rows:
            raise BatchIntegrityError(f"rows out ({self.written}) differ from rows in ({expected_rows})")
        os.replace(self.path, output)
        return self.written

    def close(self) -> None:
        """After a failure: release the file being built (it stays in OUTPUT.partial/ for a resume)."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self.handle is not None:
            self.handle.close()
            self.handle = None
