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


@attrs.frozen
class Native:
    """Data of JSON's own types only (dict with str keys, list, str, int, bool, None; no float,
    Decimal or date), which the C encoder writes exactly as `canonical_text` would, faster."""
    value: object


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


_LITERALS = {type(None): lambda _: "null", bool: lambda v: "true" if v else "false", str: _quote, int: int.__repr__}


def _encode(item, out: list, depth: int) -> None:
    kind = type(item)
    literal = _LITERALS.get(kind)
    if literal is not None:
        out.append(literal(item))
    elif kind is dict:
        if depth > MAX_DEPTH:
            raise ValueError(f"data nested more than {MAX_DEPTH} levels deep")
        separator = "{"
        for key, entry in sorted(((k if type(k) is str else str(k), v) for k, v in item.items()), key=_first):
            literal = _LITERALS.get(type(entry))
            if literal is not None:  # most values are scalars: no call per value
                out.append(separator + _quote(key) + ":" + literal(entry))
            else:
                out.append(separator + _quote(key) + ":")
                _encode(entry, out, depth + 1)
            separator = ","
        out.append("}" if separator == "," else "{}")
    elif kind is list or kind is tuple:
        if depth > MAX_DEPTH:
            raise ValueError(f"data nested more than {MAX_DEPTH} levels deep")
        if all(type(entry) is str for entry in item):
            out.append("[" + ",".join(map(_quote, item)) + "]")
            return
        out.append("[")
        for index, entry in enumerate(item):
            if index:
                out.append(",")
            _encode(entry, out, depth + 1)
        out.append("]")
    elif kind is Raw:
        out.append(item.text)
    elif kind is Native:
        out.append(json.dumps(item.value, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
    elif isinstance(item, bool):
        out.append("true" if item else "false")
    elif isinstance(item, int):
        out.append(int.__repr__(item))
    elif isinstance(item, (Decimal, float)):
        out.append(_number(item))
    elif isinstance(item, (dt.date, dt.datetime)):
        out.append(_quote(item.isoformat()))
    else:
        out.append(_quote(str(item)))


def _first(pair):
    return pair[0]


def canonical_bytes(value) -> bytes:
    return canonical_text(value).encode("utf-8")


def sha256_text(text: str) -> str:
    """The identity of a canonical text: `sha256:` and the hex digest of its UTF-8 bytes."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def loads(text: str):
    """JSON text -> data with exact numbers (Decimal), as the fact loader reads JSON."""
    return json.loads(text, parse_float=Decimal)
