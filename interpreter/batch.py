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
- memory stays flat: the input is read `chunk_size` rows at a time and every evaluated chunk
  is written to a part file in `OUTPUT.partial/` (Arrow IPC) with a manifest of completed
  chunks; the output is assembled from the parts into a temporary file and published with
  `os.replace`, so it is either absent or complete;
- an interrupted run (crash, Ctrl-C) resumes with `resume=True` from the manifest: completed
  chunks are kept, the others are evaluated again, so no row is lost or duplicated; a manifest
  whose rule set, facts, input or options differ is refused;
- the decisions are made by the compiled program (`compile`), vectorised over columns where
  the rule set allows it (`columnar`), with rows whose facts are missing or unusual decided
  row by row; `engine="dask"` runs the same chunk evaluation as tasks on a Dask cluster and
  gives identical output;
- deterministic: the same inputs give byte-identical output, whatever the engine.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import time
from decimal import Decimal

import attrs

from interpreter import model
from interpreter.compile import Program
from interpreter.diagnostics import UserError, did_you_mean, error
from interpreter.facts import FactBase, Record, _Binder, load_facts
from interpreter.pipeline import Loaded, rule_files
from interpreter.report import json_value

DEFAULT_CHUNK_SIZE = 1 << 18
MANIFEST_VERSION = 1
FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


class BatchIntegrityError(Exception):
    """Rows out differ from rows in: a bug, never published as output."""


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

    @property
    def failed(self) -> bool:
        return self.bad_rows > 0 or any(s in counts for counts in self.statuses.values() for s in ("error", "conflict"))


def _fail(code: str, message: str, **kwargs):
    raise UserError([error(code, message, **kwargs)])


# ---------------------------------------------------------------- formats and inputs

def format_of(path: str, role: str) -> str:
    if os.path.isdir(path):
        return "parquet"
    suffix = os.path.splitext(path)[1].lower()
    found = FORMATS.get(suffix)
    if found is None:
        _fail("E601", f"{role} {path}: cannot tell the format from `{suffix or 'no extension'}`",
              suggestions=("use .jsonl, .csv or .parquet",))
    return found


def parquet_files(path: str) -> list[str]:
    if os.path.isdir(path):
        found = []
        for directory, subdirectories, files in os.walk(path):
            subdirectories.sort()
            found.extend(os.path.join(directory, f) for f in sorted(files) if f.endswith((".parquet", ".pq")))
        if not found:
            _fail("E602", f"{path} holds no .parquet files")
        return found
    return [path]


@attrs.define
class RawChunk:
    """Rows `start` .. `start + rows - 1` of the input, as read: columns of raw values."""
    index: int
    start: int
    rows: int
    columns: dict  # field name -> pyarrow Array or list of raw Python values
    problems: dict = attrs.field(factory=dict)  # row offset -> reason (rows that could not be read at all)
    extra: dict = attrs.field(factory=dict)  # row offset -> {unknown field: value} (JSONL)


