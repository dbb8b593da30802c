"""Row-wise batch path: a chunk's raw rows -> records -> the generated program's results -> output columns.

input <- a `Job` (rule set, shared facts, the generated `Program` and its session) and a `RawChunk`
with the offsets to decide; output -> {offset: (key, Decided | None, problem, explanation)} from
`decide_rows`, and Python lists per output column from `row_columns`.

Guarantees:
- a row is bound exactly as `Job.record` binds it (the reference, and the path taken for any row a
  quick reader declines: a value to convert, a refused value, an extra field, a key not found);
  columns are turned into Python values once per chunk (`to_pylist`) when most rows are decided;
- `Decided` keeps the generated program's unboxed results; iterating it gives the `Outcome`s the
  interpreter would, and `row_columns` writes the same cells as from those outcomes.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from interpreter.engines.generated import Failed, outcome
from interpreter.evaluation.facts import Record, _Binder, record_name
from interpreter.evaluation.report import json_value
from interpreter.language.limits import MAX_FRACTION_DIGITS, number_problem
from interpreter.language.values import Unknown

# Quick readers: what a raw value of the exact class may be taken as, unconverted (as `convert_scalar`).
_TAKE, _ENUM, _KEY, _NUMBER, _CONVERT = range(5)


class Decided:
    """The decisions of one record, as the generated program left them (value, rules per decision)."""
    __slots__ = ("memo", "program")

    def __init__(self, memo: list, program):
        self.memo = memo
        self.program = program

    def __iter__(self):
        memo, width = self.memo, self.program.width
        return iter([outcome(memo[slot], memo[width + slot]) for slot in self.program.decision_slots])

    def __len__(self) -> int:
        return len(self.program.decision_slots)


class RowReader:
    """The quick readers of an entity's fields, chosen once per job."""

    def __init__(self, job):
        self.job = job
        self.entity = job.entity
        self.readers = []
        self.fields = {field.name: field for field in job.entity.fields}
        enums = job.ruleset.enums
        for field in job.entity.fields:
            kind = field.type.kind
            if kind in ("boolean", "text", "date"):
                reader = (_TAKE, {"boolean": bool, "text": str, "date": dt.date}[kind])
            elif kind == "enum":
                reader = (_ENUM, frozenset(enums[field.type.name].variants))
            elif kind == "entity":
                reader = (_KEY, job.session.by_key.get(field.type.name, {}))
            elif kind in ("money", "decimal"):
                reader = (_NUMBER, Decimal)
            elif kind == "integer":
                reader = (_NUMBER, int)
            elif not (kind == "set" and field.type.element.kind == "entity"):  # keys found later: the reference path
                reader = (_CONVERT, None)
            else:
                reader = None
            self.readers.append((field.name, reader))

    def columns(self, raw, offsets) -> list:
        """(field name, values indexable by offset, reader) for the chunk's columns."""
        dense = len(offsets) * 4 >= raw.rows
        out = []
        for name, reader in self.readers:
            column = raw.columns.get(name)
            if column is None:
                continue
            if not isinstance(column, list):
                if dense:
                    column = column.to_pylist()
                else:
                    column = {offset: column[offset].as_py() for offset in offsets}
            out.append((name, column, reader))
        return out

    def records(self, raw) -> list:
        """Every row of the chunk as a Record, or None where a quick reader declines (column by column)."""
        columns = self.columns(raw, range(raw.rows))
        declined: set = set(raw.problems) | set(raw.extra)
        binder = _Binder(self.job.ruleset, "<batch>")
        for index, (name, values, reader) in enumerate(columns):
            others = _declined(values, reader, raw.columns[name])
            if others and reader is not None and reader[0] != _KEY:  # the binder converts them, or they are declined
                values = list(values)
                columns[index] = (name, values, reader)
                kind = self.fields[name].type
                for offset in others:
                    values[offset] = binder.convert(values[offset], kind, "")
                    if binder.diagnostics or values[offset] is None:
                        binder.diagnostics.clear()
                        declined.add(offset)
            else:
                declined.update(others)
        names = [name for name, _, _ in columns]
        entity = self.entity
        label = f"{entity.collection}[{{}}]"
        keys = next((values for name, values, _ in columns if name == entity.key), None)
        out = []
        for offset, row in enumerate(zip(*[values for _, values, _ in columns])):
            if offset in declined:
                out.append(None)
                continue
            key = keys[offset] if keys is not None else None
            key = None if key is None else str(key)
            index = raw.position(offset)
            # fields holding None read as absent, as in `Job.record`
            out.append(Record(entity.name, index, key, label.format(key if key is not None else index),
                              dict(zip(names, row))))
        if not columns:
            out = [None if offset in declined else self.record(columns, raw, offset) for offset in range(raw.rows)]
        return out

    def record(self, columns: list, raw, offset: int) -> Record | None:
        """The row as a Record when every value is taken as it is; None to bind it the reference way."""
        fields = {}
        for name, values, reader in columns:
            value = values[offset]
            if value is None:
                continue
            if reader is None:
                return None
            how, what = reader
            if how == _CONVERT:
                return None
            if how == _TAKE:
                if value.__class__ is not what:
                    return None
            elif how == _ENUM or how == _KEY:
                if value.__class__ is not str or value not in what:
                    return None
            elif value.__class__ is not what or number_problem(value, read=True) is not None:
                return None
            fields[name] = value
        entity = self.entity
        key = fields.get(entity.key)
        key = None if key is None else str(key)
        index = raw.position(offset)
        return Record(entity.name, index, key, record_name(entity.collection, index, key), fields)


