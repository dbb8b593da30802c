"""Facts: a YAML or JSON fact file -> a typed `FactBase`, plus located diagnostics.

Guarantees: files are read as data only, within the limits of `evaluation.datafile`
(safe YAML, no duplicate keys, dates on the calendar, finite numbers, aliases counted
per use, MAX_DEPTH levels) and of `language.limits` (256 KiB a file); every value is converted to its
declared type or reported with its fact path (`imports[3].entry_date`); unknown keys
and fields are reported with a "did you mean"; a fact that is absent or null stays
unknown (it is never replaced by a default).
"""
from __future__ import annotations

import datetime as dt
import os

import attrs

from interpreter.evaluation.fact_positions import locate
from interpreter.evaluation.datafile import parse_data
from interpreter.language import model
from interpreter.language import types as T
from interpreter.language.derived import derived, memo
from interpreter.language.diagnostics import Diagnostic, did_you_mean, error
from interpreter.language.limits import MAX_FACT_BYTES
from interpreter.language.scalars import UNCHANGED, convert_scalar
from interpreter.evaluation.supplied import bind_supplied
from interpreter.language.source import Span

MAX_BYTES = MAX_FACT_BYTES


@attrs.frozen
class Record:
    entity: str
    index: int
    key: str | None
    path: str  # `imports[L27]` (by key), or `imports[3]` for a record without a key
    fields: dict = attrs.field(eq=False, hash=False)

    @property
    def label(self) -> str:
        return self.path


def record_name(collection: str, index: int, key: str | None) -> str:
    """How users read a record's name: `imports[L27]` by key, `imports[3]` by position if it has no key."""
    return f"{collection}[{key}]" if key is not None else f"{collection}[{index}]"


@attrs.frozen
class FactBase:
    file: str
    as_of: dt.date | None
    globals: dict = attrs.field(eq=False, hash=False)
    records: dict = attrs.field(eq=False, hash=False)  # entity name -> tuple[Record]
    supplied: dict = attrs.field(factory=dict, eq=False, hash=False)  # table name -> rows the file supplies

    def record_by_key(self, entity: str, key: str) -> Record | None:
        return next((r for r in self.records.get(entity, ()) if r.key == key), None)


# ---------------------------------------------------------------- reading


def read_fact_file(path: str) -> tuple[object, list[Diagnostic]]:
    """Read the raw data of a fact file, safely and within the size limit."""
    here = Span.point(path)
    if not os.path.isfile(path):
        return None, [error("E400", _not_a_file(path), None, fact_path=path)]
    if os.path.getsize(path) > MAX_BYTES:
        return None, [error("E401", f"{path} is larger than {MAX_BYTES // 1024} KiB; fact files are cases: "
                                    "use `rules batch` for volumes", here)]
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except UnicodeDecodeError as exc:
        return None, [error("E401", f"{path} is not UTF-8 text ({exc.reason})", here)]
    return parse_fact_text(path, text)


def _not_a_file(path: str) -> str:
    # A device or pipe (/dev/zero, `<(...)`) could be endless: it is refused unread, and said so.
    if os.path.isdir(path):
        return f"{path} is a folder, not a fact file"
    if os.path.exists(path):
        return f"{path} is not a regular file (a device, pipe or socket); a fact file must be a regular file"
    return f"no fact file at {path}"


def parse_fact_text(path: str, text: str) -> tuple[object, list[Diagnostic]]:
    return parse_data(path, text)