def _check_columns(entity: model.Entity, names, path: str) -> None:
    fields = [f.name for f in entity.fields]
    for name in names:
        if entity.field(name) is None:
            _fail("E603", f"{path}: column `{name}` is not a field of {entity.name}",
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
    """Arrow record batches -> (index, start, table) of exactly chunk_size rows (the last may be shorter)."""
    import pyarrow as pa

    pending, pending_rows, index, start = [], 0, 0, 0
    for batch in batches:
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
    for index, start, table in _rechunk(batches, chunk_size, skip):
        if table is None:
            yield RawChunk(index, start, -1, {})
            continue
        columns = {name: table.column(name).combine_chunks() for name in table.column_names}
        yield RawChunk(index, start, table.num_rows, columns)


def _parquet_chunks(path, entity, chunk_size, skip):
    import pyarrow as pa
    import pyarrow.parquet as pq

    for file in parquet_files(path):
        try:
            handle = pq.ParquetFile(file)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
            _fail("E604", f"{file} is not a readable Parquet file ({exc})")
        _check_columns(entity, handle.schema_arrow.names, file)
    files = parquet_files(path)

    def batches():
        for file in files:
            try:
                yield from pq.ParquetFile(file).iter_batches(batch_size=chunk_size)
            except (pa.ArrowException, OSError) as exc:
                _fail("E604", f"{file} could not be read to the end ({exc})")
    yield from _table_chunks(batches(), entity, chunk_size, skip)


def _csv_chunks(path, entity, chunk_size, skip):
    import csv

    import pyarrow as pa
    import pyarrow.csv as pcsv

    if not os.path.isfile(path):
        _fail("E605", f"no input file at {path}")
    with open(path, newline="", encoding="utf-8-sig") as handle:
        try:
            header = next(csv.reader(handle), None)
        except (csv.Error, UnicodeDecodeError) as exc:
            _fail("E606", f"{path}: the header line is not CSV text ({exc})")
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
                _fail("E606", f"{path}: not valid CSV ({exc})",
                      suggestions=("every line needs as many fields as the header",))
        yield from _table_chunks(batches(), entity, chunk_size, skip)
    except pa.ArrowInvalid as exc:
        _fail("E606", f"{path}: not valid CSV ({exc})", suggestions=("every line needs as many fields as the header",))


def _jsonl_chunks(path, entity, chunk_size, skip):
    if not os.path.isfile(path):
        _fail("E605", f"no input file at {path}")
    names = [f.name for f in entity.fields]
    known = set(names)
    collection = entity.collection

    def flush(index, start, lines):
        if index in skip:
            return RawChunk(index, start, -1, {})
        columns = {name: [None] * len(lines) for name in names}
        chunk = RawChunk(index, start, len(lines), columns)
        for offset, (number, text) in enumerate(lines):
            try:
                item = json.loads(text, parse_float=Decimal)
            except (json.JSONDecodeError, RecursionError) as exc:
                chunk.problems[offset] = f"{collection}[{start + offset}]: line {number} is not valid JSON ({getattr(exc, 'msg', 'nested too deeply')})"
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

    with open(path, encoding="utf-8") as handle:
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
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in parquet_files(path))


