"""Distinct cases: the entity's decisions and a chunk of records -> groups of rows that must decide alike.

input: the checked model (the decisions of the batch's entity), the shared facts they are decided
with, and a `RawChunk`; output: a `Grouping`: for each row its case, and one representative row
per case (its first row), so a batch decides each case once and copies the outputs to its rows.

What the rows of one case agree on (why deciding one of them decides them all):
- every field of the record that a decision reads, directly or through other values of the
  record (`Inputs.fields`), has the same raw value (same type, same text; float bits; JSONL
  values by type and `repr`) -- except
- a date field used only in comparisons (`<`, `=`, `in {...}`, ...) with dates that do not vary
  by row (constants, global facts and values, `as_of`, the dates of other entities' records met
  in a quantifier over a shared collection: `member.agreement_date <= line.entry_date`), or as
  the as-of date of a complete table without a validity period (its rows' validity dates). Such
  a date is bucketed: rows agree on which side of, or on, each of those dates (`Inputs.bounds`)
  it falls, which settles every comparison and lookup it is in. A date that enters arithmetic,
  becomes a value, is compared with something that varies by row, or is the as-of date of a
  partial table or one with a validity period (whose messages name the date) is grouped on its
  exact value;
- the validity of every other field (a field no decision reads still makes an error row when it
  holds a bad value): a text field holding text is always valid, any other is grouped on its value;
- the key holds plain text (or nothing), so a row's own key can be written for it.
The record's key and position are not inputs unless read; text that names the record (its missing
facts, an error) is never copied: `batch.job` decides such a case's other rows themselves. Rows the
reader could not read, or with unknown fields, are cases of their own. Grouping is off (`Inputs.off`
says why) when a decision uses the record other than through its fields and values.
"""
from __future__ import annotations

import datetime as dt

import attrs

from interpreter.evaluation.evaluate import Evaluator, _DependencyFailed, _ordered
from interpreter.language import model
from interpreter.language.values import EvaluationError, Unknown

COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
MAX_UNROLLED = 10_000  # elements of a shared collection a quantifier is unrolled over to find dates
_RECORD, _OPAQUE = object(), object()  # environment markers: the batch record; an element not known here
_EPOCH = dt.date(1970, 1, 1)
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


@attrs.frozen
class Inputs:
    fields: frozenset  # the record's fields the decisions read
    bounds: dict  # date field -> sorted tuple of the dates it is only compared with (bucketed)
    off: str | None = None  # why rows cannot be grouped


def inputs_of(ruleset: model.RuleSet, entity: model.Entity, decisions, evaluator: Evaluator) -> Inputs:
    walk = _Walk(ruleset, entity, evaluator)
    for value in decisions:
        walk.value(value.id)
    dates = {f.name for f in entity.fields if f.type.kind == "date"}
    bounds = {name: tuple(sorted(walk.bounds.get(name, ()))) for name in walk.read & dates
              if name not in walk.exact}
    return Inputs(frozenset(walk.read), bounds, walk.off)