class _Binder:
    def __init__(self, ruleset: model.RuleSet, file: str):
        self.ruleset = ruleset
        self.file = file
        self.diagnostics: list[Diagnostic] = []
        self.references: list[tuple[str, str, str]] = []  # (entity, key, path)
        self.derived = derived(ruleset)

    def report(self, code: str, message: str, path: str, suggestions=()):
        # line 0: the file, no position yet (load_facts places it at the fact path's line and column)
        self.diagnostics.append(error(code, message, Span(self.file, 0, 0, 0, 0), fact_path=path,
                                      suggestions=tuple(suggestions)))

    def convert(self, raw, kind: T.Type, path: str):
        if raw is None:
            return None
        if kind.kind == "set":
            if not isinstance(raw, list):
                self.report("E412", f"expected a list, got {type(raw).__name__}", path)
                return None
            if kind.element.kind in ("text", "enum") and self._all_plain(raw, kind.element):
                return frozenset(raw)  # what converting the items one by one gives, without the calls
            items = [self.convert(item, kind.element, f"{path}[{i}]") for i, item in enumerate(raw)]
            return frozenset(item for item in items if item is not None)
        if (kind.kind, raw.__class__) in UNCHANGED:
            return raw
        if isinstance(raw, (dict, list)):
            self.report("E412", f"expected a single {kind}, got a {'mapping' if isinstance(raw, dict) else 'list'}", path)
            return None
        value, problem = convert_scalar(raw, kind, self.ruleset.enums)
        if problem:
            self.report("E412", problem, path)
            return None
        if kind.kind == "entity":
            self.references.append((kind.name, value, path))
        return value

    def _all_plain(self, raw: list, element: T.Type) -> bool:
        """Every item a text (for `set of text`) or a variant (for `set of ENUM`): taken as it is."""
        if element.kind == "text":
            return all(item.__class__ is str for item in raw)
        variants = self.derived.variants.get(element.name, frozenset())
        return all(item.__class__ is str and item in variants for item in raw)

    def bind(self, data) -> FactBase | None:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.report("E410", "a fact file holds a mapping of fact names to values", "<top>")
            return None
        as_of = None
        supplied: dict = {}
        globals_: dict = {}
        # A collection the file does not give (or gives as null) stays unknown: it is absent
        # from `records`, and a quantifier or aggregate over it is undetermined. `[]` is known empty.
        records: dict[str, tuple[Record, ...]] = {}
        known = ["as_of", "tables"] + list(self.ruleset.facts) + [e.collection for e in self.ruleset.entities.values()]
        for key in data:
            name = str(key)
            raw = data[key]
            if name == "as_of":
                as_of = self.convert(raw, T.DATE, "as_of")
            elif name == "tables" and "tables" not in self.ruleset.facts:
                supplied = bind_supplied(self.ruleset, raw, self.file,
                                         lambda code, message, path, hints=(): self.report(code, message, path, hints))
            elif name in self.ruleset.facts:
                globals_[name] = self.convert(raw, self.ruleset.facts[name].type, name)
            elif (entity := self.derived.by_collection.get(name)) is not None:
                if raw is not None:
                    records[entity.name] = self.bind_collection(entity, raw)
            else:
                self.report("E411", f"`{name}` is not a fact of this rule set", name,
                            suggestions=did_you_mean(name, known) or (f"the facts are: {', '.join(sorted(known))}",))
        for entity, key, path in self.references:
            if not any(r.key == key for r in records.get(entity, ())):
                collection = self.ruleset.entities[entity].collection
                self.report("E413", f"no {entity} with key {key!r} in `{collection}`", path)
        return FactBase(self.file, as_of, globals_, records, supplied)

    def bind_collection(self, entity: model.Entity, raw) -> tuple[Record, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.report("E412", f"`{entity.collection}` is a list of {entity.name} records", entity.collection)
            return ()
        records, keys = [], {}
        readers = memo(self.ruleset, "fact readers", _field_readers)[entity.name]
        kept = memo(self.ruleset, "fact classes kept", _kept_classes)[entity.name]
        collection = entity.collection
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                self.report("E412", f"each entry of `{collection}` is a mapping of fields", f"{collection}[{index}]")
                continue
            fields = {}
            for name, value in item.items():
                if name.__class__ is not str:
                    self.bind_field(entity, fields, name, value, f"{collection}[{index}]")
                    continue
                classes = kept.get(name)
                if classes is not None and value.__class__ in classes:
                    fields[name] = value  # what `convert` gives it (the commonest case: no call at all)
                    continue
                reader = readers.get(name)
                taken = _SLOW if reader is None else reader(value)
                if taken is _SLOW:
                    self.bind_field(entity, fields, name, value, f"{collection}[{index}]")
                else:
                    fields[name] = taken
            key = fields.get(entity.key)
            key = None if key is None else str(key)
            if key is not None and key in keys:
                self.report("E414", f"two {entity.name} records share the key {key!r} ({keys[key]} and "
                                    f"{collection}[{index}])", f"{collection}[{index}]")
            if key is not None:
                keys[key] = f"{collection}[{index}]"
            # A record is named by its key wherever a user reads it (`imports[L27]`); only a
            # record without a key is named by its position in the file (`imports[3]`).
            records.append(Record(entity.name, index, key, record_name(collection, index, key), fields))
        return tuple(records)

    def bind_field(self, entity: model.Entity, fields: dict, name, value, path: str) -> None:
        """One field the quick readers did not take: converted with every check, or reported."""
        field = self.derived.fields[entity.name].get(str(name))
        if field is None:
            self.report("E411", f"{entity.name} has no field `{name}`", f"{path}.{name}",
                        suggestions=did_you_mean(str(name), [f.name for f in entity.fields]))
            return
        fields[field.name] = self.convert(value, field.type, f"{path}.{name}")


_SLOW = object()  # a quick reader's answer for a raw value it leaves to `_Binder.convert`
_TEXT_ONLY = frozenset({str})


def _field_readers(ruleset: model.RuleSet) -> dict[str, dict]:
    """Entity -> field name -> a reader: raw value -> what `_Binder.convert` gives it, for the raw
    values that need no check beyond their class (or membership of an enum), else `_SLOW`."""
    variants = derived(ruleset).variants
    return {name: {f.name: _reader(f.type, variants, ruleset.enums) for f in entity.fields}
            for name, entity in ruleset.entities.items()}


def _kept_classes(ruleset: model.RuleSet) -> dict[str, dict]:
    """Entity -> field name -> the exact classes of raw values `_Binder.convert` returns unchanged
    for that field (a bool for a boolean, ..., and None, which stays unknown)."""
    return {name: {f.name: frozenset({type(None)} | {cls for kind, cls in UNCHANGED if kind == f.type.kind})
                   for f in entity.fields if any(kind == f.type.kind for kind, _ in UNCHANGED)}
            for name, entity in ruleset.entities.items()}


def _reader(kind: T.Type, variants: dict, enums: dict):
    unchanged = frozenset(cls for name, cls in UNCHANGED if name == kind.kind)
    if kind.kind == "enum":
        allowed = variants.get(kind.name, frozenset())
        return lambda raw: raw if raw.__class__ is str and raw in allowed else None if raw is None else _SLOW
    if kind.kind == "set" and kind.element.kind == "enum":
        members = variants.get(kind.element.name, frozenset())  # variants are texts: an item in it is one

        def read_variants(raw):
            if raw.__class__ is list:
                try:
                    if members.issuperset(raw):
                        return frozenset(raw)
                except TypeError:  # an unhashable item (a mapping or list): reported by `convert`
                    pass
            return None if raw is None else _SLOW
        return read_variants
    if kind.kind == "set" and kind.element.kind == "text":
        return lambda raw: (frozenset(raw) if raw.__class__ is list and set(map(type, raw)) <= _TEXT_ONLY
                            else None if raw is None else _SLOW)
    if kind.kind in ("set", "entity"):  # other sets item by item; an entity key is also a reference to check
        return lambda raw: raw if raw.__class__ in unchanged else None if raw is None else _SLOW

    if kind.kind == "date":
        def read_date(raw):  # what `convert_scalar` does with a date or its text, without its other checks
            if raw.__class__ is dt.date:
                return raw
            if raw.__class__ is str:
                try:
                    return dt.date.fromisoformat(raw.strip())
                except ValueError:
                    return _SLOW
            return None if raw is None else _SLOW
        return read_date

    def read_scalar(raw):  # the conversion itself (every check), without the binder's paths and reports
        if raw.__class__ in unchanged:
            return raw
        if raw is None:
            return None
        value, problem = convert_scalar(raw, kind, enums)
        return _SLOW if problem else value
    return read_scalar


def bind_facts(ruleset: model.RuleSet, data, file: str) -> tuple[FactBase | None, list[Diagnostic]]:
    """Raw data -> FactBase typed by the rule set's declarations."""
    binder = _Binder(ruleset, file)
    facts = binder.bind(data)
    return facts, binder.diagnostics


def load_facts(ruleset: model.RuleSet, path: str) -> tuple[FactBase | None, list[Diagnostic]]:
    data, diagnostics = read_fact_file(path)
    if diagnostics:
        return None, diagnostics
    facts, diagnostics = bind_facts(ruleset, data, path)
    if diagnostics:
        try:
            with open(path, encoding="utf-8") as handle:
                diagnostics = locate(path, handle.read(), diagnostics)
        except (OSError, UnicodeDecodeError):
            pass  # read a moment ago; if it is gone now, the diagnostics keep their fact paths
    return facts, diagnostics
