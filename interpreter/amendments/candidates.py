"""Candidates: the rules of both versions -> the values worth trying for each fact in a witness search.

Dates and the durations added to them (D, D±1, D+N±1 around every window), thresholds and their
neighbours, enum variants, members of the sets a fact is tested against (their symmetric difference
first), table keys, and the values of fields a fact is compared with. Constants of the changed rules
come first; the order is deterministic.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from interpreter.amendments.clusters import Cluster
from interpreter.amendments.reads import fact_key, rule_nodes
from interpreter.evaluation.evaluate import Evaluator
from interpreter.evaluation.facts import FactBase
from interpreter.language import model
from interpreter.language import types as T
from interpreter.language.ast import Duration
from interpreter.language.pipeline import Loaded
from interpreter.language.values import EvaluationError, add_duration, normalize

# `imports[3].hts` (a record without a key) or `imports[L1].hts` (by key): see `record_index`
FACT_PATH = re.compile(r"^(?P<collection>[A-Za-z_][A-Za-z0-9_]*)\[(?P<index>[^\]]+)\]\.(?P<field>[A-Za-z_][A-Za-z0-9_]*)$")


class Candidates:
    """Candidate values for each fact, built from the constants of both versions."""

    def __init__(self, old: Loaded, new: Loaded, cluster: Cluster, frontier: set[str]):
        o, n = old.ruleset, new.ruleset
        self.dates: list[dt.date] = []
        self.durations: list[Duration] = []
        self.numbers: dict[str, list] = {}
        self.texts: list[str] = []
        self.hot_dates: list[dt.date] = []
        self.hot_durations: list[Duration] = []
        self.hot_numbers: dict[str, list] = {}
        self.hot_texts: list[str] = []
        self.hot_variants: set[str] = set()
        self.members: dict[tuple, list] = {}  # fact key -> candidate members, hottest first
        self.links: dict[tuple, set] = {}  # fact key -> fact keys it is compared with
        self.table_keys: dict[tuple, list] = {}
        hot_values = set(cluster.values) | frontier
        for ruleset in (o, n):
            for value in ruleset.values.values():
                hot = value.id in hot_values
                for node in rule_nodes(value):
                    self._constant(node, hot)
                    self._relation(node, ruleset, old, new, hot, set(cluster.tables))
        self.dates = list(dict.fromkeys(self.hot_dates + self.dates))
        self.durations = list(dict.fromkeys(self.hot_durations + self.durations))

    def _constant(self, node, hot: bool):
        if not isinstance(node, model.Const):
            return
        kind, value = node.type.kind, node.value
        if kind == "date":
            (self.hot_dates if hot else self.dates).append(value)
        elif kind == "duration" and isinstance(value, Duration):
            (self.hot_durations if hot else self.durations).append(value)
        elif kind in ("integer", "decimal", "money", "rate"):
            (self.hot_numbers if hot else self.numbers).setdefault(kind, []).append(value)
        elif kind == "text" and isinstance(value, str):
            (self.hot_texts if hot else self.texts).append(value)
        elif kind == "enum" and hot:
            self.hot_variants.add(value)
        elif kind == "set" and isinstance(value, frozenset):
            for item in value:
                if isinstance(item, str):
                    (self.hot_texts if hot else self.texts).append(item)

    def _relation(self, node, ruleset, old: Loaded, new: Loaded, hot: bool, hot_tables: set):
        if isinstance(node, model.SetMembership):
            key = fact_key(node.element)
            if key is not None:
                members = self._set_members(node.collection, old, new)
                self.members.setdefault(key, [])
                self.members[key] = merge_candidates(members, self.members[key]) if hot else merge_candidates(self.members[key], members)
        elif type(node).__name__ in ("TableMembership", "TableLookup"):
            key = fact_key(getattr(node, "key", None))
            if key is not None:
                name = node.table
                keys = []
                for loaded in ((new, old) if name in hot_tables else (old, new)):
                    data = loaded.tables.get(name)
                    if data is not None:
                        keys.extend(row.key for row in data.rows)
                keys = list(dict.fromkeys(keys))
                if name in hot_tables:
                    keys = _changed_keys(old.tables.get(name), new.tables.get(name)) + keys
                current = self.table_keys.setdefault(key, [])
                self.table_keys[key] = merge_candidates(keys, current) if (hot or name in hot_tables) else merge_candidates(current, keys)
        elif isinstance(node, model.Binary) and node.op in ("=", "!=", "<", "<=", ">", ">="):
            left, right = fact_key(node.left), fact_key(node.right)
            if left and right:
                self.links.setdefault(left, set()).add(right)
                self.links.setdefault(right, set()).add(left)

    def _set_members(self, collection, old: Loaded, new: Loaded) -> list:
        if isinstance(collection, model.SetLiteral):
            return [item.value for item in collection.items if isinstance(item, model.Const)]
        if isinstance(collection, model.Const) and isinstance(collection.value, frozenset):
            return sorted(collection.value, key=str)
        if isinstance(collection, model.ValueRef) and collection.subject is None:
            sets = []
            for loaded in (old, new):
                value = loaded.ruleset.values.get(collection.value_id)
                if value is None:
                    sets.append(frozenset())
                    continue
                try:
                    evaluator = Evaluator(loaded.ruleset, loaded.tables, FactBase("<constants>", None, {}, {}), None, None)
                    outcome = evaluator.outcome(value, None)
                except Exception:  # noqa: BLE001
                    outcome = None
                found = outcome.value if outcome is not None and outcome.decided and isinstance(outcome.value, frozenset) else frozenset()
                sets.append(found)
            changed = sorted(sets[0] ^ sets[1], key=str)
            return changed + sorted((sets[0] | sets[1]) - set(changed), key=str)
        return []

    def for_fact(self, key: tuple, kind: T.Type, data: dict, enums: tuple[dict, dict], entity_keys) -> list:
        name = kind.kind
        if name == "boolean":
            return [True, False]
        if name == "enum":
            variants_old = enums[0].get(kind.name).variants if kind.name in enums[0] else ()
            variants_new = enums[1].get(kind.name).variants if kind.name in enums[1] else ()
            both = [v for v in variants_new if v in variants_old]
            return [v for v in both if v in self.hot_variants] + [v for v in both if v not in self.hot_variants]
        if name == "text":
            return self._texts(key, data)
        if name == "date":
            return self._dates(data)
        if name in ("integer", "decimal", "money", "rate"):
            return self._numbers(name)
        if name == "duration":
            return self._durations()
        if name == "set" and kind.element is not None:
            inner = self.for_fact(key, kind.element, data, enums, entity_keys)[:3]
            return [[]] + [[item] for item in inner] + ([inner[:2]] if len(inner) >= 2 else [])
        if name == "entity":
            return list(entity_keys(kind.name))
        return []

    def _texts(self, key, data) -> list:
        linked = []
        for other in sorted(self.links.get(key, ()), key=str):
            linked.extend(v for v in _values_of(other, data) if isinstance(v, str))
        found = merge_candidates(linked, self.members.get(key, []), self.table_keys.get(key, [])[:12],
                       [t for t in self.hot_texts], [t for t in self.texts][:8])
        found = [f for f in found if isinstance(f, str)]
        fresh = "ZZZ"
        while fresh in found:
            fresh += "Z"
        return found[:16] + [fresh]

    def _dates(self, data) -> list:
        present = [v for v in _all_values(data) if isinstance(v, dt.date)]
        anchors = list(dict.fromkeys(present + self.dates)) or [dt.date(2026, 1, 1)]
        out = list(present)
        day = Duration(1, "days")
        for anchor in anchors[:4]:
            for duration in self.hot_durations:
                for sign in (1, -1):
                    try:
                        edge = add_duration(anchor, duration, sign)
                        out.extend([edge + dt.timedelta(days=1), edge, edge - dt.timedelta(days=1)])
                    except (EvaluationError, OverflowError):  # a candidate off the calendar
                        pass
            try:
                out.extend([add_duration(anchor, day, 1), add_duration(anchor, day, -1)])
            except (EvaluationError, OverflowError):  # a candidate off the calendar
                pass
        out.extend(self.dates)
        for anchor in anchors[:2]:
            for duration in self.durations[:6]:
                try:
                    edge = add_duration(anchor, duration, 1)
                    out.extend([edge, edge + dt.timedelta(days=1)])
                except (EvaluationError, OverflowError):  # a candidate off the calendar
                    pass
        return list(dict.fromkeys(out))[:24]

    def _numbers(self, kind: str) -> list:
        hot = self.hot_numbers.get(kind, [])
        cold = self.numbers.get(kind, [])
        step = {"integer": 1, "money": Decimal("0.01"), "rate": Decimal("0.01"), "decimal": Decimal("0.01")}[kind]
        generic = {"integer": [1, 0, 2, 4, 10], "money": [Decimal(1000), Decimal(0), Decimal("1000000")],
                   "rate": [Decimal("0.5"), Decimal(0), Decimal(1)], "decimal": [Decimal(1), Decimal(0)]}[kind]
        out = []
        for value in hot:
            out.extend([value, value + step, value - step])
        out.extend(generic)
        for value in cold[:6]:
            out.extend([value, value + step, value - step])
        return list(dict.fromkeys(out))[:16]

    def _durations(self) -> list:
        out = []
        for duration in self.durations[:6]:
            out.extend([duration, Duration(duration.amount + 1, duration.unit)])
        return list(dict.fromkeys(out)) or [Duration(1, "years")]


def _changed_keys(old_data, new_data) -> list:
    def rows(data):
        return {(row.key, str(row.dated_from)): tuple(sorted((k, str(v)) for k, v in row.data.items()))
                for row in (data.rows if data is not None else ())}
    a, b = rows(old_data), rows(new_data)
    return list(dict.fromkeys(k[0] for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)))


def merge_candidates(*lists) -> list:
    out = []
    seen = set()
    for items in lists:
        for item in items:
            marker = (type(item).__name__, item if not isinstance(item, list) else tuple(item))
            if marker not in seen:
                seen.add(marker)
                out.append(item)
    return out


def _all_values(data):
    for name, raw in data.items():
        if isinstance(raw, list):
            for record in raw:
                if isinstance(record, dict):
                    yield from record.values()
        else:
            yield raw


def _values_of(key, data):
    if key[0] == "as_of":
        return [data["as_of"]] if "as_of" in data else []
    if key[0] == "fact":
        return [data[key[1]]] if key[1] in data else []
    return []  # filled in by the search, which knows the collections


def raw(value, kind: T.Type):
    """A candidate as a fact file writes it (what `bind_facts` reads back exactly)."""
    name = kind.kind
    if name == "money":
        amount = Decimal(value)
        return f"${amount:,.2f}" if amount == amount.quantize(Decimal("0.01")) else f"${amount}"
    if name == "rate":
        return f"{normalize(Decimal(value) * 100)}%"
    if name == "decimal":
        return str(normalize(Decimal(value)))
    if name == "duration":
        return str(value) if value.amount != 1 else f"1 {value.unit[:-1]}"
    if name == "set" and kind.element is not None:
        return [raw(item, kind.element) for item in value]
    return value
