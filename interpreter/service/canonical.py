"""Canonical JSON: fact data and records -> one byte string per value, the same on every machine.

input: plain data as the fact loader or `json.loads(..., parse_float=Decimal)` gives it
(dicts, lists, str, bool, None, int, Decimal, float, date). output: compact UTF-8 JSON with
keys sorted and no insignificant space. Guarantees: numbers keep their exact text (a
Decimal `1250.00` is written `1250.00`, never through a float); YAML dates become
`"YYYY-MM-DD"`; mapping keys become strings, as the fact loader reads them; a `Raw`
fragment (already canonical) is copied as is, so a large fact document is encoded once
however many records carry it. Equal data gives equal bytes, so their sha256 is a stable
identity.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from decimal import Decimal

import attrs


@attrs.frozen
class Raw:
    """JSON text that is already canonical."""
    text: str


_quote = json.encoder.encode_basestring  # the C encoder where there is one; keeps non-ASCII text as it is


def _number(value) -> str:
    # A float goes through Decimal, as the fact loader reads it, so that its text is the
    # one a JSON reader with exact decimals reads back: canonical(parse(canonical(x))) == canonical(x).
    if isinstance(value, float):
        if not math.isfinite(value):
            return _quote(repr(value))
        value = Decimal(repr(value))
    if value.is_finite():
        return str(value)
    return _quote(str(value))


MAX_DEPTH = 256  # deeper than any fact document the loader accepts (64) plus a record around it


def canonical_text(value) -> str:
    """The canonical JSON text of `value`; ValueError past MAX_DEPTH levels."""
    out: list[str] = []
    _encode(value, out, 0)
    return "".join(out)


def _encode(item, out: list, depth: int) -> None:
    kind = type(item)
    if kind is str:
        out.append(_quote(item))
    elif kind is dict:
        if depth > MAX_DEPTH:
            raise ValueError(f"data nested more than {MAX_DEPTH} levels deep")
        out.append("{")
        first = True
        for key, entry in sorted(((k if type(k) is str else str(k), v) for k, v in item.items()), key=_first):
            out.append(_quote(key) + ":" if first else "," + _quote(key) + ":")
            first = False
            _encode(entry, out, depth + 1)
        out.append("}")
    elif kind is list or kind is tuple:
        if depth > MAX_DEPTH:
            raise ValueError(f"data nested more than {MAX_DEPTH} levels deep")
        out.append("[")
        for index, entry in enumerate(item):
            if index:
                out.append(",")
            _encode(entry, out, depth + 1)
        out.append("]")
    elif item is None:
        out.append("null")
    elif item is True:
        out.append("true")
    elif item is False:
        out.append("false")
    elif kind is Raw:
        out.append(item.text)
    elif isinstance(item, int):
        out.append(int.__repr__(item))
    elif isinstance(item, (Decimal, float)):
        out.append(_number(item))
    elif isinstance(item, (dt.date, dt.datetime)):
        out.append(_quote(item.isoformat()))
    elif isinstance(item, str):
        out.append(_quote(str(item)))
    else:
        out.append(_quote(str(item)))


def _first(pair):
    return pair[0]


def canonical_bytes(value) -> bytes:
    return canonical_text(value).encode("utf-8")


def sha256_of(value) -> str:
    return "sha256:" + hashlib.sha256(canonical_bytes(value)).hexdigest()


def loads(text: str):
    """JSON text -> data with exact numbers (Decimal), as the fact loader reads JSON."""
    return json.loads(text, parse_float=Decimal)
