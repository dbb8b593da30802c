"""Typed Parquet output: the parts of a batch run -> the Parquet file's schema, columns and metadata.

input: the output schema of a `Job` (values, statuses, citations as text), the Arrow parts of the
run and what the run decided with; output: a file schema in which money, rate and decimal values
are `decimal128(precision, scale)` columns, statuses and citations are dictionary-encoded, and the
file's key-value metadata (`rules.*`) names the rule set's content hash, act, entity, as-of date,
engine version and the type chosen for each value column.
Guarantees: exact: the scale of a decimal column is the largest number of decimal places any row
of the whole output has (money at least 2), so every value is stored exactly; a column whose
values would need more than 38 digits stays text, and the metadata says so. The types depend only
on the rows decided, never on the chunk size or the engine, so outputs are equal across both.
"""
from __future__ import annotations

import json

DECIMAL_KINDS = ("money", "rate", "decimal")
MAX_DIGITS = 38  # decimal128


def decimal_columns(job) -> dict[str, str]:
    """Output column -> declared kind, for every decision whose values are decimal numbers."""
    return {v.name: v.type.kind for v in job.decisions if v.type.kind in DECIMAL_KINDS}


def widths(table, columns) -> dict[str, tuple[int, int]]:
    """Column -> (most whole digits, most decimal places) over one part's non-null values (plain
    decimal text, as `report.json_value` writes it: an optional `-`, digits, an optional `.` and digits)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = {}
    for name in columns:
        column = table.column(name).cast(pa.large_string())
        point = pc.find_substring(column, ".")  # -1 where there is none
        length = pc.binary_length(column)
        has_point = pc.greater_equal(point, 0)
        places = pc.if_else(has_point, pc.subtract(pc.subtract(length, point), 1), 0)
        whole = pc.subtract(pc.if_else(has_point, point, length),
                            pc.cast(pc.starts_with(column, "-"), pa.int64()))
        found[name] = (pc.max(whole).as_py() or 0, pc.max(places).as_py() or 0)
    return found


def merge(total: dict, part: dict) -> dict:
    return {name: (max(total.get(name, (0, 0))[0], w), max(total.get(name, (0, 0))[1], p))
            for name, (w, p) in part.items()}


def file_schema(schema, kinds: dict[str, str], seen: dict[str, tuple[int, int]]):
    """The job's output schema -> (the Parquet file schema, column -> type chosen, as text)."""
    import pyarrow as pa

    fields, chosen = [], {}
    for field in schema:
        name, kind = field.name, kinds.get(field.name)
        if kind is not None:
            whole, places = seen.get(name, (0, 0))
            scale = max(places, 2 if kind == "money" else 0)
            if whole + scale <= MAX_DIGITS:
                precision = max(whole + scale, scale + 1, 1)
                fields.append(pa.field(name, pa.decimal128(precision, scale)))
                chosen[name] = f"decimal128({precision}, {scale})"
                continue
            chosen[name] = f"text: a value needs {whole + scale} digits, more than {MAX_DIGITS}"
        if name.endswith("_status") or name.endswith("_citations"):
            fields.append(pa.field(name, pa.dictionary(pa.int32(), pa.large_string())))
        elif field.type == pa.string_view():
            fields.append(pa.field(name, pa.large_string()))  # readable by any Parquet reader
        else:
            fields.append(field)
    return pa.schema(fields), chosen


def part_schema(schema, kinds: dict[str, str]):
    """A file schema as a part keeps a chunk: decimal columns as the text decided (a later chunk may
    widen their type, or make it text), the rest as in the file."""
    import pyarrow as pa

    return pa.schema([pa.field(f.name, pa.large_string()) if f.name in kinds else f for f in schema])


def cast(table, schema):
    """A chunk as decided (or as its part keeps it) in the file schema's types (string -> decimal is
    exact: the scale fits every value)."""
    import pyarrow as pa

    columns = []
    for field, column in zip(schema, table.columns):
        if column.type != field.type:
            if pa.types.is_decimal(field.type) or pa.types.is_dictionary(field.type):
                column = column.cast(pa.large_string())
            column = column.cast(field.type)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


def writer_options(schema, kinds: dict[str, str], key: str) -> dict:
    """ParquetWriter options: dictionary pages for the columns whose values repeat (statuses, citations,
    missing facts, rates...), not for the row number (delta-encoded), the key or money amounts."""
    plain = {"row", key} | {name for name, kind in kinds.items() if kind == "money"}
    return {"use_dictionary": [f.name for f in schema if f.name not in plain],
            "column_encoding": {"row": "DELTA_BINARY_PACKED"}}


def engine_version() -> str:
    from importlib import metadata

    try:
        return f"legal-rules {metadata.version('legal-rules')}"
    except metadata.PackageNotFoundError:
        return "legal-rules (not installed)"


def metadata_of(loaded, job, chosen: dict[str, str]) -> dict[bytes, bytes]:
    """The `rules.*` key-value metadata of the output file."""
    from interpreter.language.fingerprint import content_hash

    as_of = job.session.as_of
    entries = {
        "rules.content_hash": content_hash(loaded),
        "rules.act": loaded.ruleset.act,
        "rules.title": loaded.ruleset.title,
        "rules.entity": job.entity.name,
        "rules.as_of": as_of.isoformat() if as_of is not None else "",
        "rules.engine_version": engine_version(),
        "rules.value_types": json.dumps(chosen, sort_keys=True),
    }
    return {key.encode(): value.encode() for key, value in entries.items()}
