"""Missing: sets of missing-fact names as bit masks over polars columns, for the columnar engine.

input <- the sites where a value can be unknown (a field of the record, a table lookup, a global fact,
a constant's missing names), each given a bit; output -> per row, the interpreter's `Unknown.missing`
as Int64 mask words, and at the end the sorted, "; "-joined names `Outcome.missing` prints.
Guarantee (the invariant every columnar expression keeps): a mask is 0 wherever its value is known,
so the union of masks is the union of the missing sets of the unknown operands.
"""
from __future__ import annotations

from interpreter.engines.columns import _pl

WORD = 62  # bits used per Int64 word (the sign bit stays clear)


def union(*masks: dict) -> dict:
    """The union of missing masks ({word: Int64 expression}; {} = never missing)."""
    merged: dict = {}
    for mask in masks:
        for word, expr in mask.items():
            merged[word] = merged[word] | expr if word in merged else expr
    return merged


def where(condition, mask: dict) -> dict:
    """`mask` where `condition` holds, else 0 (null conditions count as false)."""
    pl = _pl()
    return {word: pl.when(condition).then(expr).otherwise(pl.lit(0, pl.Int64)) for word, expr in mask.items()}


def choose(condition, then: dict, otherwise: dict) -> dict:
    """`then` where `condition` holds, else `otherwise`."""
    pl = _pl()
    zero = pl.lit(0, pl.Int64)
    return {word: pl.when(condition).then(then.get(word, zero)).otherwise(otherwise.get(word, zero))
            for word in set(then) | set(otherwise)}


class Sites:
    """The registry of missing-fact sites: bit -> the text of the name (a polars Utf8 expression)."""

    def __init__(self):
        self.texts: list = []
        self._bits: dict = {}

    def mask(self, identity, text) -> dict:
        """The literal mask of one site, registering it (text: a Utf8 expression) on first use."""
        pl = _pl()
        bit = self._bits.get(identity)
        if bit is None:
            bit = self._bits[identity] = len(self.texts)
            self.texts.append(text)
        return {bit // WORD: pl.lit(1 << (bit % WORD), pl.Int64)}

    def names(self, missing: frozenset) -> dict:
        """A constant Unknown's missing names -> its mask."""
        pl = _pl()
        return union(*(self.mask(("name", name), pl.lit(name, pl.Utf8)) for name in sorted(missing)))

    def text(self, columns: dict):
        """Mask words as columns ({word: column name}) -> the sorted, "; "-joined names."""
        pl = _pl()
        present = []
        for bit, text in enumerate(self.texts):
            word = columns.get(bit // WORD)
            if word is not None:
                present.append(pl.when((pl.col(word) & (1 << (bit % WORD))) != 0).then(text))
        if not present:
            return pl.lit("", pl.Utf8)
        return pl.concat_list(present).list.drop_nulls().list.unique().list.sort().list.join("; ")
