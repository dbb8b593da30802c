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
_FRACTION = r"^[^.]*\.?"  # everything up to the decimal point: what is left are the decimal places
_WHOLE = r"\..*$|^-"  # the decimal places and a sign: what is left are the whole digits


def decimal_columns(job) -> dict[str, str]:
    """Output column -> declared kind, for every decision whose values are decimal numbers."""
    return {v.name: v.type.kind for v in job.decisions if v.type.kind in DECIMAL_KINDS}


def widths(table, columns) -> dict[str, tuple[int, int]]:
    """Column -> (most whole digits, most decimal places) over one part's non-null values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = {}
    for name in columns:
        column = table.column(name).cast(pa.large_string())
        places = pc.max(pc.utf8_length(pc.replace_substring_regex(column, _FRACTION, ""))).as_py() or 0
        whole = pc.max(pc.utf8_length(pc.replace_substring_regex(column, _WHOLE, ""))).as_py() or 0
        found[name] = (whole, places)
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


def cast(table, schema):
    """A part as the file schema types it (string -> decimal is exact: the scale fits every value)."""
    import pyarrow as pa

    columns = []
    for field, column in zip(schema, table.columns):
        if pa.types.is_decimal(field.type) or pa.types.is_dictionary(field.type):
            column = column.cast(pa.large_string())
        columns.append(column.cast(field.type))
    return pa.Table.from_arrays(columns, schema=schema)


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