def _declined(values: list, reader, column) -> list:
    """The offsets of the values a quick reader does not take as they are (to convert, or to bind the reference way)."""
    if reader is None or reader[0] == _CONVERT:
        return [offset for offset, value in enumerate(values) if value is not None]
    how, what = reader
    if how == _TAKE:
        return [offset for offset, value in enumerate(values) if value is not None and value.__class__ is not what]
    if how != _NUMBER:
        return [offset for offset, value in enumerate(values)
                if value is not None and (value.__class__ is not str or value not in what)]
    if _within_limits(column):
        return [offset for offset, value in enumerate(values) if value is not None and value.__class__ is not what]
    return [offset for offset, value in enumerate(values) if value is not None and (
        value.__class__ is not what or number_problem(value, read=True) is not None)]


def _within_limits(column) -> bool:
    """An Arrow column whose type keeps every number within `limits` (64-bit integers, small decimals)."""
    kind = getattr(column, "type", None)
    if kind is None:
        return False
    import pyarrow as pa

    if pa.types.is_integer(kind):
        return True  # below 2^64 < 10^30
    return pa.types.is_decimal(kind) and kind.precision - kind.scale < 30 and kind.scale <= MAX_FRACTION_DIGITS


def decide_rows(job, raw, offsets) -> dict[int, tuple]:
    """Row by row through the generated program: offset -> (key, Decided | None, problem, explanation)."""
    reader = job.row_reader
    special = raw.problems.keys() | raw.extra.keys()
    dense = len(offsets) == raw.rows
    if dense:
        quick = reader.records(raw)
    else:
        columns = reader.columns(raw, offsets)
    decide = job.session.decide_raw
    program = job.program
    binder = None
    results = {}
    for offset in offsets:
        if dense:
            record = quick[offset]
        else:
            record = None if offset in special else reader.record(columns, raw, offset)
        if record is None:
            if binder is None:
                binder = _Binder(job.ruleset, "<batch>")
            record, problem = job.record(raw, offset, binder)
            if record is None:
                results[offset] = (job.key_text(raw, offset), None, problem, None)
                continue
        explanation = job.explain_record(record) if job.explain else None
        results[offset] = (record.key, Decided(decide(record), program), None, explanation)
    return results


def row_columns(job, results: dict, offsets) -> dict[str, list]:
    """Row-by-row results -> Python lists per output column (for the given offsets, in order)."""
    program = job.program
    width = program.width
    citation_text = program.citation_text
    keys, errors, explanations = [], [], []
    decisions = [(value, program.decision_slots[i], value.type.kind, value.type.kind in ("boolean", "integer"),
                  [], [], [], [], {}) for i, value in enumerate(job.decisions)]
    for offset in offsets:
        key, decided, problem, explanation = results[offset]
        keys.append(key)
        explanations.append(explanation)
        if decided is None:
            for _, _, _, _, values, statuses, citations, missing, _ in decisions:
                values.append(None)
                statuses.append("error")
                citations.append("")
                missing.append("")
            errors.append(problem)
            continue
        memo = decided.memo if decided.__class__ is Decided else None
        messages = None
        for index, (value, slot, kind, as_is, values, statuses, citations, missing, cells) in enumerate(decisions):
            if memo is None:  # a list of Outcomes
                found = decided[index]
                x = found.value if found.status == "decided" else Failed(found)
                rules = found.rules
            else:
                x, rules = memo[slot], memo[width + slot]
            cls = x.__class__
            if cls is Failed:
                found = x.outcome
                statuses.append(found.status)
                values.append(None)
                citations.append(citation_text(found.rules or found.conflict))
                missing.append("; ".join(sorted(found.missing)))
                if found.status in ("error", "conflict"):
                    messages = (messages or []) + [f"{value.name}: {found.message}"]
            elif cls is Unknown:
                statuses.append("undetermined")
                values.append(None)
                citations.append("")
                missing.append("; ".join(sorted(x.missing)))
            else:
                statuses.append("decided")
                if as_is:
                    values.append(x)
                elif cls is str or cls is dt.date:  # exact as dictionary keys: the cell is cached
                    cell = cells.get(x)
                    if cell is None:
                        cell = cells[x] = _cell(x, kind)
                    values.append(cell)
                else:
                    values.append(_cell(x, kind))
                citations.append(citation_text(rules))
                missing.append("")
        errors.append("; ".join(messages) if messages else None)
    columns: dict[str, list] = {"key": keys, "error": errors, "explanation": explanations}
    for value, _, _, _, values, statuses, citations, missing, _ in decisions:
        columns[value.name] = values
        columns[f"{value.name}_status"] = statuses
        columns[f"{value.name}_citations"] = citations
        columns[f"{value.name}_missing"] = missing
    return columns


def _cell(value, kind: str):
    """A decided value as written in an output cell: json_value, sets as JSON text."""
    if kind in ("boolean", "integer"):
        return value
    shown = json_value(value, kind)
    if isinstance(shown, list):
        return json.dumps(shown, ensure_ascii=False, separators=(",", ":"))
    return None if shown is None else str(shown)