class _Walk:
    """The fields of the record an expression reads, and the dates each date field is compared with."""

    def __init__(self, ruleset, entity, evaluator):
        self.ruleset, self.entity, self.evaluator = ruleset, entity, evaluator
        self.read: set[str] = set()
        self.exact: set[str] = set()  # date fields not (only) compared with row-independent dates
        self.bounds: dict[str, set] = {}
        self.values: set[str] = set()
        self.off: str | None = None

    def value(self, value_id: str) -> None:
        if value_id in self.values:
            return
        self.values.add(value_id)
        env = {self.entity.variable: _RECORD}
        for rule in self.ruleset.values[value_id].rules:
            for node in (rule.consequence, rule.condition):
                if node is not None:
                    self.visit(node, env)

    def field(self, node, env) -> str | None:
        """The field name if `node` is `record.field`."""
        if isinstance(node, model.FieldRef) and isinstance(node.subject, model.Var) \
                and env.get(node.subject.name) is _RECORD:
            return node.field
        return None

    def visit(self, node, env) -> None:
        name = self.field(node, env)
        if name is not None:
            self.read.add(name)
            self.exact.add(name)
            return
        if isinstance(node, model.Var):
            if env.get(node.name) is _RECORD:
                self.off = "a decision uses the record itself, not only its fields"
            return
        if isinstance(node, model.ValueRef) and isinstance(node.subject, model.Var) \
                and env.get(node.subject.name) is _RECORD:
            if self.ruleset.values[node.value_id].owner != self.entity.name:
                self.off = f"`{node.value_id}` is read of the record"
                return
            self.value(node.value_id)
            return
        if isinstance(node, model.Binary) and node.op in COMPARISONS:
            if self.compared(node.left, [node.right], env) or self.compared(node.right, [node.left], env):
                return
        if isinstance(node, model.SetMembership) and isinstance(node.collection, model.SetLiteral):
            if self.compared(node.element, list(node.collection.items), env):
                return
        if isinstance(node, (model.TableLookup, model.TableMembership)) and self.table_date(node, env):
            self.visit(node.key, env)
            return
        if isinstance(node, (model.Quantifier, model.Aggregate)):
            self.visit(node.collection, env)
            bodies = [b for b in (getattr(node, "condition", None), getattr(node, "value", None),
                                  getattr(node, "where", None)) if b is not None]
            for inner in self.elements(node, env):
                for body in bodies:
                    self.visit(body, inner)
            return
        for child in model.children(node):
            self.visit(child, env)

    def compared(self, side, others: list, env) -> bool:
        """`record.date OP other`: the dates `other` can be, if none of them varies by row."""
        name = self.field(side, env)
        if name is None or self.entity.field(name).type.kind != "date":
            return False
        found = set()
        for other in others:
            if self.varies(other, env):
                return False
            try:
                value = self.evaluator.eval(other, self.concrete(env))
            except (EvaluationError, _DependencyFailed):
                continue  # the same failure on every row
            if isinstance(value, Unknown):
                continue  # unknown on every row, whatever the date
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                return False
            found.add(value)
        self.read.add(name)
        self.bounds.setdefault(name, set()).update(found)
        return True

    def table_date(self, node, env) -> bool:
        """`table[key as of record.date]` of a complete table with no validity period: the row found
        depends only on which side of each row's dates it falls (and no message names the date)."""
        name = self.field(node.as_of, env) if node.as_of is not None else None
        if name is None or self.entity.field(name).type.kind != "date":
            return False
        data = self.evaluator.tables[node.table]
        table = data.table
        if not table.complete or table.valid_from is not None or table.valid_through is not None \
                or data.supplied is not None:
            return False
        self.read.add(name)
        found = self.bounds.setdefault(name, set())
        for row in data.rows:
            found.update(d for d in (row.dated_from, row.dated_until) if d is not None)
        return True

    def varies(self, node, env) -> bool:
        return any(isinstance(n, model.Var) and (env.get(n.name) is _RECORD or env.get(n.name) is _OPAQUE)
                   for n in model.walk(node))

    def concrete(self, env) -> dict:
        return {k: v for k, v in env.items() if v is not _RECORD and v is not _OPAQUE}

    def elements(self, node, env):
        """Environments for a quantifier's body: one per element of a shared collection, else one opaque."""
        variable = node.variable.name
        if not self.varies(node.collection, env):
            try:
                collection = self.evaluator.eval(node.collection, self.concrete(env))
            except (EvaluationError, _DependencyFailed):
                collection = None
            if collection is not None and not isinstance(collection, Unknown) and len(collection) <= MAX_UNROLLED:
                return [{**env, variable: element} for element in _ordered(collection)] or [{**env, variable: _OPAQUE}]
        return [{**env, variable: _OPAQUE}]


# ---------------------------------------------------------------- grouping a chunk


@attrs.frozen
class Grouping:
    cases: int | None  # distinct cases in the chunk (None: not counted, see `sampled`)
    representatives: list | None  # offset of each case's first row (None: not grouped)
    case_of_row: object = None  # polars Int64 Series: row offset -> index into representatives
    sampled: tuple | None = None  # (rows, distinct cases among them) of the first rows, when that was enough


SAMPLE = 4_096  # rows looked at first: a chunk whose first rows are nearly all distinct is not grouped


def group(raw, entity: model.Entity, inputs: Inputs, ruleset, worth: float = 0.75, force: bool = False) -> Grouping:
    """The cases of a chunk; grouped (representatives given) when cases <= worth * rows, or `force`.
    A chunk whose first SAMPLE rows have more than worth * SAMPLE cases is neither counted nor grouped."""
    pl = _pl()
    if raw.rows == 0:
        return Grouping(0, None)
    if not force and raw.rows > SAMPLE:
        _, hashes = _hashed(raw.subset(range(SAMPLE)), entity, inputs, ruleset)
        seen = hashes.n_unique()
        if seen > worth * SAMPLE:
            return Grouping(None, None, sampled=(SAMPLE, seen))
    frame, hashes = _hashed(raw, entity, inputs, ruleset)
    ids = hashes.rank("dense").cast(pl.Int64) - 1
    cases = int(ids.max()) + 1
    if not force and cases > worth * raw.rows:
        return Grouping(cases, None)
    positions = pl.DataFrame({"case": ids, "row": pl.int_range(0, raw.rows, dtype=pl.Int64, eager=True)})
    firsts = positions.group_by("case").agg(pl.col("row").min()).sort("row")
    representatives = firsts.get_column("row")
    # case id (hash order) -> index of its representative (row order)
    order = pl.Series(range(cases), dtype=pl.Int64).scatter(firsts.get_column("case"),
                                                            pl.int_range(0, cases, dtype=pl.Int64, eager=True))
    case_of_row = order.gather(ids)
    # 64-bit hashes could collide: every row must equal its representative on every key, or no grouping
    first_rows = representatives.gather(case_of_row)
    for column in frame.get_columns():
        if not column.eq_missing(column.gather(first_rows)).all():
            return Grouping(cases, None)
    return Grouping(cases, representatives.to_list(), case_of_row)


