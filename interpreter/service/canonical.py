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


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _number(value) -> str:
    # A float goes through Decimal, as the fact loader reads it, so that its text is the
    # one a JSON reader with exact decimals reads back: canonical(parse(canonical(x))) == canonical(x).
    if isinstance(value, float):
        if not math.isfinite(value):
            return _string(repr(value))
        value = Decimal(repr(value))
    if value.is_finite():
        return str(value)
    return _string(str(value))


def canonical_text(value) -> str:
    """The canonical JSON text of `value` (iterative: deep data cannot exhaust the stack)."""
    out: list[str] = []
    stack: list = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Raw):
            out.append(item.text)
        elif item is None:
            out.append("null")
        elif item is True:
            out.append("true")
        elif item is False:
            out.append("false")
        elif isinstance(item, str):
            out.append(_string(item))
        elif isinstance(item, int):
            out.append(str(item))
        elif isinstance(item, (Decimal, float)):
            out.append(_number(item))
        elif isinstance(item, dt.datetime):
            out.append(_string(item.isoformat()))
        elif isinstance(item, dt.date):
            out.append(_string(item.isoformat()))
        elif isinstance(item, dict):
            parts: list = [Raw("{")]
            for index, (key, entry) in enumerate(sorted(((str(k), v) for k, v in item.items()), key=lambda kv: kv[0])):
                parts.append(Raw(("," if index else "") + _string(key) + ":"))
                parts.append(entry)
            parts.append(Raw("}"))
            stack.extend(reversed(parts))
        elif isinstance(item, (list, tuple)):
            parts = [Raw("[")]
            for index, entry in enumerate(item):
                if index:
                    parts.append(Raw(","))
                parts.append(entry)
            parts.append(Raw("]"))
            stack.extend(reversed(parts))
        else:
            out.append(_string(str(item)))
    return "".join(out)


def canonical_bytes(value) -> bytes:
    return canonical_text(value).encode("utf-8")


def sha256_of(value) -> str:
    return "sha256:" + hashlib.sha256(canonical_bytes(value)).hexdigest()


def loads(text: str):
    """JSON text -> data with exact numbers (Decimal), as the fact loader reads JSON."""
    return json.loads(text, parse_float=Decimal)
