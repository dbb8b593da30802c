"""Supplied rows: a fact file's `tables:` section -> rows for partial reference tables, each with its source.

A partial table does not list every key (or holds data for a period only), so a lookup it cannot
answer is unknown. A fact file may supply what the table lacks:

    tables:
      section301_china_rates:
        - {hts: "8505.19.00", rate: "0%", effective_from: 2024-09-27, source: "USTR: no action on 8505.19"}
      world_bank_income:
        - {iso3: PHL, income_group: upper_middle, valid_from: 2026-07-01, valid_through: 2027-06-30,
           source: "World Bank FY2027 classification, 2026-07-01"}

Guarantees: every row names its source (the table's source column, or `source`); rows are converted
to the declared column types like any fact and reported with their fact path; a `complete` table
takes no rows (it already says what is not listed); a supplied row is used only where the table
itself has no row for the key on the date (`TableData.lookup`), and explanations cite its source
and the fact file.
"""
from __future__ import annotations

import datetime as dt

from interpreter.language import model
from interpreter.language import types as T
from interpreter.language.diagnostics import did_you_mean
from interpreter.language.scalars import convert_scalar
from interpreter.language.tables import Row

VALIDITY = ("valid_from", "valid_through")


def bind_supplied(ruleset: model.RuleSet, raw, file: str, report) -> dict:
    """The `tables:` section -> {table name: [Row]}; problems go to `report(code, message, path, suggestions)`."""
    if not isinstance(raw, dict):
        report("E415", "`tables` maps table names to lists of rows", "tables")
        return {}
    out: dict = {}
    for name, rows in raw.items():
        path = f"tables.{name}"
        table = ruleset.tables.get(str(name))
        if table is None:
            report("E415", f"`{name}` is not a table of this rule set", path,
                   did_you_mean(str(name), list(ruleset.tables)))
            continue
        if table.complete:
            report("E415", f"table `{name}` is complete: a key it does not list is not listed, so a fact file "
                           "cannot add rows to it", path, ("declare the table `partial` if it is not exhaustive",))
            continue
        if not isinstance(rows, list):
            report("E415", f"`{path}` is a list of rows", path)
            continue
        out[table.name] = [row for index, item in enumerate(rows)
                           if (row := _row(ruleset, table, item, f"{path}[{index}]", file, report)) is not None]
    return out


def _row(ruleset, table: model.Table, item, path: str, file: str, report) -> Row | None:
    if not isinstance(item, dict):
        report("E415", "each supplied row is a mapping of column names to values", path)
        return None
    source_column = table.source_column or "source"
    names = [c.name for c in table.columns] + list(VALIDITY) + [source_column]
    data, ok = {}, True
    for column_name, value in item.items():
        column_name = str(column_name)
        column = table.column(column_name)
        kind = T.DATE if column_name in VALIDITY else column.type if column is not None else \
            T.TEXT if column_name == source_column else None
        if kind is None:
            report("E411", f"table `{table.name}` has no column `{column_name}`", f"{path}.{column_name}",
                   did_you_mean(column_name, names))
            ok = False
            continue
        if value is None:
            continue
        converted, problem = convert_scalar(value, kind, ruleset.enums)
        if problem:
            report("E412", problem, f"{path}.{column_name}")
            ok = False
            continue
        data[column_name] = converted
    for required in [table.key, source_column] + ([table.dated_from] if table.dated_from else []):
        if data.get(required) is None and ok:
            hint = ("say where the value comes from: a supplied row is cited in every explanation that uses it",) \
                if required == source_column else ()
            report("E416", f"a supplied row of `{table.name}` needs `{required}`", f"{path}.{required}", hint)
            ok = False
    if not ok:
        return None
    valid_from, valid_through = data.pop("valid_from", None), data.pop("valid_through", None)
    if table.dated_from:
        valid_from = data[table.dated_from]
        valid_through = (data[table.dated_until] - dt.timedelta(days=1)) if table.dated_until and data.get(table.dated_until) \
            else valid_through
    until = valid_through + dt.timedelta(days=1) if valid_through is not None else None
    source = f"{data[source_column]} (supplied by {file}, {path})"
    # An undated supplied row applies on every date unless it gives valid_from / valid_through.
    return Row(table.name, str(data[table.key]), data, source, 0,
               valid_from or (dt.date(1, 1, 1) if until else None), until, supplied_by=file)


def with_supplied_rows(tables: dict, facts) -> dict:
    """The tables with the rows a fact base supplies attached (the same dict if it supplies none)."""
    supplied = getattr(facts, "supplied", None)
    if not supplied:
        return tables
    out = dict(tables)
    for name, rows in supplied.items():
        if name in out:
            out[name] = out[name].with_supplied(rows)
    return out
