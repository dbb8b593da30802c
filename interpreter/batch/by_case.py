"""Deciding by case: a chunk -> its decided table, deciding each distinct case once -> the same table as
deciding every row.

input: a `RawChunk`, the job's `cases.Inputs` and `decide` (a chunk -> (decided table, bad rows), the
engines as `Job` runs them); output: (the chunk's decided table, bad rows, its distinct cases).
The rows of a case (`cases.group`) are decided through their first row, the case's representative,
with whichever engine `decide` uses, and its outputs are copied to the other rows with their own
`row` and key. A case whose outputs name the record (a missing fact of its own, `imports[L05].hts`;
any `error`) has its other rows decided themselves, so no text is ever rewritten. A chunk whose
cases are not many fewer than its rows is decided row for row, as before.
Guarantee: the table is identical to `decide(raw)`'s (tests/test_batch_cases.py checks it on every
format, with and without grouping, across chunk sizes, and against deciding every row).
"""
from __future__ import annotations

from interpreter.batch import cases as cases_


def decide_by_case(job, raw, inputs, decide, force: bool = False):
    """-> (table, bad rows, the chunk's `cases.Grouping`). `job.row_wise` sums over what `decide` decided."""
    import pyarrow as pa
    import polars as pl

    grouping = cases_.group(raw, job.entity, inputs, job.ruleset, force=force)
    if grouping.representatives is None:
        table, bad = decide(raw)
        return table, bad, grouping
    firsts = grouping.representatives
    table, bad = decide(raw.subset(firsts))
    row_wise = dict(job.row_wise)
    case_of_row = grouping.case_of_row  # row -> its case (the index of the case's first row in `table`)
    is_first = pl.repeat(False, raw.rows, dtype=pl.Boolean, eager=True).scatter(firsts, True)
    personal = _names_the_record(table, job).gather(case_of_row)  # per row: its case's outputs name the record
    copied = ~is_first & ~personal  # the rows whose outputs are their case's first row's
    themselves = (~is_first & personal).arg_true()
    if len(themselves):
        others, more_bad = decide(raw.subset(themselves.to_list()))
        for why, rows in job.row_wise.items():
            row_wise[why] = row_wise.get(why, 0) + rows
        bad += more_bad
        case_of_row = case_of_row.clone().scatter(themselves, pl.int_range(len(firsts), len(firsts) + len(themselves),
                                                                   dtype=pl.Int64, eager=True))
        table = pa.concat_tables([table, others])
    job.row_wise = row_wise
    key_name = job.entity.key
    frame = pl.from_arrow(table)[case_of_row]
    own = _raw_keys(raw, key_name)
    frame = frame.with_columns(pl.int_range(raw.start, raw.start + raw.rows, dtype=pl.Int64, eager=True).alias("row"),
                               frame.get_column(key_name).zip_with(~copied, own).alias(key_name))
    out = frame.to_arrow(compat_level=pl.CompatLevel.newest()).cast(table.schema)
    return out, bad, grouping


def _names_the_record(table, job):
    """Per row of a decided table (a polars Boolean Series): does any of its text name the record (its
    missing facts, an error)?"""
    import polars as pl

    own = f"{job.entity.collection}["
    names = ["error"] + [f"{v.name}_missing" for v in job.decisions]
    frame = pl.from_arrow(table.select(names))
    flag = frame.get_column("error").is_not_null()
    for name in names[1:]:
        flag = flag | frame.get_column(name).str.contains(own, literal=True).fill_null(False)
    return flag


def _raw_keys(raw, name: str):
    """The rows' own keys as the output writes them (plain text: `cases.group` leaves other keys to decide)."""
    import polars as pl
    import pyarrow as pa

    column = raw.columns.get(name)
    if column is None:
        return pl.repeat(None, raw.rows, dtype=pl.Utf8, eager=True)
    if isinstance(column, list):
        return pl.Series(column, dtype=pl.Utf8)
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    series = pl.from_arrow(column)
    return series.cast(pl.Utf8)
