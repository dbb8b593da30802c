"""Unique keys: YAML or JSON text -> data, refusing a mapping that names one key twice.

Guarantees: the YAML loader is the safe one (the C-accelerated one where PyYAML has it),
with one change: a mapping with a repeated key raises `DuplicateKey` carrying the line and
column of the second occurrence, instead of silently keeping the last value. JSON objects are
checked the same way; the location is the second `"key":` of that object's text.
"""
from __future__ import annotations

import json
import re

import yaml


class DuplicateKey(Exception):
    def __init__(self, key: str, line: int, column: int, first_line: int | None = None):
        super().__init__(key)
        self.key, self.line, self.column, self.first_line = key, line, column, first_line


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UniqueKeyLoader(_Base):  # type: ignore[misc, valid-type]
    """The safe loader, refusing repeated keys in a mapping."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    hashable = key in seen
                except TypeError:
                    continue  # an unhashable key is refused by the constructor itself
                if hashable:
                    mark = key_node.start_mark
                    raise DuplicateKey(str(key), mark.line + 1, mark.column + 1, seen[key])
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def load_json(text: str, **options):
    def pairs(items):
        out = {}
        for key, value in items:
            if key in out:
                line, column = _second_json_key(text, key)
                raise DuplicateKey(key, line, column)
            out[key] = value
        return out

    return json.loads(text, object_pairs_hook=pairs, **options)


def _second_json_key(text: str, key: str) -> tuple[int, int]:
    """Line and column of the second `"key":` in the text (the first repeat, as reported)."""
    pattern = re.compile(re.escape(json.dumps(key)) + r"\s*:")
    found = [m.start() for m in pattern.finditer(text)][:2]
    position = found[-1] if found else 0
    line = text.count("\n", 0, position) + 1
    return line, position - (text.rfind("\n", 0, position) + 1) + 1
