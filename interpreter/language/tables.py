"""Reference tables: CSV files next to the rules -> typed, dated rows with provenance.

input: the `table` declarations of a resolved rule set; output: `TableData` per
table and located diagnostics (file:line of the CSV) for missing files, missing
columns and values that do not fit their declared type. A table file outside the rule
set's directory, over 64 MiB, not UTF-8 or with a field over 131,072 characters is refused
with a diagnostic that quotes nothing of its content. Every row keeps the value
of its source column, so explanations can cite `90 FR 50494` next to the value used.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import re

import attrs

from interpreter.language import model
from interpreter.language.diagnostics import Diagnostic, error
from interpreter.language.limits import MAX_TABLE_BYTES
from interpreter.language.scalars import convert_scalar
from interpreter.language.source import Span


@attrs.frozen
class Row:
    table: str
    key: str
    data: dict = attrs.field(eq=False, hash=False)
    source: str | None
    line: int
    dated_from: dt.date | None = None
    dated_until: dt.date | None = None


def _cut(text: str, most: int = 200) -> str:
    return text if len(text) <= most else text[:most] + "…"


def _normalise_prefix(key: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", key)


@attrs.define
class TableData:
    table: model.Table
    rows: list[Row]
    by_key: dict = attrs.field(factory=dict)

    def __attrs_post_init__(self):
        for row in self.rows:
            key = _normalise_prefix(row.key) if self.table.prefix_match else row.key
            self.by_key.setdefault(key, []).append(row)

    def candidates(self, key: str) -> list[list[Row]]:
        """Row groups whose key matches: the exact key, or every matching prefix, longest first."""
        if not self.table.prefix_match:
            return [self.by_key[key]] if key in self.by_key else []
        wanted = _normalise_prefix(key)
        matching = [prefix for prefix in self.by_key if wanted.startswith(prefix)]
        return [self.by_key[prefix] for prefix in sorted(matching, key=len, reverse=True)]

    def find(self, key: str, as_of: dt.date | None) -> Row | None:
        """The row for `key` in force on `as_of`: the most specific key with a row in force,
        and among its rows the latest that started by then."""
        for rows in self.candidates(key):
            if self.table.dated_from is None:
                return rows[0]
            live = [r for r in rows if r.dated_from is not None and r.dated_from <= as_of
                    and (r.dated_until is None or as_of < r.dated_until)]
            if live:
                return max(live, key=lambda r: r.dated_from)
        return None


def load_table(table: model.Table, enums: dict | None = None, home: str | None = None) -> tuple[TableData, list[Diagnostic]]:
    """One table's CSV -> its rows. The file must lie inside `home` (the rule set's directory, symbolic
    links followed): a path that leads elsewhere is refused without opening it, so nothing of a file
    outside the rule set reaches a message."""
    diagnostics: list[Diagnostic] = []
    real = os.path.realpath(table.path)
    if home is not None and os.path.commonpath([real, os.path.realpath(home)]) != os.path.realpath(home):
        diagnostics.append(error("E264", f"table `{table.name}`: {table.path} is outside the rule set's directory; "
                                         "a rule set reads only its own files", table.span,
                                 suggestions=("copy the table into the rule set (e.g. under data/) with its source",)))
        return TableData(table, []), diagnostics
    if not os.path.isfile(table.path):
        diagnostics.append(error("E260", f"table `{table.name}`: no file at {table.path}", table.span))
        return TableData(table, []), diagnostics
    if os.path.getsize(table.path) > MAX_TABLE_BYTES:
        diagnostics.append(error("E263", f"table `{table.name}`: {table.path} is larger than "
                                         f"{MAX_TABLE_BYTES // (1024 * 1024)} MiB", table.span))
        return TableData(table, []), diagnostics
    try:
        return _read_rows(table, enums, diagnostics)
    except UnicodeDecodeError as exc:
        problem = f"is not UTF-8 text (byte {exc.start + 1} of a block: {exc.reason})"
    except csv.Error as exc:
        problem = f"is not a CSV file rules can read ({exc})"
    diagnostics.append(error("E263", f"table `{table.name}`: {table.path} {problem}", table.span,
                             suggestions=("save the table as UTF-8 CSV",)))
    return TableData(table, []), diagnostics


def _read_rows(table: model.Table, enums, diagnostics: list[Diagnostic]) -> tuple[TableData, list[Diagnostic]]:
    rows: list[Row] = []
    with open(table.path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c.name for c in table.columns if c.name not in header]
        if missing:
            diagnostics.append(error("E261", f"{table.path} lacks the column(s) {', '.join(missing)} declared by table `{table.name}`",
                                     table.span, suggestions=(_cut(f"the file has: {', '.join(header)}"),)))
            return TableData(table, []), diagnostics
        for number, raw in enumerate(reader, start=2):
            data = {}
            for column in table.columns:
                text = (raw.get(column.name) or "").strip()
                if text == "":
                    data[column.name] = None
                    continue
                value, problem = convert_scalar(text, column.type, enums)
                if problem:
                    diagnostics.append(error("E262", f"{column.name}: {problem}", Span.point(table.path, number),
                                             fact_path=f"{table.name}[{number - 2}].{column.name}"))
                data[column.name] = value
            key = data.get(table.key)
            if key is None:
                diagnostics.append(error("E262", f"row has no `{table.key}`", Span.point(table.path, number)))
                continue
            source = data.get(table.source_column) if table.source_column else None
            rows.append(Row(
                table.name, str(key), data, source, number,
                data.get(table.dated_from) if table.dated_from else None,
                data.get(table.dated_until) if table.dated_until else None,
            ))
    if table.dated_from:
        for row in rows:
            if row.dated_from is None:
                diagnostics.append(error("E262", f"table `{table.name}` is dated by `{table.dated_from}` but this row has none",
                                         Span.point(table.path, row.line)))
    return TableData(table, rows), diagnostics


def load_tables(ruleset: model.RuleSet) -> tuple[dict[str, TableData], list[Diagnostic]]:
    """Stage: resolved tables -> loaded rows."""
    loaded, diagnostics = {}, []
    for name, table in ruleset.tables.items():
        data, problems = load_table(table, ruleset.enums, ruleset.root)
        loaded[name] = data
        diagnostics.extend(problems)
    return loaded, diagnostics
