"""Batch readers: a JSONL, CSV or Parquet input -> `RawChunk`s of at most chunk_size rows, in order.

Guarantees: every input row lands in exactly one chunk, numbered from 0 in file order; rows of chunks
already complete (`skip`) are read past, not decoded; an unknown column or format is a `UserError`
naming the file, never a traceback. Parquet ranges read only the row groups they need.
"""
from __future__ import annotations

import os

import attrs

from interpreter.language import model
from interpreter.evaluation.datafile import MAX_DEPTH, flow_depth, json_loads, surrogate_path
from interpreter.evaluation.unique_keys import DuplicateKey
from interpreter.language.diagnostics import UserError, did_you_mean, error

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def refuse(code: str, message: str, **kwargs):
    raise UserError([error(code, message, **kwargs)])


def format_of(path: str, role: str) -> str:
    if os.path.isdir(path):
        return "parquet"
    suffix = os.path.splitext(path)[1].lower()
    found = FORMATS.get(suffix)
    if found is None:
        refuse("E601", f"{role} {path}: cannot tell the format from `{suffix or 'no extension'}`",
              suggestions=("use .jsonl, .csv or .parquet",))
    return found


def parquet_files(path: str) -> list[str]:
    if os.path.isdir(path):
        found = []
        for directory, subdirectories, files in os.walk(path):
            subdirectories.sort()
            found.extend(os.path.join(directory, f) for f in sorted(files) if f.endswith((".parquet", ".pq")))
        if not found:
            refuse("E602", f"{path} holds no .parquet files")
        return found
    return [path]


def open_parquet(file: str):
    """pq.ParquetFile, or E604 naming the file when it is not Parquet (pyarrow raises several types)."""
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(file)
    except Exception as exc:  # noqa: BLE001 - ArrowInvalid, OSError, ValueError... all mean "not readable Parquet"
        refuse("E604", f"{file} is not a readable Parquet file ({str(exc)[:200]})",
               suggestions=("check the file's extension matches its content",))


@attrs.define
class RawChunk:
    """Rows `start` .. `start + rows - 1` of the input, as read: columns of raw values."""
    index: int
    start: int
    rows: int
    columns: dict  # field name -> pyarrow Array or list of raw Python values
    problems: dict = attrs.field(factory=dict)  # row offset -> reason (rows that could not be read at all)
    extra: dict = attrs.field(factory=dict)  # row offset -> {unknown field: value} (JSONL)
    positions: list | None = None  # each row's index in the input, where the rows are not start, start + 1, ...

    def position(self, offset: int) -> int:
        """The row's index in the input (0-based): what names it in messages when it has no key."""
        return self.start + offset if self.positions is None else self.positions[offset]

    def subset(self, offsets) -> "RawChunk":
        """The rows at `offsets`, in that order, as a chunk of their own; each keeps its position in the input."""
        import pyarrow as pa

        offsets = list(offsets)
        taken = pa.array(offsets, pa.int64())
        columns = {name: [column[i] for i in offsets] if isinstance(column, list) else column.take(taken)
                   for name, column in self.columns.items()}
        problems = {k: self.problems[o] for k, o in enumerate(offsets) if o in self.problems}
        extra = {k: self.extra[o] for k, o in enumerate(offsets) if o in self.extra}
        return RawChunk(self.index, self.start, len(offsets), columns, problems, extra,
                        [self.position(o) for o in offsets])


def _check_columns(entity: model.Entity, names, path: str) -> None:
    fields = [f.name for f in entity.fields]
    for name in names:
        if entity.field(name) is None:
            refuse("E603", f"{path}: column `{name}` is not a field of {entity.name}",
                  suggestions=did_you_mean(name, fields) or (f"the fields are: {', '.join(fields)}",))


def read_chunks(path: str, fmt: str, entity: model.Entity, chunk_size: int, skip=frozenset()):
    """Yield the input as RawChunks of `chunk_size` rows; chunks in `skip` are read past, not parsed."""
    if fmt == "parquet":
        yield from _parquet_chunks(path, entity, chunk_size, skip)
    elif fmt == "csv":
        yield from _csv_chunks(path, entity, chunk_size, skip)
    else:
        yield from _jsonl_chunks(path, entity, chunk_size, skip)


def _rechunk(batches, chunk_size: int, skip):
    """Arrow record batches -> (index, start, batch or table) of exactly chunk_size rows (the last may be
    shorter); a batch that is a chunk as it comes is passed on as it is (no copy)."""
    import pyarrow as pa

    pending, pending_rows, index, start = [], 0, 0, 0
    for batch in batches:
        if not pending and batch.num_rows == chunk_size:
            yield index, start, (None if index in skip else batch)
            index, start = index + 1, start + chunk_size
            continue
        pending.append(batch)
        pending_rows += batch.num_rows
        while pending_rows >= chunk_size:
            table = pa.Table.from_batches(pending)
            head, rest = table.slice(0, chunk_size), table.slice(chunk_size)
            yield index, start, (None if index in skip else head)
            index, start = index + 1, start + chunk_size
            pending, pending_rows = (rest.to_batches() if rest.num_rows else []), rest.num_rows
    if pending_rows:
        yield index, start, (None if index in skip else pa.Table.from_batches(pending))


