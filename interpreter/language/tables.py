"""Reference tables: CSV files next to the rules -> typed, dated rows with provenance.

input: the `table` declarations of a resolved rule set; output: `TableData` per
table and located diagnostics (file:line of the CSV) for missing files, missing
columns and values that do not fit their declared type. A table file outside the rule
set's directory, over 64 MiB, not UTF-8 or with a field over 131,072 characters is refused
with a diagnostic that quotes nothing of its content. Every row keeps the value
of its source column, so explanations can cite `90 FR 50494` next to the value used.

`TableData.lookup` is the one meaning of `k in T` and `T[k]` (both engines call it): a row;
`None` for "not listed" (only a `complete` table can say that); or an `Unknown` naming the
table and the key, or the date outside the table's `valid` period, or the codes a too-short
prefix key would cover. Rows a fact file supplies (with their source) are used only where the
table has no row of its own.
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
from interpreter.language.values import Unknown


@attrs.frozen
class Row:
    table: str
    key: str
    data: dict = attrs.field(eq=False, hash=False)
    source: str | None
    line: int
    dated_from: dt.date | None = None
    dated_until: dt.date | None = None
    supplied_by: str | None = None  # the fact file that supplied the row, if not the table's CSV


def _cut(text: str, most: int = 200) -> str:
    return text if len(text) <= most else text[:most] + "…"


def _normalise_prefix(key: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", key)


@attrs.define
class TableData:
    table: model.Table
    rows: list[Row]
    by_key: dict = attrs.field(factory=dict)
    supplied: "TableData | None" = None  # rows a fact file supplies, looked at only where the table has none
    _dated_rows: bool = False

    def __attrs_post_init__(self):
        # rows of a `dated` table, or supplied rows with a validity period of their own
        self._dated_rows = self.table.dated_from is not None or any(r.dated_from or r.dated_until for r in self.rows)
        for row in self.rows:
            key = _normalise_prefix(row.key) if self.table.prefix_match else row.key
            self.by_key.setdefault(key, []).append(row)

    @property
    def simple(self) -> bool:
        """`find` alone gives the lookup: complete, no validity period, no supplied rows, exact keys."""
        table = self.table
        return (table.complete and table.valid_from is None and table.valid_through is None
                and self.supplied is None and not table.prefix_match)

    def with_supplied(self, rows: list[Row]) -> "TableData":
        return TableData(self.table, self.rows, self.by_key, TableData(self.table, list(rows)))

    def valid_on(self, when: dt.date | None) -> bool:
        table = self.table
        if when is None:
            return True
        return (table.valid_from is None or table.valid_from <= when) and \
            (table.valid_through is None or when <= table.valid_through)

    def period(self) -> str:
        table = self.table
        if table.valid_from and table.valid_through:
            return f"{table.valid_from.isoformat()} through {table.valid_through.isoformat()}"
        if table.valid_from:
            return f"from {table.valid_from.isoformat()}"
        return f"through {table.valid_through.isoformat()}"

    def lookup(self, key: str, when: dt.date | None):
        """The row for `key` on `when` (None if the table needs no date): a Row, None ("not listed",
        complete tables only) or an Unknown naming what is not known."""
        name = self.table.name
        in_period = self.valid_on(when)
        if in_period:
            row = self.find(key, when)
            if row is not None:
                return row
        if self.supplied is not None:
            row = self.supplied.find(key, when)
            if row is not None:
                return row
        on = f" on {when.isoformat()}" if when is not None and self.table.dated_from else ""
        if not in_period:
            return Unknown(frozenset({f"table {name} ({key}): its data is valid {self.period()}, "
                                      f"not on {when.isoformat()}"}))
        longer = self.longer_keys(key)
        if longer:
            rows = [self.find(k, when) for k in longer]
            same = {tuple(sorted((c, str(v)) for c, v in r.data.items() if c not in (self.table.key, self.table.source_column)))
                    for r in rows if r is not None}
            if self.table.complete and len(same) == 1 and all(r is not None for r in rows):
                return rows[0]  # every row the shorter code covers says the same: unambiguous
            shown = ", ".join(sorted(r.key for k in longer for r in self.by_key[k][:1]))
            return Unknown(frozenset({f"table {name} ({key}): shorter than the codes it would cover ({shown}); "
                                      "give the full code"}))
        if self.table.complete:
            return None
        return Unknown(frozenset({f"table {name} ({key}): no row{on} in this partial table"}))

    def longer_keys(self, key: str) -> list[str]:
        """Prefix tables: the row keys that `key` is a proper prefix of (it is less specific than they are)."""
        if not self.table.prefix_match:
            return []
        wanted = _normalise_prefix(key)
        if not wanted:
            return []
        return sorted(k for k in self.by_key if len(k) > len(wanted) and k.startswith(wanted))

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
            if as_of is None or not self._dated_rows:
                return rows[0]
            live = [r for r in rows if (r.dated_from is None or r.dated_from <= as_of)
                    and (r.dated_until is None or as_of < r.dated_until)]
            if live:
                return max(live, key=lambda r: r.dated_from or dt.date.min)
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
        line, column = _first_undecodable(table.path)
        problem, where = f"is not UTF-8 text ({exc.reason})", Span.point(table.path, line, column)
    except csv.Error as exc:
        problem, where = f"is not a CSV file rules can read ({exc})", table.span
    diagnostics.append(error("E263", f"table `{table.name}`: {table.path} {problem}", where,
                             suggestions=("save the table as UTF-8 CSV",)))
    return TableData(table, []), diagnostics


def _first_undecodable(path: str) -> tuple[int, int]:
    """Line and byte (1-based) of the first bytes of `path` that are not UTF-8."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return number, exc.start + 1
    return 1, 1


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