def _hashed(raw, entity: model.Entity, inputs: Inputs, ruleset):
    """-> (the frame of what rows of a case agree on, a 64-bit hash of each row of it)."""
    pl = _pl()
    keys = [_key_column(raw, field, inputs, ruleset) for field in entity.fields]
    keys = [k for k in keys if k is not None]
    solo = set(raw.problems) | set(raw.extra) | _unplain_keys(raw, entity)
    if solo:
        keys.append(pl.Series("__solo", [i if i in solo else None for i in range(raw.rows)], dtype=pl.Int64))
    if not keys:
        keys = [pl.repeat(0, raw.rows, dtype=pl.Int8, eager=True).alias("__all")]
    frame = pl.DataFrame(keys)
    return frame, frame.hash_rows(seed=7)


def _pl():
    import polars as pl

    return pl


def _natural(column, kind: str) -> bool:
    """Every value of this Arrow column is valid for a field of this kind (nothing can make an error row)."""
    import pyarrow as pa

    t = column.type
    if pa.types.is_dictionary(t):
        t = t.value_type
    if kind == "text":
        return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)
    if kind == "boolean":
        return pa.types.is_boolean(t)
    if kind == "integer":
        return pa.types.is_integer(t) and t.bit_width <= 64
    if kind == "date":
        return pa.types.is_date32(t)
    return False


def _key_column(raw, field: model.Field, inputs: Inputs, ruleset):
    """The column rows of a case must agree on for this field, or None if any value will do."""
    pl = _pl()
    name, kind = field.name, field.type.kind
    column = raw.columns.get(name)
    if column is None:
        return None
    read = name in inputs.fields
    if isinstance(column, list):
        if not read and kind == "text" and all(v is None or v.__class__ is str for v in column):
            return None
        if read and name in inputs.bounds:
            return _bucketed_text(pl.Series(name, [v if v.__class__ is str else None for v in column], dtype=pl.Utf8),
                                  inputs.bounds[name], [None if v is None or v.__class__ is str else
                                                        f"{type(v).__name__}\x00{v!r}" for v in column])
        return pl.Series(name, [None if v is None else f"{type(v).__name__}\x00{v!r}" for v in column], dtype=pl.Utf8)
    if not read and _natural(column, kind):
        return None
    series = pl.from_arrow(column)
    if isinstance(series, pl.DataFrame):
        series = series.to_series()
    series = series.alias(name)
    if read and name in inputs.bounds:
        if series.dtype == pl.Date:
            return _buckets(series, inputs.bounds[name])
        if series.dtype == pl.Utf8 or series.dtype == pl.Categorical:
            return _bucketed_text(series.cast(pl.Utf8), inputs.bounds[name], None)
    return _exact(series, column)


def _exact(series, column):
    """A series whose equal values are exactly the equal raw values (floats by their bits)."""
    import pyarrow as pa

    pl = _pl()
    if series.dtype in (pl.Float32, pl.Float64):
        bits = column.view(pa.int32() if pa.types.is_float32(column.type) else pa.int64())
        return pl.from_arrow(bits).alias(series.name)
    if series.dtype == pl.Categorical or isinstance(series.dtype, pl.Enum):
        return series.cast(pl.Utf8)
    return series


def _buckets(dates, bounds: tuple):
    """Date -> 2 x (bounds before it) + (1 if it is one of them): which side of, or on, every bound."""
    pl = _pl()
    days = pl.Series([(b - _EPOCH).days for b in bounds], dtype=pl.Int32)
    values = dates.cast(pl.Int32)
    code = days.search_sorted(values, side="left").cast(pl.Int64) + days.search_sorted(values, side="right")
    return pl.select(pl.when(values.is_not_null()).then(code)).to_series().alias(dates.name)


def _bucketed_text(texts, bounds: tuple, others):
    """Dates written as text: YYYY-MM-DD by bucket, any other text (or value) as itself."""
    pl = _pl()
    shaped = texts.str.contains(_ISO_DATE)
    parsed = pl.select(pl.when(shaped).then(texts.str.strptime(pl.Date, "%Y-%m-%d", strict=False))).to_series()
    code = _buckets(parsed, bounds).cast(pl.Utf8)
    key = pl.select(pl.when(code.is_not_null()).then(pl.lit("b") + code)
                    .when(texts.is_not_null()).then(pl.lit("x") + texts)).to_series()
    if others is not None:
        key = key.zip_with(key.is_not_null(), pl.Series([None if o is None else "t" + o for o in others], dtype=pl.Utf8))
    return key.alias(texts.name)


def _unplain_keys(raw, entity: model.Entity) -> set:
    """Rows whose key is not plain text (or missing): their key is only written by deciding them."""
    column = raw.columns.get(entity.key)
    if column is None:
        return set()
    if isinstance(column, list):
        return {i for i, v in enumerate(column) if v is not None and v.__class__ is not str}
    if entity.field(entity.key).type.kind == "text" and _natural(column, "text"):
        return set()
    return set(range(raw.rows))