def _table_chunks(batches, entity, chunk_size, skip):
    import pyarrow as pa

    for index, start, table in _rechunk(batches, chunk_size, skip):
        if table is None:
            yield RawChunk(index, start, -1, {})
            continue
        if isinstance(table, pa.RecordBatch):
            columns = {name: table.column(i) for i, name in enumerate(table.schema.names)}
        else:
            columns = {name: table.column(name).combine_chunks() for name in table.column_names}
        yield RawChunk(index, start, table.num_rows, columns)


def _parquet_chunks(path, entity, chunk_size, skip):
    import pyarrow as pa
    import pyarrow.parquet as pq

    for file in parquet_files(path):
        _check_columns(entity, open_parquet(file).schema_arrow.names, file)
    files = parquet_files(path)

    def batches():
        for file in files:
            try:
                yield from pq.ParquetFile(file).iter_batches(batch_size=chunk_size)
            except (pa.ArrowException, OSError) as exc:
                refuse("E604", f"{file} could not be read to the end ({exc})")
    yield from _table_chunks(batches(), entity, chunk_size, skip)


def _csv_chunks(path, entity, chunk_size, skip):
    import csv

    import pyarrow as pa
    import pyarrow.csv as pcsv

    if not os.path.isfile(path):
        refuse("E605", f"no input file at {path}")
    with open(path, newline="", encoding="utf-8-sig") as handle:
        try:
            header = next(csv.reader(handle), None)
        except (csv.Error, UnicodeDecodeError) as exc:
            refuse("E606", f"{path}: the header line is not CSV text ({exc})")
    if not header:
        return
    _check_columns(entity, header, path)
    try:
        reader = pcsv.open_csv(
            path,
            read_options=pcsv.ReadOptions(block_size=1 << 22, encoding="utf8"),
            convert_options=pcsv.ConvertOptions(column_types={name: pa.string() for name in header},
                                                strings_can_be_null=True, null_values=[""],
                                                quoted_strings_can_be_null=True),
        )

        def batches():
            try:
                yield from reader
            except pa.ArrowInvalid as exc:
                refuse("E606", f"{path}: not valid CSV ({exc})",
                      suggestions=("every line needs as many fields as the header",))
        yield from _table_chunks(batches(), entity, chunk_size, skip)
    except pa.ArrowInvalid as exc:
        refuse("E606", f"{path}: not valid CSV ({exc})", suggestions=("every line needs as many fields as the header",))


def _jsonl_chunks(path, entity, chunk_size, skip):
    if not os.path.isfile(path):
        refuse("E605", f"no input file at {path}")
    names = [f.name for f in entity.fields]
    known = set(names)
    collection = entity.collection

    def flush(index, start, lines):
        if index in skip:
            return RawChunk(index, start, -1, {})
        columns = {name: [None] * len(lines) for name in names}
        chunk = RawChunk(index, start, len(lines), columns)
        for offset, (number, raw_line) in enumerate(lines):
            where = f"{collection}[{start + offset}]: line {number}"
            try:
                text = raw_line.decode("utf-8")
            except UnicodeDecodeError as exc:
                chunk.problems[offset] = f"{where} is not UTF-8 text (byte {exc.start + 1}: {exc.reason})"
                continue
            if flow_depth(text) > MAX_DEPTH:
                chunk.problems[offset] = f"{where} is nested more than {MAX_DEPTH} levels deep; a row is a flat record"
                continue
            try:
                item = json_loads(text)
            except DuplicateKey as repeated:
                chunk.problems[offset] = f"{where}: the key `{repeated.key[:40]}` appears twice in one object"
                continue
            except (ValueError, RecursionError) as exc:
                chunk.problems[offset] = f"{where} is not valid JSON ({getattr(exc, 'msg', 'nested too deeply')})"
                continue
            surrogate = surrogate_path(text, item)
            if surrogate is not None:
                chunk.problems[offset] = f"{where}: {surrogate} holds a lone UTF-16 surrogate (\\ud800 ...), which is not text"
                continue
            if not isinstance(item, dict):
                chunk.problems[offset] = f"{collection}[{start + offset}]: line {number} is not a JSON object of fields"
                continue
            for name, value in item.items():
                if name in known:
                    columns[name][offset] = value
                else:
                    chunk.extra.setdefault(offset, {})[name] = value
        return chunk

    with open(path, "rb") as handle:  # decoded line by line: one line that is not UTF-8 is one bad row
        lines, index, start = [], 0, 0
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            lines.append((number, text))
            if len(lines) == chunk_size:
                yield flush(index, start, lines)
                index, start, lines = index + 1, start + len(lines), []
        if lines:
            yield flush(index, start, lines)


def count_parquet_rows(path: str) -> int:
    return sum(open_parquet(f).metadata.num_rows for f in parquet_files(path))


def read_parquet_range(path: str, start: int, stop: int):
    """Rows start .. stop-1 of a (possibly partitioned) Parquet input, reading only the row groups needed."""
    import pyarrow as pa

    pieces, offset = [], 0
    for file in parquet_files(path):
        handle = open_parquet(file)
        for group in range(handle.metadata.num_row_groups):
            rows = handle.metadata.row_group(group).num_rows
            low, high = max(start, offset), min(stop, offset + rows)
            if low < high:
                pieces.append(handle.read_row_group(group).slice(low - offset, high - low))
            offset += rows
            if offset >= stop:
                break
        if offset >= stop:
            break
    return pa.concat_tables(pieces) if pieces else None
