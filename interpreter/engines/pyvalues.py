"""Python values in the columnar engine: an operation with no polars form -> evaluated once per distinct
tuple of its operands' values in a chunk by the interpreter's own helpers, and joined back as a column.

input <- a model node whose operands are columns (`columns.C`); output -> a column of the result: native
(boolean, integer, text, enum, date) where polars holds the value exactly, else the id of the value in
an `Interned` table (money, rates and decimals that need not fit 64-bit fixed point, durations, sets).
Guarantees: the result is the interpreter's (`evaluate._arithmetic`, `_compare`, `call_builtin`, ...
applied to the same Python values); where the operation raises, or gives an unknown, the row's
fallback flag is raised and the row is decided row by row; ids are equal exactly where the values are
(Python equality within one type), so conflicts and exceptions compare them as the interpreter does.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from interpreter.engines.columns import _DECIMAL_KINDS, _pl
from interpreter.evaluation.evaluate import _DependencyFailed
from interpreter.language.values import EvaluationError, Unknown

NATIVE = ("boolean", "integer", "text", "enum", "date")
# what a Python operation on rule data can raise besides an EvaluationError (a comparison of a
# date with a number in an ill-typed rule set, a decimal context trap, a recursion limit...)
_FAILURES = (EvaluationError, _DependencyFailed, ArithmeticError, TypeError, ValueError, RecursionError)


class Interned:
    """Values with no native column, each given an id (equal ids <-> equal values of one type)."""

    def __init__(self):
        self.values: list = []
        self._ids: dict = {}

    def id(self, value) -> int:
        key = (type(value).__name__, value)
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = len(self.values)
            self.values.append(value)
        return found


def to_python(kind: str, scale: int, interned: Interned, cell):
    """A cell of a columnar operand -> the interpreter's value."""
    if kind == "py":
        return interned.values[cell]
    if kind in _DECIMAL_KINDS:
        return Decimal(cell).scaleb(-scale)
    return cell


def native(value, kind: str):
    """The interpreter's value -> (a native cell, or None where it has no exact native form)."""
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    if kind == "integer":
        return value if isinstance(value, int) and not isinstance(value, bool) and -2 ** 62 < value < 2 ** 62 else None
    if kind in ("text", "enum"):
        return value if isinstance(value, str) else None
    if kind == "date":
        return value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else None
    return None


class PySite:
    """A callable stage: columns `args` (aliased operand expressions) -> result column `out` and
    failure flag `bad`, evaluating `function(*values)` once per distinct tuple of known operands."""

    def __init__(self, number: int, operands: list, function, kind: str, interned: Interned):
        self.prefix = f"py{number}:"
        self.operands = operands  # the C of each operand
        self.function = function
        self.kind = kind if kind in NATIVE else "py"
        self.interned = interned
        self.args = [f"{self.prefix}a{i}" for i in range(len(operands))]
        self.out, self.bad = self.prefix + "out", self.prefix + "bad"
        self.early = False
        self._cache: dict = {}

    def dtype(self):
        pl = _pl()
        return {"boolean": pl.Boolean, "integer": pl.Int64, "text": pl.Utf8, "enum": pl.Utf8, "date": pl.Date,
                "py": pl.Int64}[self.kind]

    def _one(self, cells: tuple):
        found = self._cache.get(cells)
        if found is None:
            if len(self._cache) > 100_000:
                self._cache.clear()
            values = [to_python(c.kind, c.scale, self.interned, cell) for c, cell in zip(self.operands, cells)]
            try:
                result = self.function(*values)
            except _FAILURES:
                result = Unknown(frozenset())
            found = self._cell_of(result)
            self._cache[cells] = found
        return found

    def _cell_of(self, result) -> tuple:
        """An interpreter result -> (the cell for the output column, whether the row must fall back)."""
        if isinstance(result, Unknown):
            return None, True
        if self.kind == "py":
            return self.interned.id(result), False
        cell = native(result, self.kind)
        return cell, cell is None

    def __call__(self, frame):
        pl = _pl()
        frame = frame.with_columns([c.expr.alias(name) for c, name in zip(self.operands, self.args)])
        pairs = frame.select(self.args).unique().drop_nulls()
        found = [self._one(cells) for cells in pairs.iter_rows()]
        mapping = pairs.with_columns(pl.Series(self.out, [f[0] for f in found], dtype=self.dtype()),
                                     pl.Series(self.bad, [f[1] for f in found], dtype=pl.Boolean))
        return frame.join(mapping, on=self.args, how="left", maintain_order="left") \
            .with_columns(pl.col(self.bad).fill_null(False))
