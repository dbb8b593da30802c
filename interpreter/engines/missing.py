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
    """The registry of missing-fact sites: bit -> how its name is written: ("name", text) a constant,
    ("field", name) the record's path + "." + name, ("column", column) the text in that column."""

    def __init__(self):
        self.specs: list[tuple[str, str]] = []
        self._bits: dict = {}

    def mask(self, spec: tuple[str, str]) -> dict:
        """The literal mask of one site, registering it on first use."""
        pl = _pl()
        bit = self._bits.get(spec)
        if bit is None:
            bit = self._bits[spec] = len(self.specs)
            self.specs.append(spec)
        return {bit // WORD: pl.lit(1 << (bit % WORD), pl.Int64)}

    def names(self, missing: frozenset) -> dict:
        """A constant Unknown's missing names -> its mask."""
        return union(*(self.mask(("name", name)) for name in sorted(missing)))

    def columns(self) -> list[str]:
        """The columns the names are written from."""
        return ["__path"] + sorted({name for kind, name in self.specs if kind == "column"})

    def text_columns(self, rows, masks: dict[str, list[str]]) -> dict:
        """As `texts`, as polars Series; where every distinct mask names at most one fact (the usual
        case: one field, one table row), written by polars without a Python step per row."""
        pl = _pl()
        out, slow = {}, {}
        for name, words in masks.items():
            if not words:
                out[name] = pl.Series(name, [""] * rows.height, dtype=pl.Utf8)
                continue
            chain = None
            for mask in rows.select(words).unique().rows():
                specs = self._decode(mask)
                if len(specs) > 1:
                    chain = False
                    break
                if not specs:
                    continue
                kind, text = specs[0]
                written = pl.lit(text, pl.Utf8) if kind == "name" else pl.concat_str(
                    [pl.col("__path"), pl.lit("." + text)]) if kind == "field" else pl.col(text)
                condition = pl.all_horizontal([pl.col(w) == v for w, v in zip(words, mask)])
                chain = pl.when(condition).then(written) if chain is None else chain.when(condition).then(written)
            if chain is False:
                slow[name] = words
            else:
                expr = chain.otherwise(pl.lit("", pl.Utf8)) if chain is not None else pl.lit("", pl.Utf8)
                out[name] = rows.with_columns(expr.fill_null("").alias(name)).get_column(name)
        for name, texts in self.texts(rows, slow).items():
            out[name] = pl.Series(name, texts, dtype=pl.Utf8)
        return out

    def _decode(self, mask: tuple) -> list:
        return [self.specs[word * WORD + bit] for word, value in enumerate(mask)
                for bit in range(WORD) if value and value >> bit & 1]

    def texts(self, rows, masks: dict[str, list[str]]) -> dict[str, list[str]]:
        """Rows (a polars frame with the mask words and `columns()`) -> per output name, the sorted,
        "; "-joined missing names of each row, as `Outcome.missing` is printed (exact: the names are
        written and sorted in Python, once per row; only undetermined rows come here)."""
        paths = rows.get_column("__path").to_list()
        values = {name: rows.get_column(name).to_list() for name in self.columns()[1:]}
        decoded: dict = {}
        out = {}
        for name, words in masks.items():
            columns = [rows.get_column(w).to_list() for w in words]
            texts = []
            for row, mask in enumerate(zip(*columns)) if columns else ():
                specs = decoded.get(mask)
                if specs is None:
                    specs = decoded[mask] = self._decode(mask)
                found = set()
                for kind, text in specs:
                    if kind == "name":
                        found.add(text)
                    elif kind == "field":
                        found.add(f"{paths[row]}.{text}")
                    elif values[text][row] is not None:
                        found.add(values[text][row])
                texts.append("; ".join(sorted(found)))
            out[name] = texts if columns else [""] * rows.height
        return out
