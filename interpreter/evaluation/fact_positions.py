"""Fact positions: a fact file's text -> the line and column of every fact path in it.

input <- the text of a YAML or JSON fact file (JSON is read by the YAML composer, which keeps
positions; the data itself was already loaded by facts.py) and the diagnostics the binder made;
output -> the same diagnostics, each located at `file:line:column` of the value its fact path
names (`imports[3].customs_value`), or of the key when the key itself is the problem (E411).
Guarantees: the composer is the safe one and builds no Python objects; text that cannot be
composed leaves the diagnostics as they were (never an exception); only run when there is
something to report, so a clean fact file costs nothing.
"""
from __future__ import annotations

import attrs
import yaml

from interpreter.language.diagnostics import Diagnostic
from interpreter.language.source import Span

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def positions(text: str) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """(value positions, key positions) by fact path, 1-based; empty if the text does not compose."""
    try:
        root = yaml.compose(text, Loader=_Loader)  # noqa: S506 - the safe loader's composer
    except (yaml.YAMLError, RecursionError, ValueError):
        return {}, {}
    values: dict[str, tuple[int, int]] = {}
    keys: dict[str, tuple[int, int]] = {}
    stack = [(root, "")]
    walked: set[int] = set()  # an alias shares its anchor's node: walk each node once, so the walk stays linear
    while stack:
        node, path = stack.pop()
        if node is None or id(node) in walked:
            continue
        walked.add(id(node))
        values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                name = str(key_node.value)
                child = f"{path}.{name}" if path else name
                keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                stack.append((value_node, child))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, f"{path}[{index}]") for index, item in enumerate(node.value))
    return values, keys


def locate(file: str, text: str, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Each diagnostic that names a fact path, placed at that path's line and column in `text`."""
    values, keys = positions(text)
    if not values:
        return diagnostics
    located = []
    for diagnostic in diagnostics:
        path = diagnostic.fact_path
        where = None
        if path:
            where = keys.get(path) if diagnostic.code == "E411" else None
            where = where or values.get(path) or keys.get(path)
        if where is None and path == "<top>":
            where = values.get("")
        if where is None:
            located.append(diagnostic)
            continue
        line, column = where
        located.append(attrs.evolve(diagnostic, span=Span(file, line, column, line, column + 1)))
    return located
