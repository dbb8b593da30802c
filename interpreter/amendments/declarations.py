"""Declarations, rows and files: two sides -> changed declarations, reference-table rows and files.

Declarations (facts, enums, entities, tables) are matched by name; table rows by key (and period,
for dated tables), with each row's source; files by relative path and bytes (tests/ and examples/
are not part of the rule set). `text_edits` turns a changed statute quote into amendment-style
instructions (strike ... insert ...).
"""
from __future__ import annotations

import difflib
import os
import re

from interpreter.amendments.changes import DeclarationChange, FileChange, RowChange, Side
from interpreter.language import model
from interpreter.language.pipeline import RULE_SUFFIX
from interpreter.language.values import format_value


def declaration_changes(old_side: Side, new_side: Side) -> list[DeclarationChange]:
    old, new = old_side.ruleset, new_side.ruleset
    changes: list[DeclarationChange] = []
    if (old.act, old.title) != (new.act, new.title):
        changes.append(DeclarationChange("act", new.act, "changed",
                                         (f"act {old.act} “{old.title}” → {new.act} “{new.title}”",), None))

    def added_removed(category, old_map, new_map, describe):
        for name in sorted(set(old_map) | set(new_map)):
            o, n = old_map.get(name), new_map.get(name)
            if o is None:
                changes.append(DeclarationChange(category, name, "added", describe(n, new_side), new_side.location(n.span)))
            elif n is None:
                changes.append(DeclarationChange(category, name, "removed", describe(o, old_side), old_side.location(o.span)))
            else:
                details = _declaration_details(category, o, n, old_side, new_side)
                if details:
                    changes.append(DeclarationChange(category, name, "changed", tuple(details), new_side.location(n.span)))

    added_removed("enum", old.enums, new.enums, lambda e, side: (f"variants: {', '.join(e.variants)}",))
    added_removed("entity", old.entities, new.entities,
                  lambda e, side: (f"{e.collection} keyed by {e.key}; fields: {', '.join(f.name for f in e.fields)}",))
    added_removed("fact", old.facts, new.facts,
                  lambda f, side: (f"{f.name}: {f.type}" + (f" “{f.description}”" if f.description else ""),))
    added_removed("table", old.tables, new.tables,
                  lambda t, side: (f"from {_table_file(t, side)}, keyed by {t.key}"
                                   + (f", source column {t.source_column}" if t.source_column else ""),))
    return changes


def _table_file(table: model.Table, side: Side) -> str:
    return os.path.relpath(os.path.abspath(table.path), os.path.abspath(side.root)).replace(os.sep, "/")


def _declaration_details(category, o, n, old_side: Side, new_side: Side) -> list[str]:
    details = []
    if o.description != n.description:
        details.append(f"description “{o.description}” → “{n.description}”")
    if category == "enum":
        for variant in n.variants:
            if variant not in o.variants:
                details.append(f"variant `{variant}` added")
        for variant in o.variants:
            if variant not in n.variants:
                details.append(f"variant `{variant}` removed")
    elif category == "fact":
        if o.type != n.type:
            details.append(f"type {o.type} → {n.type}")
    elif category == "entity":
        for attribute in ("variable", "collection", "key"):
            if getattr(o, attribute) != getattr(n, attribute):
                details.append(f"{attribute} {getattr(o, attribute)} → {getattr(n, attribute)}")
        details.extend(_field_details("field", o.fields, n.fields))
    elif category == "table":
        old_file, new_file = _table_file(o, old_side), _table_file(n, new_side)
        if old_file != new_file:
            details.append(f"file {old_file} → {new_file}")
        for attribute in ("key", "prefix_match", "dated_from", "dated_until", "source_column"):
            if getattr(o, attribute) != getattr(n, attribute):
                details.append(f"{attribute} {getattr(o, attribute)} → {getattr(n, attribute)}")
        details.extend(_field_details("column", o.columns, n.columns))
    return details


def _field_details(what: str, old_fields, new_fields) -> list[str]:
    details = []
    old_by_name = {f.name: f for f in old_fields}
    new_by_name = {f.name: f for f in new_fields}
    for name in new_by_name:
        if name not in old_by_name:
            details.append(f"{what} `{name}: {new_by_name[name].type}` added")
    for name in old_by_name:
        if name not in new_by_name:
            details.append(f"{what} `{name}` removed")
        else:
            o, n = old_by_name[name], new_by_name[name]
            if o.type != n.type:
                details.append(f"{what} `{name}`: type {o.type} → {n.type}")
            if o.description != n.description:
                details.append(f"{what} `{name}`: description “{o.description}” → “{n.description}”")
    return details


def _row_identity(row, dated: bool):
    return (row.key, row.dated_from.isoformat() if dated and row.dated_from else None)