def read_parquet_range(path: str, start: int, stop: int):
    """Rows start .. stop-1 of a (possibly partitioned) Parquet input, reading only the row groups needed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pieces, offset = [], 0
    for file in parquet_files(path):
        handle = pq.ParquetFile(file)
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


# ---------------------------------------------------------------- the job: rules + shared facts, per process

def _facts_for(loaded: Loaded, facts_path: str | None) -> FactBase:
    if facts_path is None:
        return FactBase("<none>", None, {}, {e: () for e in loaded.ruleset.entities})
    facts, diagnostics = load_facts(loaded.ruleset, facts_path)
    if diagnostics or facts is None:
        raise UserError(diagnostics)
    return facts


def choose_entity(ruleset: model.RuleSet, facts: FactBase, wanted: str | None, columns=None) -> model.Entity:
    """--entity (a name or a collection), else the only entity whose collection the facts leave empty."""
    entities = list(ruleset.entities.values())
    if wanted:
        found = ruleset.entities.get(wanted) or ruleset.entity_by_collection(wanted)
        if found is None:
            _fail("E607", f"no entity `{wanted}` in this rule set",
                  suggestions=did_you_mean(wanted, [e.name for e in entities] + [e.collection for e in entities]))
        return found
    candidates = [e for e in entities if not facts.records.get(e.name) and any(v.owner == e.name for v in ruleset.decisions())]
    if len(candidates) > 1 and columns:
        fitting = [e for e in candidates if all(e.field(c) is not None for c in columns)]
        candidates = fitting or candidates
    if len(candidates) == 1:
        return candidates[0]
    names = ", ".join(e.name for e in candidates) or "none"
    _fail("E608", f"cannot tell which entity the input holds (candidates: {names})",
          suggestions=("name it with --entity, e.g. --entity ImportLine",))


class Job:
    """Everything needed to evaluate chunks: built once per process (and once per Dask worker)."""

    def __init__(self, loaded: Loaded, facts: FactBase, entity: model.Entity, explain: bool = False,
                 columnar: bool = True):
        self.loaded = loaded
        self.ruleset = loaded.ruleset
        self.facts = facts
        self.entity = entity
        self.explain = explain
        self.program = Program(loaded.ruleset, loaded.tables, entity.name)
        self.session = self.program.session(facts)
        self.decisions = self.program.decisions
        self.fields = {f.name: f for f in entity.fields}
        self.columnar = None
        if columnar and not explain:
            from interpreter.columnar import ColumnarProgram

            self.columnar = ColumnarProgram(self.session)

    # ------------------------------------------------------------ rows

    def record(self, raw: RawChunk, offset: int, binder: _Binder) -> tuple[Record | None, str | None]:
        """One row -> (Record, None) or (None, reason)."""
        if offset in raw.problems:
            return None, raw.problems[offset]
        index = raw.start + offset
        path = f"{self.entity.collection}[{index}]"
        binder.diagnostics.clear()
        binder.references.clear()
        fields = {}
        for name, column in raw.columns.items():
            value = column[offset]
            if value is not None and not isinstance(value, (str, bool, int, float, Decimal, dt.date, list, dict)):
                value = value.as_py()  # an Arrow scalar
            if value is None:
                continue
            field = self.fields[name]
            converted = binder.convert(value, field.type, f"{path}.{name}")
            if converted is not None:
                fields[name] = converted
        for name in raw.extra.get(offset, {}):
            binder.report("E411", f"{self.entity.name} has no field `{name}`", f"{path}.{name}",
                          suggestions=did_you_mean(name, list(self.fields)))
        for entity, key, where in binder.references:
            if key not in self.session.by_key.get(entity, {}):
                binder.report("E413", f"no {entity} with key {key!r} in `{self.ruleset.entities[entity].collection}`", where)
        if binder.diagnostics:
            return None, "; ".join(f"{d.fact_path}: {d.message}" for d in binder.diagnostics)
        key = fields.get(self.entity.key)
        return Record(self.entity.name, index, None if key is None else str(key), path, fields), None

    def key_text(self, raw: RawChunk, offset: int):
        column = raw.columns.get(self.entity.key)
        if column is None:
            return None
        value = column[offset]
        if value is not None and not isinstance(value, (str, bool, int, float, Decimal, dt.date, list, dict)):
            value = value.as_py()
        if value is None or isinstance(value, (dict, list, bool)):
            return None
        return str(value)

    def decide_rows(self, raw: RawChunk, offsets) -> dict[int, tuple]:
        """Row by row through the compiled closures: offset -> (key, [outcome per decision] | None, error)."""
        binder = _Binder(self.ruleset, "<batch>")
        results = {}
        for offset in offsets:
            record, problem = self.record(raw, offset, binder)
            if record is None:
                results[offset] = (self.key_text(raw, offset), None, problem, None)
                continue
            outcomes = self.session.decide(record)
            explanation = self.explain_record(record) if self.explain else None
            results[offset] = (record.key, outcomes, None, explanation)
        return results

    def explain_record(self, record: Record) -> str:
        """The interpreter's explanation of every decision of one record (JSON text)."""
        from interpreter.evaluate import Evaluator
        from interpreter.explain import explain
        from interpreter.report import explanation_json
        from interpreter.trace import Tracer

        records = dict(self.facts.records)
        records[self.entity.name] = (record,)
        facts = FactBase(self.facts.file, self.facts.as_of, self.facts.globals, records)
        tracer = Tracer()
        evaluator = Evaluator(self.ruleset, self.loaded.tables, facts, self.session.as_of, tracer)
        document = {}
        for value in self.decisions:
            evaluator.outcome(value, record)
            document[value.name] = explanation_json(explain(self.ruleset, tracer.frame_for(value, record)))
        return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    # ------------------------------------------------------------ chunks

    def evaluate(self, raw: RawChunk):
        """One chunk -> (its output table (pyarrow), rows in input order; the number of bad rows)."""
        if self.columnar is not None:
            return self.columnar.evaluate(self, raw)
        results = self.decide_rows(raw, range(raw.rows))
        return self.assemble(raw, results), sum(1 for r in results.values() if r[1] is None)

    def output_schema(self):
        import pyarrow as pa

        text = pa.string_view()  # what polars produces: no conversion between the engines
        fields = [pa.field("row", pa.int64()), pa.field(self.entity.key, text)]
        for value in self.decisions:
            fields.append(pa.field(value.name, _arrow_type(value)))
            fields.append(pa.field(f"{value.name}_status", text))
            fields.append(pa.field(f"{value.name}_citations", text))
            fields.append(pa.field(f"{value.name}_missing", text))
        fields.append(pa.field("error", text))
        if self.explain:
            fields.append(pa.field("explanation", text))
        return pa.schema(fields)

    def row_columns(self, results: dict, offsets) -> dict[str, list]:
        """Row-by-row results -> Python lists per output column (for the given offsets, in order)."""
        columns: dict[str, list] = {"key": [], "error": [], "explanation": []}
        per = [([], [], [], []) for _ in self.decisions]
        program = self.program
        for offset in offsets:
            key, outcomes, problem, explanation = results[offset]
            columns["key"].append(key)
            columns["explanation"].append(explanation)
            if outcomes is None:
                for values, statuses, citations, missing in per:
                    values.append(None)
                    statuses.append("error")
                    citations.append("")
                    missing.append("")
                columns["error"].append(problem)
                continue
            messages = []
            for value, outcome, (values, statuses, citations, missing) in zip(self.decisions, outcomes, per):
                status = outcome.status
                statuses.append(status)
                values.append(_cell(outcome.value, value.type.kind) if status == "decided" else None)
                citations.append(program.citation_text(outcome.rules or outcome.conflict))
                missing.append("; ".join(sorted(outcome.missing)))
                if status in ("error", "conflict"):
                    messages.append(f"{value.name}: {outcome.message}")
            columns["error"].append("; ".join(messages) or None)
        for value, (values, statuses, citations, missing) in zip(self.decisions, per):
            columns[value.name] = values
            columns[f"{value.name}_status"] = statuses
            columns[f"{value.name}_citations"] = citations
            columns[f"{value.name}_missing"] = missing
        return columns

    def assemble(self, raw: RawChunk, results: dict):
        import pyarrow as pa

        schema = self.output_schema()
        columns = self.row_columns(results, range(raw.rows))
        arrays = [pa.array(range(raw.start, raw.start + raw.rows), pa.int64()), pa.array(columns["key"], pa.string_view())]
        for field in list(schema)[2:]:
            name = field.name
            arrays.append(pa.array(columns[name], field.type))
        return pa.Table.from_arrays(arrays, schema=schema)


