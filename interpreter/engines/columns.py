"""Columns: typed columnar expressions and exact fixed-point decimal columns for the columnar engine.

`C` pairs a polars expression (null = unknown) with its fallback flag, kind and decimal scale; `R` is
a rule tree's per-row result. Decimals (money, rates) are 64-bit integers with a static scale: inputs
are read at INPUT_SCALE, products add scales, and any magnitude above SAFE or any input with more
places than its scale raises the fallback flag so the row is decided row by row, never approximated.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from interpreter.language import model
from interpreter.language.scalars import MONEY_PATTERN

INPUT_SCALE = {"money": 2, "decimal": 6, "rate": 6}


MAX_SCALE = 12


# Fixed-point magnitudes above this are decided row by row (headroom under 2**63).
SAFE = 4e18




_DECIMAL_KINDS = ("money", "decimal", "rate")


class Unsupported(Exception):
    """This construct has no columnar form: the rule set is decided row by row."""


@attrs.frozen
class C:
    """A columnar expression: `expr` (null = unknown), `fb` (fallback flag or None = never),
    the type kind and the fixed-point scale of decimals."""
    expr: object
    fb: object = None
    kind: str = "any"
    scale: int = 0
    const: object = None  # the Python value when the expression does not depend on the record
    is_const: bool = False
    record: bool = False  # the record itself (only as the subject of a field or value)
    mis: dict = attrs.field(factory=dict)  # missing mask (`missing`): 0 where the value is known
    items: object = None  # a set of text as a polars list column (besides its interned ids), if any


@attrs.frozen
class R:
    """A rule (tree) result per row: applies (`app`, with the value and the mask of the rules applied),
    undecided (`und`, with the missing mask `mis` and, where `pok`, the one value `poss` it could
    take, as `evaluate._Undecided.possible`), or neither (not applicable); `fb`: decide row by row."""
    app: object
    val: C
    mask: object
    fb: object
    und: object = None  # None: never undecided
    mis: dict = attrs.field(factory=dict)
    poss: object = None
    pok: object = None


def _pl():
    import polars as pl

    return pl


def _or(*flags):
    present = [f for f in flags if f is not None]
    if not present:
        return None
    result = present[0]
    for flag in present[1:]:
        result = result | flag
    return result.fill_null(True)


_KINDS = ("boolean", "integer", "text", "enum", "date") + _DECIMAL_KINDS


def _dtype(kind: str):
    pl = _pl()
    return {"boolean": pl.Boolean, "integer": pl.Int64, "text": pl.Utf8, "enum": pl.Utf8, "date": pl.Date,
            "money": pl.Int64, "decimal": pl.Int64, "rate": pl.Int64, "py": pl.Int64}.get(kind, pl.Utf8)


def _scale_of(value) -> int:
    if isinstance(value, int):
        return 0
    return max(0, -value.as_tuple().exponent)


def _scaled(value, scale: int) -> int:
    return int(Decimal(value).scaleb(scale))


def _literal(value) -> C:
    pl = _pl()
    if isinstance(value, bool):
        return C(pl.lit(value, pl.Boolean), None, "boolean", const=value, is_const=True)
    if isinstance(value, int):
        return C(pl.lit(value, pl.Int64), None, "integer", const=value, is_const=True)
    if isinstance(value, Decimal):
        if value < 0:
            raise Unsupported("a negative decimal")
        scale = _scale_of(value)
        if scale > MAX_SCALE or abs(value) > Decimal(10) ** 15:
            raise Unsupported("a decimal too large or too precise for fixed point")
        return C(pl.lit(_scaled(value, scale), pl.Int64), None, "decimal", scale, value, True)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return C(pl.lit(value, pl.Date), None, "date", const=value, is_const=True)
    if isinstance(value, str):
        return C(pl.lit(value, pl.Utf8), None, "text", const=value, is_const=True)
    # sets, records, rows, durations: usable only where a constant is expected
    return C(pl.lit(None), None, "any", const=value, is_const=True)


def list_unsafe(value: C):
    """Where a set of text has an item whose JSON text needs escapes (a control character, a quote,
    a backslash): not written by polars, decided row by row."""
    pl = _pl()
    return value.expr.list.eval(pl.element().str.contains(r'[\x00-\x1f"\\]')).list.any().fill_null(False)


def _product_kind(a: str, b: str) -> str:
    pair = {a, b}
    if "money" in pair:
        return "money"
    if "rate" in pair:
        return "rate"
    return "decimal"


def _format(value: C, kind: str):
    """The output cell of a decided value, as `batch._cell` writes it."""
    pl = _pl()
    x = value.expr
    if value.kind == "list":  # its JSON text, items sorted by their JSON text (`report.json_value`)
        quoted = x.list.eval(pl.concat_str([pl.lit('"'), pl.element(), pl.lit('"')])).list.sort()
        return pl.concat_str([pl.lit("["), quoted.list.join(","), pl.lit("]")])
    if kind in ("boolean", "integer", "text", "enum"):
        return x
    if kind == "date":
        return x.dt.strftime("%Y-%m-%d")
    scale = value.scale
    sign = pl.when(x < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    magnitude = x.abs()
    whole = (magnitude // (10 ** scale)).cast(pl.Utf8)
    if scale == 0:
        return pl.concat_str([sign, whole, pl.lit(".00")]) if kind == "money" else pl.concat_str([sign, whole])
    fraction = (magnitude % (10 ** scale)).cast(pl.Utf8).str.zfill(scale)
    trimmed = fraction.str.strip_chars_end("0")
    if kind == "money":  # values.money_text: trailing zeros dropped, at least two decimals
        return pl.concat_str([sign, whole, pl.lit("."), trimmed.str.pad_end(2, "0")])
    return pl.when(trimmed == "").then(pl.concat_str([sign, whole])).otherwise(
        pl.concat_str([sign, whole, pl.lit("."), trimmed]))


def _convert_column(column, field: model.Field, ruleset, rows: int):
    """A raw column -> (typed Series, Series of rows to decide row by row | None). A value the
    vectorised reader cannot take exactly is left null and flagged: the row-wise reader decides
    whether it is valid (and how) or an error."""
    import pyarrow as pa

    pl = _pl()
    kind = field.type.kind
    if kind not in _KINDS:
        return pl.repeat(None, rows, dtype=pl.Utf8, eager=True), pl.repeat(True, rows, eager=True)
    if isinstance(column, list):
        try:
            source = pl.Series(column, strict=True)
        except (TypeError, ValueError, OverflowError, RuntimeError, pl.exceptions.PolarsError):
            # e.g. Decimal("1E+999999") (no Decimal128 holds it) or a limits.Refused: row by row
            return pl.repeat(None, rows, dtype=_dtype(kind), eager=True), pl.Series([v is not None for v in column])
        if source.dtype == pl.Null:
            return pl.repeat(None, rows, dtype=_dtype(kind), eager=True), None
    else:
        source = pl.from_arrow(column) if isinstance(column, (pa.Array, pa.ChunkedArray)) else pl.Series(column)
    if source.dtype == pl.Categorical or isinstance(source.dtype, pl.Enum):  # dictionary-encoded text
        source = source.cast(pl.Utf8)
    dtype = source.dtype
    present = source.is_not_null()
    typed = None
    if kind in ("text", "enum"):
        if dtype == pl.Utf8 or dtype == pl.String:
            typed = source
        elif dtype.is_integer():
            typed = source.cast(pl.Utf8)
        if typed is not None and kind == "enum":
            variants = list(ruleset.enums[field.type.name].variants)
            typed = pl.select(pl.when(typed.is_in(variants)).then(typed)).to_series()
    elif kind == "boolean":
        if dtype == pl.Boolean:
            typed = source
        elif dtype == pl.Utf8:
            text = source.str.strip_chars().str.to_lowercase()
            typed = pl.select(pl.when(text == "true").then(True).when(text == "false").then(False)).to_series()
    elif kind == "date":
        if dtype == pl.Date:
            typed = source
        elif dtype == pl.Utf8:
            typed = source.str.strip_chars().str.strptime(pl.Date, "%Y-%m-%d", strict=False)
            # strptime accepts some forms fromisoformat does not (and the reverse): keep only YYYY-MM-DD
            shape = source.str.strip_chars().str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
            typed = pl.select(pl.when(shape).then(typed)).to_series()
    elif kind == "integer":
        if dtype.is_integer():
            typed = source.cast(pl.Int64, strict=False)  # past Int64: null, flagged, decided row by row
        elif dtype == pl.Utf8:
            text = source.str.strip_chars()
            typed = pl.select(pl.when(text.str.contains(r"^-?[0-9]{1,17}$")).then(text.cast(pl.Int64, strict=False))).to_series()
    elif kind in _DECIMAL_KINDS:
        typed = _decimal_column(source, kind)
    if typed is None:
        return pl.repeat(None, rows, dtype=_dtype(kind), eager=True), present
    failed = present & typed.is_null()
    return typed.cast(_dtype(kind)), (failed if failed.any() else None)


def _decimal_column(source, kind: str):
    """Money/decimal/rate -> Int64 at the fixed input scale; null where not exactly representable."""
    pl = _pl()
    scale = INPUT_SCALE[kind]
    dtype = source.dtype
    if isinstance(dtype, pl.Decimal):
        unscaled = source.to_physical().cast(pl.Int64, strict=False)
        s = dtype.scale or 0
        if s <= scale:
            value = unscaled * (10 ** (scale - s))
        else:
            d = 10 ** (s - scale)
            value = pl.select(pl.when(unscaled % d == 0).then(unscaled // d)).to_series()
        ok = (value >= 0) & (value.cast(pl.Float64) < 1e15 * 10 ** scale)
        return pl.select(pl.when(ok).then(value.cast(pl.Int64, strict=False))).to_series()
    if dtype.is_integer() and kind != "rate":
        ok = (source >= 0) & (source < 10 ** 15)
        # strict=False: an Int128 column (a JSON integer of 20-30 digits) has values no Int64 holds;
        # they are null here, so flagged, and the row-wise reader decides them exactly
        return pl.select(pl.when(ok).then(source.cast(pl.Int64, strict=False) * 10 ** scale)).to_series()
    if dtype != pl.Utf8 or kind == "rate":
        return None  # floats, percentages written as text: row by row
    if kind == "money":
        parts = source.str.extract_groups(MONEY_PATTERN)
        negative = parts.struct.field("1").is_not_null() | parts.struct.field("2").is_not_null()
        whole = parts.struct.field("3").str.replace_all(",", "", literal=True)
    else:
        parts = source.str.extract_groups(r"^\s*()()([0-9]+)(?:\.([0-9]+))?\s*$")
        negative = pl.repeat(False, len(source), eager=True)
        whole = parts.struct.field("3")
    fraction = parts.struct.field("4").fill_null("")
    ok = (~negative) & whole.is_not_null() & (whole.str.len_chars() <= 15) & (fraction.str.len_chars() <= scale)
    padded = (fraction + "0" * scale).str.slice(0, scale) if scale else fraction
    digits = pl.select(pl.when(ok).then(pl.concat_str([whole, padded]))).to_series()
    return digits.cast(pl.Int64, strict=False)