def row_changes(old_side: Side, new_side: Side) -> list[RowChange]:
    changes = []
    old_tables, new_tables = old_side.loaded.tables, new_side.loaded.tables
    for name in sorted(set(old_tables) | set(new_tables)):
        o, n = old_tables.get(name), new_tables.get(name)
        table = (n or o).table
        side = new_side if n is not None else old_side
        file = _table_file(table, side)
        dated = table.dated_from is not None
        kinds = {c.name: c.type.kind for c in table.columns}
        data_columns = [c.name for c in table.columns if c.name != table.source_column]

        def index(data):
            found: dict = {}
            for row in (data.rows if data is not None else ()):
                identity = _row_identity(row, dated)
                while identity in found:  # duplicate keys keep their order
                    identity = identity + ("+",)
                found[identity] = row
            return found

        old_rows, new_rows = index(o), index(n)
        for identity in sorted(set(old_rows) | set(new_rows), key=lambda i: tuple(str(x) for x in i)):
            ro, rn = old_rows.get(identity), new_rows.get(identity)
            if ro is not None and rn is not None:
                columns = tuple(
                    (column, _shown(ro.data.get(column), kinds.get(column)), _shown(rn.data.get(column), kinds.get(column)))
                    for column in data_columns if ro.data.get(column) != rn.data.get(column)
                    and _shown(ro.data.get(column), kinds.get(column)) != _shown(rn.data.get(column), kinds.get(column)))
                if not columns and ro.source == rn.source:
                    continue
                change = "changed"
            else:
                row = rn if ro is None else ro
                shown = tuple((column, _shown(row.data.get(column), kinds.get(column))) for column in data_columns)
                columns = tuple((c, None, v) if ro is None else (c, v, None) for c, v in shown)
                change = "added" if ro is None else "removed"
            changes.append(RowChange(name, file, identity[0], identity[1], change, columns,
                                     ro.source if ro else None, rn.source if rn else None,
                                     ro.line if ro else None, rn.line if rn else None))
    return changes


def _shown(value, kind) -> str | None:
    if value is None:
        return None
    return format_value(value, kind)


_SKIPPED_DIRECTORIES = ("tests", "examples")


def _files(root: str) -> dict[str, str]:
    found = {}
    if os.path.isfile(root):
        return found
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d not in _SKIPPED_DIRECTORIES and not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = os.path.join(directory, name)
            found[os.path.relpath(path, root).replace(os.sep, "/")] = path
    return found


def _same_bytes(a: str, b: str) -> bool:
    try:
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except OSError:
        return False


def file_changes(old_side: Side, new_side: Side) -> list[FileChange]:
    """Files beside the rules that are neither rule files nor declared tables (SOURCES.md, bill text)."""
    declared = {_table_file(t, s) for s in (old_side, new_side) for t in s.ruleset.tables.values()}
    old_files, new_files = _files(old_side.root), _files(new_side.root)
    changes = []
    for path in sorted(set(old_files) | set(new_files)):
        if path.endswith(RULE_SUFFIX) or path in declared:
            continue
        if path not in old_files:
            changes.append(FileChange(path, "added"))
        elif path not in new_files:
            changes.append(FileChange(path, "removed"))
        elif not _same_bytes(old_files[path], new_files[path]):
            changes.append(FileChange(path, "changed"))
    return changes


def layout_only(old_side: Side, new_side: Side) -> tuple[str, ...]:
    old_files, new_files = _files(old_side.root), _files(new_side.root)
    return tuple(path for path in sorted(set(old_files) | set(new_files))
                 if path.endswith(RULE_SUFFIX) and not (path in old_files and path in new_files
                                                        and _same_bytes(old_files[path], new_files[path])))


def text_edits(old: str | None, new: str | None) -> tuple[str, ...]:
    """Word-level edits written as amendment instructions: strike “90” and insert “60”.

    Each instruction is unambiguous in the old text: when the words struck (or the words an
    insertion follows) occur more than once, the instruction quotes the surrounding words that
    make them unique, as drafters do: strike “5 days” and insert “3 days”."""
    a, b = words(old), words(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    edits = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        struck, inserted = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if tag in ("replace", "delete"):
            lo, hi = _unique_span(a, i1, i2)
            if (lo, hi) != (i1, i2):  # strike the words that are unique, insert them as amended
                struck = " ".join(a[lo:hi])
                inserted = " ".join(a[lo:i1] + b[j1:j2] + a[i2:hi])
            edits.append(f"strike “{struck}”" + (f" and insert “{inserted}”" if inserted else ""))
        elif tag == "insert":
            if i1 == 0:
                edits.append(f"insert “{inserted}” at the beginning")
                continue
            lo, hi = max(0, i1 - 3), i1
            while _count(a, a[lo:hi]) > 1 and (hi < len(a) or lo > 0):
                hi, lo = (hi + 1, lo) if hi < len(a) else (hi, lo - 1)  # words after the point first
            edit = f"insert “{inserted}” after “{' '.join(a[lo:i1])}”"
            edits.append(f"in “{' '.join(a[lo:hi])}”, {edit}" if hi > i1 else edit)
    return tuple(edits)


def _count(sequence: list[str], part: list[str]) -> int:
    """How often the words occur in the text as a reader would search it (`criteria` in `criteria;` too)."""
    if not part:
        return 0
    phrase = re.escape(" ".join(part))
    return len(re.findall(rf"(?<!\S){phrase}(?!\w)", " ".join(sequence)))


def _unique_span(sequence: list[str], start: int, end: int) -> tuple[int, int]:
    """sequence[start:end] widened, a word after and a word before in turn, until it occurs once."""
    before = False
    while (_count(sequence, sequence[start:end]) > 1 or start == end) and (start > 0 or end < len(sequence)):
        if (before and start > 0) or end == len(sequence):
            start -= 1
        else:
            end += 1
        before = not before
    return start, end


def words(text: str | None) -> list[str]:
    return (text or "").split()