def _arrow_type(value: model.Value):
    import pyarrow as pa

    kind = value.type.kind
    if kind == "boolean":
        return pa.bool_()
    if kind == "integer":
        return pa.int64()
    return pa.string_view()


def _cell(value, kind: str):
    """A decided value as written in an output cell: json_value, sets as JSON text."""
    if kind in ("boolean", "integer"):
        return value
    shown = json_value(value, kind)
    if isinstance(shown, list):
        return json.dumps(shown, ensure_ascii=False, separators=(",", ":"))
    return None if shown is None else str(shown)


# ---------------------------------------------------------------- fingerprints and the manifest

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
    tables = [t.path for t in loaded.ruleset.tables.values()]
    return {
        "rules": _digest(rule_files(loaded.root) + tables),
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

    def open(self, resume: bool) -> int:
        """Start afresh, or take over the completed chunks of an interrupted run; -> chunks resumed."""
        if os.path.isdir(self.directory) and resume:
            try:
                with open(self.manifest_path, encoding="utf-8") as handle:
                    manifest = json.load(handle)
            except (OSError, ValueError):
                manifest = None
            if manifest is not None:
                if manifest.get("version") != MANIFEST_VERSION or manifest.get("identity") != self.identity:
                    changed = [k for k in self.identity if (manifest.get("identity") or {}).get(k) != self.identity[k]]
                    _fail("E609", f"cannot resume: the {', '.join(changed) or 'manifest'} changed since the interrupted run "
                                  f"({self.directory})", suggestions=("run again without --resume to start over",))
                for index, entry in manifest.get("done", {}).items():
                    if _part_rows(self.part(int(index))) == entry["rows"]:
                        self.done[int(index)] = entry
                return len(self.done)
        if os.path.isdir(self.directory):
            shutil.rmtree(self.directory)
        os.makedirs(self.directory)
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


# ---------------------------------------------------------------- the output file

def publish(checkpoint: Checkpoint, output: str, fmt: str, schema, expected_rows: int) -> int:
    """Parts in chunk order -> OUTPUT (atomically); checks rows out = rows in and the row sequence."""
    import pyarrow as pa

    temporary = f"{output}.tmp-{os.getpid()}"
    written = 0
    try:
        writer = _Writer(temporary, fmt, schema)
        try:
            for index in sorted(checkpoint.done):
                entry = checkpoint.done[index]
                with pa.memory_map(checkpoint.part(index)) as source:
                    table = pa.ipc.open_file(source).read_all()
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
    def __init__(self, path: str, fmt: str, schema):
        self.fmt = fmt
        self.schema = schema
        self.path = path
        self.first = True
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            # plain large strings in the file, readable by any Parquet reader
            self.file_schema = pa.schema([pa.field(f.name, pa.large_string() if f.type == pa.string_view() else f.type)
                                          for f in schema])
            self.writer = pq.ParquetWriter(path, self.file_schema)
        else:
            self.handle = open(path, "wb")

    def write(self, table) -> None:
        import polars as pl

        if self.fmt == "parquet":
            self.writer.write_table(table.cast(self.file_schema))
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


# ---------------------------------------------------------------- running a batch

# Test hook: raise after this many chunks were completed in this run (simulates a crash).
_FAIL_AFTER_ENV = "RULES_BATCH_FAIL_AFTER_CHUNKS"


class SimulatedCrash(RuntimeError):
    pass


def run_batch(loaded: Loaded, input_path: str, output_path: str, facts_path: str | None = None,
              entity: str | None = None, explain: bool = False, resume: bool = False, engine: str = "local",
              scheduler: str | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE, progress=None,
              columnar: bool = True, fail_after_chunks: int | None = None) -> BatchSummary:
    """Evaluate every record of INPUT; write OUTPUT atomically. `progress(done_rows, total_rows|None)`."""
    began = time.perf_counter()
    if not loaded.ok:
        raise UserError([d for d in loaded.diagnostics if d.is_error])
    if chunk_size < 1:
        _fail("E610", f"--chunk-size must be at least 1, not {chunk_size}")
    if not os.path.exists(input_path):
        _fail("E605", f"no input file at {input_path}")
    in_format = format_of(input_path, "input")
    out_format = format_of(output_path, "output")
    if os.path.abspath(output_path) == os.path.abspath(input_path):
        _fail("E611", "the output would overwrite the input")
    if engine == "dask" and in_format != "parquet":
        _fail("E612", f"--engine dask reads partitioned Parquet; {input_path} is {in_format.upper()}",
              suggestions=("convert the input to Parquet, or use --engine local",))
    facts = _facts_for(loaded, facts_path)
    job_entity = choose_entity(loaded.ruleset, facts, entity, _input_columns(input_path, in_format))
    job = Job(loaded, facts, job_entity, explain, columnar)
    if fail_after_chunks is None and os.environ.get(_FAIL_AFTER_ENV):
        fail_after_chunks = int(os.environ[_FAIL_AFTER_ENV])
    identity = fingerprint(loaded, facts_path, input_path, job_entity.name, explain, chunk_size, out_format)
    checkpoint = Checkpoint(output_path, identity)
    resumed = checkpoint.open(resume)
    if engine == "dask":
        from interpreter.batch_dask import run_dask

        total, problems = run_dask(job, loaded, facts_path, input_path, checkpoint, chunk_size, scheduler,
                                   progress, fail_after_chunks)
    else:
        total, problems = _run_local(job, input_path, in_format, checkpoint, chunk_size, progress, fail_after_chunks)
    schema = job.output_schema()
    written = publish(checkpoint, output_path, out_format, schema, total)
    problems = _problems(checkpoint)
    statuses, bad = _tally(checkpoint, job)
    checkpoint.remove()
    return BatchSummary(written, bad, len(checkpoint.done), resumed, statuses, tuple(problems[:5]), output_path,
                        engine, time.perf_counter() - began)


def _input_columns(path: str, fmt: str):
    if fmt == "parquet":
        import pyarrow.parquet as pq

        files = parquet_files(path)
        return pq.ParquetFile(files[0]).schema_arrow.names if files else None
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
                    first = json.loads(text)
                    return list(first) if isinstance(first, dict) else None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    return None


def _run_local(job: Job, input_path, in_format, checkpoint: Checkpoint, chunk_size, progress, fail_after):
    total, completed, problems = 0, 0, []
    if progress:
        progress(0, count_parquet_rows(input_path) if in_format == "parquet" else None)
    for raw in read_chunks(input_path, in_format, job.entity, chunk_size, skip=frozenset(checkpoint.done)):
        if raw.rows < 0:  # completed in an earlier run
            total += checkpoint.done[raw.index]["rows"]
        else:
            table, bad = job.evaluate(raw)
            if table.num_rows != raw.rows:
                raise BatchIntegrityError(f"chunk {raw.index}: {raw.rows} rows in, {table.num_rows} out")
            write_part(table, checkpoint.part(raw.index))
            checkpoint.complete(raw.index, raw.start, raw.rows, chunk_stats(job, table, bad))
            total += raw.rows
            completed += 1
            if fail_after is not None and completed >= fail_after:
                raise SimulatedCrash(f"simulated crash after {completed} chunks")
        if progress:
            progress(total, None)
    return total, problems


def _problems(checkpoint: Checkpoint, limit: int = 5) -> list[str]:
    """The first few messages of the `error` column, in row order."""
    import pyarrow as pa

    found: list[str] = []
    for index in sorted(checkpoint.done):
        entry = checkpoint.done[index]
        if not entry["bad"] and not any(s in counts for counts in entry["statuses"].values() for s in ("error", "conflict")):
            continue
        with pa.memory_map(checkpoint.part(index)) as source:
            found.extend(_first_problems(pa.ipc.open_file(source).read_all(), limit - len(found)))
        if len(found) >= limit:
            break
    return found


def _first_problems(table, limit: int) -> list[str]:
    if limit <= 0:
        return []
    import pyarrow.compute as pc

    errors = table.column("error")
    positions = pc.indices_nonzero(pc.is_valid(errors)).slice(0, limit).to_pylist()
    return [errors[i].as_py() for i in positions]


def chunk_stats(job: Job, table, bad: int) -> dict:
    """Per decision, how many rows of a chunk have each status; and how many rows were bad."""
    import pyarrow.compute as pc

    statuses = {}
    for value in job.decisions:
        counts = pc.value_counts(table.column(f"{value.name}_status")).to_pylist()
        statuses[value.name] = {entry["values"]: entry["counts"] for entry in counts}
    return {"statuses": statuses, "bad": bad}


def _tally(checkpoint: Checkpoint, job: Job):
    statuses: dict = {v.name: {} for v in job.decisions}
    bad = 0
    for entry in checkpoint.done.values():
        bad += entry["bad"]
        for name, counts in entry["statuses"].items():
            for status, count in counts.items():
                statuses[name][status] = statuses[name].get(status, 0) + count
    return {k: dict(sorted(v.items())) for k, v in statuses.items()}, bad
