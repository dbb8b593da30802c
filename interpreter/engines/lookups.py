"""Lookups: a table lookup site of the columnar engine -> one `TableData.find` per distinct (key, date).

A site finds each distinct key (and date, for dated tables) of a chunk with the interpreter's own
`TableData.find`, so the row chosen is always the interpreter's, and adds the looked-up row's index and
columns to the frame; keys with more than MAX_SLOTS candidate rows use `find` per distinct (key, date).
"""
from __future__ import annotations

from interpreter.engines.columns import _DECIMAL_KINDS, MAX_SCALE, C, Unsupported, _dtype, _or, _pl, _scale_of, _scaled
from interpreter.language.values import Unknown

MAX_SLOTS = 16


class _LookupSite:
    """One `table[key as of date]` (or `key in table as of date`) over a chunk: the index of the
    row `TableData.find` gives, and the columns read from it, added to the frame as columns.

    With a fixed date, `find` runs once per distinct key (cached across chunks). With a date per
    record, each distinct key gets its candidate rows in `find`'s order (the longest matching
    prefix first, then shorter ones; table order within one): slot j holds the j-th candidate's
    prefix rank, start, end and index, mapped onto the records by key; the row chosen is, as in
    `find`, the latest-starting row in force on the record's date within the first rank that has
    one (the first of equal starts). Keys with more than MAX_SLOTS candidates use `find` per
    distinct (key, date)."""

    def __init__(self, number: int, table, key: C, when: C):
        pl = _pl()
        self.table = table
        self.prefix = f"lk{number}:"
        self.idx = self.prefix + "idx"
        self.key, self.when = key, when
        self.known = key.expr.is_not_null() & when.expr.cast(pl.Date).is_not_null()
        # keyed by input fields and constants only: can run before any value is computed
        self.early = all(name.startswith("f:") for c in (key, when) for name in c.expr.meta.root_names())
        self.dated = table.table.needs_date
        self.fixed_date = when.is_const or not self.dated
        # Slots reproduce `find` only; a lookup that can be unknown (a partial table, a validity
        # period, supplied rows, prefix keys) runs `TableData.lookup` per distinct (key, date).
        self.slots_exact = table.simple
        self.columns: dict[str, tuple] = {}  # column -> (frame column, kind, scale, values Series)
        self.unknown = self.prefix + "unk"  # where `lookup` is unknown (a partial table, ...)
        self.text = self.prefix + "mis"  # ... and the name of what is missing
        self.unknown_here = self.known & pl.col(self.unknown)
        self.found = self.known & ~pl.col(self.unknown)  # where the lookup gave a row or None
        self.fb = _or(key.fb, when.fb)
        self.mis: dict = {}  # set by the program: what is missing where the row is unknown
        self.index = {id(row): i for i, row in enumerate(table.rows)}
        self._cache: dict = {}
        self._slots: dict = {}  # key -> [(rank, from, until, index)] in find's order

    def column(self, name: str, kind: str):
        pl = _pl()
        known = self.columns.get(name)
        if known is None:
            values = [row.data.get(name) for row in self.table.rows]
            scale = 0
            if kind in _DECIMAL_KINDS:
                scales = [_scale_of(v) for v in values if v is not None]
                scale = max(scales or [0])
                if scale > MAX_SCALE or any(v < 0 for v in values if v is not None):
                    raise Unsupported("table decimals too precise for fixed point, or negative")
                values = [None if v is None else _scaled(v, scale) for v in values]
            series = pl.Series(values + [None], dtype=_dtype(kind))
            known = self.columns[name] = (f"{self.prefix}c:{name}", kind, scale, series)
        return known[0], known[2]

    def _find(self, key, when) -> tuple:
        """(index of the row `lookup` gives, or None; whether the lookup is unknown; what is missing)."""
        wanted = (key, when)
        found = self._cache.get(wanted)
        if found is None:
            if len(self._cache) > 100_000:
                self._cache.clear()
            row = self.table.lookup(str(key), when if self.dated else None)
            if isinstance(row, Unknown):
                found = (None, True, "; ".join(sorted(row.missing)))
            else:
                found = (None if row is None else self.index[id(row)], False, None)
            self._cache[wanted] = found
        return found

    def _candidates(self, key):
        known = self._slots.get(key)
        if known is None:
            if len(self._slots) > 100_000:
                self._slots.clear()
            known = self._slots[key] = [(rank, row.dated_from, row.dated_until, self.index[id(row)])
                                        for rank, rows in enumerate(self.table.candidates(str(key))) for row in rows]
        return known

    def __call__(self, frame):
        pl = _pl()
        frame = frame.with_columns(self.key.expr.cast(pl.Utf8).alias(self.prefix + "k"),
                                   self.when.expr.cast(pl.Date).alias(self.prefix + "w"))
        keys, dates = frame.get_column(self.prefix + "k"), frame.get_column(self.prefix + "w")
        distinct = keys.drop_nulls().unique().to_list()
        # each record's key as a position in `distinct` (null key -> the extra null slot at the end)
        code = keys.replace_strict({k: i for i, k in enumerate(distinct)}, default=len(distinct),
                                   return_dtype=pl.Int64) if distinct else pl.repeat(0, len(keys), dtype=pl.Int64,
                                                                                       eager=True)

        def per_key(values, dtype):
            return pl.Series(values + [None], dtype=dtype).gather(code)

        if self.fixed_date:
            when = self.when.const if self.when.is_const and not isinstance(self.when.const, Unknown) else None
            usable = when is not None or not self.dated
            found = [self._find(k, when) if usable else (None, False, None) for k in distinct]
            frame = frame.with_columns(per_key([f[0] for f in found], pl.Int64).alias(self.idx),
                                       per_key([f[1] for f in found], pl.Boolean).fill_null(False).alias(self.unknown),
                                       per_key([f[2] for f in found], pl.Utf8).alias(self.text))
        else:
            candidates = [self._candidates(k) for k in distinct] if self.slots_exact else []
            width = max((len(c) for c in candidates), default=0)
            if width > MAX_SLOTS or not self.slots_exact:
                pairs = frame.select(keys, dates).unique().drop_nulls()
                found = [self._find(k, w) for k, w in pairs.iter_rows()]
                mapping = pairs.with_columns(pl.Series(self.idx, [f[0] for f in found], dtype=pl.Int64),
                                             pl.Series(self.unknown, [f[1] for f in found], dtype=pl.Boolean),
                                             pl.Series(self.text, [f[2] for f in found], dtype=pl.Utf8))
                frame = frame.join(mapping, on=[self.prefix + "k", self.prefix + "w"], how="left",
                                   maintain_order="left").with_columns(pl.col(self.unknown).fill_null(False))
            else:
                w = dates
                best = pl.repeat(None, len(keys), dtype=pl.Int64, eager=True)
                best_rank, best_from = best, pl.repeat(None, len(keys), dtype=pl.Date, eager=True)
                for j in range(width):
                    def slot(part, dtype):
                        return per_key([c[j][part] if len(c) > j else None for c in candidates], dtype)
                    rank, start, until, index = slot(0, pl.Int64), slot(1, pl.Date), slot(2, pl.Date), slot(3, pl.Int64)
                    live = index.is_not_null() & (start <= w) & (until.is_null() | (w < until))
                    better = (live & (best.is_null() | ((rank == best_rank) & (start > best_from)))).fill_null(False)
                    best = pl.select(pl.when(better).then(index).otherwise(best)).to_series()
                    best_from = pl.select(pl.when(better).then(start).otherwise(best_from)).to_series()
                    best_rank = pl.select(pl.when(better).then(rank).otherwise(best_rank)).to_series()
                frame = frame.with_columns(best.alias(self.idx), pl.lit(False).alias(self.unknown),
                                           pl.lit(None, pl.Utf8).alias(self.text))
        idx = frame.get_column(self.idx)
        gather = idx.fill_null(len(self.table.rows))  # the extra null at the end of each values Series
        return frame.with_columns([series.gather(gather).alias(name) for name, _, _, series in self.columns.values()])
