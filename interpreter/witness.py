"""Witnesses: fact sets on which two versions of a rule set decide differently.

input: the old and new loaded rule sets; output: per behaviour change (a `Cluster` of
values and tables whose rules or rows changed, joined when one refers to another), a
minimal fact set (as a fact file's data) on which some decision differs, or nothing
if the bounded search finds none.

How the search works (no solver; the evaluator's own three-valued semantics guide it):
- Attribution: for a cluster C the search compares the old rule set with a *hybrid*,
  the old one with only C's new values and tables put in. A fact set on which old and
  hybrid differ shows C itself at work, whatever else the amendment changed.
- Candidates come from the rules of both versions: dates and the durations added to
  them (D, D±1, D+N±1 around every window), thresholds and their neighbours, enum
  variants, the members of every set a fact is tested against (computed in both
  versions, their symmetric difference first), table keys, and the values of fields a
  fact is compared with. Constants of the changed rules come first.
- Search: depth-first from an empty fact set, one record per entity the target reads.
  Each step evaluates both sides; a target decision still undetermined names the
  missing facts that would settle it, and the search assigns one of them, trying its
  candidates in order. A branch ends when the target is decided on both sides, or
  when every changed value is decided alike on both sides (nothing downstream can
  differ). The search is bounded by a node budget and is deterministic for a seed.
- Minimisation: records, then fields, then global facts are dropped one at a time
  while some decision still differs (on old vs new, and on old vs hybrid).
"""
from __future__ import annotations

import datetime as dt
import random
import re
from decimal import Decimal

import attrs

from interpreter import model
from interpreter import types as T
from interpreter.ast import Duration
from interpreter.evaluate import Evaluator
from interpreter.facts import FactBase, bind_facts
from interpreter.pipeline import Loaded
from interpreter.values import EvaluationError, add_duration, normalize

DEFAULT_BUDGET = 2000  # evaluated fact sets per behaviour change
_PATH = re.compile(r"^(?P<collection>[A-Za-z_][A-Za-z0-9_]*)\[(?P<index>[0-9]+)\]\.(?P<field>[A-Za-z_][A-Za-z0-9_]*)$")


# ---------------------------------------------------------------- generic model walks


def nodes(expr):
    """Every model node under an expression (any node type: walks attrs fields)."""
    if expr is None:
        return
    if isinstance(expr, (tuple, list)):
        for item in expr:
            yield from nodes(item)
        return
    if not attrs.has(type(expr)) or isinstance(expr, (T.Type, Duration)):
        return
    yield expr
    for field in attrs.fields(type(expr)):
        if field.name == "span" or not field.eq:
            continue
        value = getattr(expr, field.name)
        if isinstance(value, (tuple, list)) or (attrs.has(type(value)) and not isinstance(value, (T.Type, Duration))):
            yield from nodes(value)


def rule_nodes(value: model.Value):
    for rule in value.rules:
        yield from nodes(rule.consequence)
        yield from nodes(rule.condition)


def fact_key(expr):
    if isinstance(expr, model.FieldRef):
        return ("field", expr.entity, expr.field)
    if isinstance(expr, model.FactRef):
        return ("fact", expr.name)
    if isinstance(expr, model.AsOf):
        return ("as_of",)
    return None


@attrs.frozen
class Reads:
    values: frozenset  # value ids referenced
    tables: frozenset
    facts: frozenset  # fact keys read directly
    collections: frozenset  # entity names ranged over


_READS: dict[int, tuple[model.Value, Reads]] = {}


def reads_of(value: model.Value) -> Reads:
    """What a value's rules read directly (memoised per value object)."""
    known = _READS.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    reads = _reads_of(value)
    if len(_READS) > 100_000:
        _READS.clear()
    _READS[id(value)] = (value, reads)
    return reads


def _reads_of(value: model.Value) -> Reads:
    values, tables, facts, collections = set(), set(), set(), set()
    for node in rule_nodes(value):
        if isinstance(node, model.ValueRef):
            values.add(node.value_id)
        table = getattr(node, "table", None)
        if isinstance(table, str) and type(node).__name__ in ("TableLookup", "TableMembership", "TableRows", "RowField"):
            tables.add(table)
        key = fact_key(node)
        if key is not None:
            facts.add(key)
        if isinstance(node, model.CollectionRef):
            collections.add(node.entity)
    return Reads(frozenset(values), frozenset(tables), frozenset(facts), frozenset(collections))


def closure(ruleset: model.RuleSet, start) -> set[str]:
    seen, stack = set(), list(start)
    while stack:
        value_id = stack.pop()
        if value_id in seen or value_id not in ruleset.values:
            continue
        seen.add(value_id)
        stack.extend(reads_of(ruleset.values[value_id]).values)
    return seen


# ---------------------------------------------------------------- behaviour changes


@attrs.frozen
class Cluster:
    """One behaviour change: values and tables that changed together."""
    id: str
    citations: tuple[str, ...]
    values: tuple[str, ...]
    tables: tuple[str, ...]
    decisions: tuple[str, ...]  # decisions (in both versions) that can feel it
    new_vocabulary: tuple[str, ...] = ()  # enum variants its new rules use that the old version lacks


def _new_vocabulary(o: model.RuleSet, n: model.RuleSet, values) -> tuple[str, ...]:
    found = []
    for value_id in values:
        value = n.values.get(value_id)
        if value is None:
            continue
        for node in rule_nodes(value):
            if isinstance(node, model.Const) and node.type.kind == "enum":
                enum = o.enums.get(node.type.name)
                if enum is None or node.value not in enum.variants:
                    found.append(f"{node.type.name}.{node.value}")
    return tuple(sorted(set(found)))


def _rules_content(value: model.Value | None):
    if value is None:
        return None
    return frozenset((r.label, r.value_id, r.consequence, r.condition, r.exception_to) for r in value.rules)


def _table_content(data) -> tuple | None:
    if data is None:
        return None
    table = data.table
    columns = tuple((c.name, c.type) for c in table.columns)
    rows = tuple(sorted((row.key, str(row.dated_from), str(row.dated_until),
                         tuple(sorted((k, str(v)) for k, v in row.data.items() if k != table.source_column)))
                        for row in data.rows))
    return (table.key, table.prefix_match, table.dated_from, table.dated_until, columns, rows)


def clusters(old: Loaded, new: Loaded, citation_key=None) -> list[Cluster]:
    o, n = old.ruleset, new.ruleset
    items: set[str] = set()
    for value_id in o.values:
        vo, vn = o.values[value_id], n.values.get(value_id)
        if vn is None or vo.type != vn.type or _rules_content(vo) != _rules_content(vn):
            items.add(value_id)
    for name in old.tables:
        if _table_content(old.tables[name]) != _table_content(new.tables.get(name)):
            items.add("table:" + name)
    # New values and tables belong to a behaviour change only when a changed value of both
    # versions reads them; a new decision on its own is a new rule, not a changed one.
    pending = [item for item in items if item in n.values]
    while pending:
        reads = reads_of(n.values[pending.pop()])
        for ref in reads.values:
            if ref not in o.values and ref not in items:
                items.add(ref)
                pending.append(ref)
        for table in reads.tables:
            if table not in old.tables:
                items.add("table:" + table)
    parent = {item: item for item in items}

    def find(item):
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for ruleset in (o, n):
        for value_id in items:
            value = ruleset.values.get(value_id)
            if value is None:
                continue
            reads = reads_of(value)
            for ref in reads.values:
                if ref in items:
                    union(value_id, ref)
            for table in reads.tables:
                if "table:" + table in items:
                    union(value_id, "table:" + table)
    groups: dict[str, list[str]] = {}
    for item in sorted(items):
        groups.setdefault(find(item), []).append(item)
    found = []
    for members in groups.values():
        values = tuple(m for m in members if not m.startswith("table:"))
        tables = tuple(m[len("table:"):] for m in members if m.startswith("table:"))
        in_old = [v for v in values if v in o.values] + [t for t in tables if t in old.tables]
        in_new = [v for v in values if v in n.values] + [t for t in tables if t in new.tables]
        if not in_old or not in_new:
            continue  # only new (or only struck) values: nothing in the other version to compare with
        citations = set()
        for value_id in values:
            vo, vn = o.values.get(value_id), n.values.get(value_id)
            for version, other in ((vo, vn), (vn, vo)):
                if version is None:
                    continue
                if other is None or version.type != other.type:
                    citations.add(version.citation)
                theirs = {r.label: r for r in other.rules} if other is not None else {}
                for rule in version.rules:
                    twin = theirs.get(rule.label)
                    if twin is None or (rule.value_id, rule.consequence, rule.condition, rule.exception_to) != \
                            (twin.value_id, twin.consequence, twin.condition, twin.exception_to):
                        citations.add(rule.citation)
        frontier = frontier_values(o, n, values, tables)
        decisions = tuple(sorted(
            d for d in affected_decisions(o, frontier) & affected_decisions(n, frontier)))
        ordered = sorted(citations, key=citation_key) if citation_key else sorted(citations, key=str)
        # Keep the citations of the version that has them (new first), without repeats.
        shown = tuple(dict.fromkeys(str(c) for c in ordered)) or tuple(f"table {t}" for t in tables)
        found.append(Cluster("", shown, values, tables, decisions, _new_vocabulary(o, n, values)))
    found.sort(key=lambda c: (c.citations, c.values, c.tables))
    return [attrs.evolve(c, id=f"C{i}") for i, c in enumerate(found, start=1)]


def frontier_values(o: model.RuleSet, n: model.RuleSet, values, tables) -> set[str]:
    """The values that compute differently: the changed ones, and those reading changed tables."""
    frontier = set(values)
    for ruleset in (o, n):
        for value in ruleset.values.values():
            if reads_of(value).tables & set(tables):
                frontier.add(value.id)
    return frontier


def affected_decisions(ruleset: model.RuleSet, frontier: set[str]) -> set[str]:
    return {v.id for v in ruleset.values.values() if v.is_decision and closure(ruleset, [v.id]) & frontier}


# ---------------------------------------------------------------- hybrid rule sets


def hybrid(old: Loaded, new: Loaded, cluster: Cluster) -> Loaded | None:
    """The old rule set with only this cluster's new values and tables (None if it cannot stand)."""
    o, n = old.ruleset, new.ruleset
    values = dict(o.values)
    pending = []
    for value_id in cluster.values:
        if value_id in n.values:
            values[value_id] = n.values[value_id]
            pending.append(value_id)
        else:
            values.pop(value_id, None)
    tables_model, tables_data = dict(o.tables), dict(old.tables)
    wanted_tables = set(cluster.tables)
    while pending:
        value = values[pending.pop()]
        reads = reads_of(value)
        for ref in reads.values:
            if ref not in values and ref in n.values:
                values[ref] = n.values[ref]
                pending.append(ref)
        wanted_tables |= {t for t in reads.tables if t not in o.tables}
    for name in wanted_tables:
        if name in n.tables:
            tables_model[name], tables_data[name] = n.tables[name], new.tables[name]
        else:
            tables_model.pop(name, None)
            tables_data.pop(name, None)
    for value in values.values():
        reads = reads_of(value)
        if not reads.values <= set(values) or not reads.tables <= set(tables_model):
            return None
    enums = {**n.enums, **o.enums}
    facts = {**n.facts, **o.facts}
    entities = dict(o.entities)
    for name, entity in n.entities.items():
        if name not in entities:
            entities[name] = entity
        else:
            known = {f.name for f in entities[name].fields}
            extra = tuple(f for f in entity.fields if f.name not in known)
            if extra:
                entities[name] = attrs.evolve(entities[name], fields=entities[name].fields + extra)
    rules = {rule.label: rule for value in values.values() for rule in value.rules}
    ruleset = attrs.evolve(o, values=values, rules=rules, tables=tables_model, enums=enums, facts=facts, entities=entities)
    return attrs.evolve(old, ruleset=ruleset, tables=tables_data)


# ---------------------------------------------------------------- evaluation of candidate fact sets


class _Version:
    def __init__(self, loaded: Loaded):
        self.loaded = loaded
        self.ruleset = loaded.ruleset
        self.tables = loaded.tables

    def run(self, data, wanted) -> dict | None:
        """Outcomes of `wanted` [(value id, entity or None, index)] on data (None: data invalid)."""
        facts, problems = bind_facts(self.ruleset, data, "<witness>")
        if problems or facts is None:
            return None
        evaluator = Evaluator(self.ruleset, self.tables, facts, facts.as_of, None)
        found = {}
        for value_id, entity, index in wanted:
            value = self.ruleset.values.get(value_id)
            if value is None:
                found[(value_id, entity, index)] = None
                continue
            record = None
            if entity is not None:
                records = facts.records.get(entity, ())
                if index >= len(records):
                    found[(value_id, entity, index)] = None
                    continue
                record = records[index]
            try:
                found[(value_id, entity, index)] = evaluator.outcome(value, record)
            except Exception:  # noqa: BLE001 - a candidate the evaluator cannot handle is just not a witness
                found[(value_id, entity, index)] = None
        return found

    def decisions(self, data) -> dict | None:
        """Every decision on every record: (value id, entity, index) -> Outcome."""
        facts, problems = bind_facts(self.ruleset, data, "<witness>")
        if problems or facts is None:
            return None
        wanted = []
        for value in self.ruleset.decisions():
            if value.owner is None:
                wanted.append((value.id, None, 0))
            else:
                wanted.extend((value.id, value.owner, i) for i in range(len(facts.records.get(value.owner, ()))))
        return self.run(data, wanted)


def settled(outcome) -> bool:
    return outcome is not None and outcome.status != "undetermined"


def differ(a, b) -> bool:
    """Both sides settled, and they decide differently."""
    if not settled(a) or not settled(b):
        return False
    if a.status != b.status:
        return True
    return a.status == "decided" and not _same(a.value, b.value)


def _same(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001
        return False


# ---------------------------------------------------------------- candidates


class _Candidates:
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
                self.members[key] = _merge(members, self.members[key]) if hot else _merge(self.members[key], members)
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
                self.table_keys[key] = _merge(keys, current) if (hot or name in hot_tables) else _merge(current, keys)
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
        found = _merge(linked, self.members.get(key, []), self.table_keys.get(key, [])[:12],
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


def _merge(*lists) -> list:
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


# ---------------------------------------------------------------- raw values as a fact file holds them


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


# ---------------------------------------------------------------- the search


class _Budget(Exception):
    pass


@attrs.frozen
class Found:
    cluster: Cluster
    data: dict
    nodes: int
    target: tuple  # (value id, entity or None, record index)


class Searcher:
    def __init__(self, old: Loaded, new: Loaded, cluster: Cluster, seed: int = 0, budget: int = DEFAULT_BUDGET):
        self.old, self.new, self.cluster = old, new, cluster
        self.rng = random.Random(seed)
        self.seed = seed
        self.budget = budget
        self.nodes = 0
        self.hybrid = hybrid(old, new, cluster)
        self.left = _Version(old)
        self.right = _Version(self.hybrid) if self.hybrid is not None else _Version(new)
        o, n = old.ruleset, new.ruleset
        self.frontier = frontier_values(o, n, cluster.values, cluster.tables)
        self.candidates = _Candidates(old, new, cluster, self.frontier)
        self.entities = {name: e for name, e in n.entities.items() if name in o.entities}
        self.collections = {e.collection: name for name, e in self.entities.items()}
        self.distance = self._distances()
        self.width = 24
        self.truncated = False
        self.target = None
        self.dead: set[str] = set()  # states where every changed value is decided alike: dead for every target

    # ---- static guidance

    def _distances(self) -> dict:
        """Fact key -> how many value steps separate it from a changed value (smaller first)."""
        best: dict = {}
        for ruleset in (self.old.ruleset, self.right.ruleset):
            depth = {v: 0 for v in self.frontier if v in ruleset.values}
            frontier = list(depth)
            while frontier:
                nxt = []
                for value in ruleset.values.values():
                    if value.id in depth:
                        continue
                    if reads_of(value).values & set(frontier):
                        depth[value.id] = min(depth[f] for f in reads_of(value).values if f in depth) + 1
                        nxt.append(value.id)
                frontier = nxt
            for value_id, d in depth.items():
                for key in reads_of(ruleset.values[value_id]).facts:
                    best[key] = min(best.get(key, 99), d)
        return best

    def _field_type(self, key) -> T.Type | None:
        o, n = self.old.ruleset, self.new.ruleset
        if key[0] == "as_of":
            return T.DATE
        if key[0] == "fact":
            a, b = o.facts.get(key[1]), n.facts.get(key[1])
            return a.type if a is not None and b is not None and a.type == b.type else None
        entity_o, entity_n = o.entities.get(key[1]), n.entities.get(key[1])
        if entity_o is None or entity_n is None:
            return None
        a, b = entity_o.field(key[2]), entity_n.field(key[2])
        return a.type if a is not None and b is not None and a.type == b.type else None

    def _key_of_path(self, path: str):
        if path == "as_of":
            return ("as_of",), None, None
        match = _PATH.match(path)
        if match:
            entity = self.collections.get(match.group("collection"))
            if entity is None:
                return None, None, None
            return ("field", entity, match.group("field")), match.group("collection"), int(match.group("index"))
        if "[" in path or "." in path:
            return None, None, None
        return ("fact", path), None, None

    # ---- targets and structures

    def targets(self) -> list[tuple[str, str | None]]:
        o = self.old.ruleset
        out = []
        for value_id in self.cluster.decisions:
            value = o.values[value_id]
            reads_depth = min((self.distance.get(k, 99) for k in reads_of(value).facts), default=99)
            distance = self._value_distance(value_id)
            # A changed decision is itself a witness target, but a decision downstream of it
            # shows what the change does; try those first.
            out.append((distance == 0, distance, reads_depth, list(o.values).index(value_id), value_id, value.owner))
        out.sort()
        return [(value_id, owner) for *_, value_id, owner in out]

    def _value_distance(self, value_id: str) -> int:
        ruleset = self.old.ruleset
        seen, layer, depth = {value_id}, [value_id], 0
        while layer:
            if any(v in self.frontier for v in layer):
                return depth
            nxt = []
            for v in layer:
                for ref in reads_of(ruleset.values[v]).values if v in ruleset.values else ():
                    if ref not in seen:
                        seen.add(ref)
                        nxt.append(ref)
            layer, depth = nxt, depth + 1
        return 99

    def structure(self, value_id: str, owner: str | None) -> dict:
        entities = set()
        if owner is not None:
            entities.add(owner)
        for ruleset in (self.old.ruleset, self.right.ruleset):
            for v in closure(ruleset, [value_id]):
                entities |= set(reads_of(ruleset.values[v]).collections)
        data: dict = {}
        for name in sorted(entities):
            if name in self.entities:
                data[self.entities[name].collection] = [{}]
        return data

    # ---- one search

    def run(self) -> Found | None:
        """The first witness found; `self.exhausted` tells whether a miss searched every candidate."""
        self.exhausted = False
        try:
            complete = True
            for value_id, owner in self.targets():
                found = self._search_target(value_id, owner)
                if found is not None:
                    return Found(self.cluster, found, self.nodes, self.target)
                complete = complete and not self.truncated
        except _Budget:
            return None
        self.exhausted = complete
        return None

    def _search_target(self, value_id: str, owner: str | None):
        for width in (3, 8, 24):  # few candidates per fact first: most witnesses are shallow
            self.width = width
            self.truncated = False
            found = self._search_target_once(value_id, owner)
            if found is not None:
                return found
            if not self.truncated:
                break  # every candidate was already tried: a wider pass would search the same space
        return None

    def _search_target_once(self, value_id: str, owner: str | None):
        target = (value_id, owner, 0)
        data = self.structure(value_id, owner)
        wanted_frontier = []
        for frontier_id in sorted(self.frontier):
            value = self.old.ruleset.values.get(frontier_id) or self.right.ruleset.values.get(frontier_id)
            if value is None:
                continue
            if value.owner is None:
                wanted_frontier.append((frontier_id, None, 0))
            elif value.owner in self.entities and self.entities[value.owner].collection in data:
                wanted_frontier.append((frontier_id, value.owner, 0))
        wanted = [target] + wanted_frontier
        return self._dfs(data, target, wanted, set())

    def _dfs(self, data: dict, target, wanted, tried: set):
        self.nodes += 1
        if self.nodes > self.budget:
            raise _Budget()
        left, right = self.left.run(data, wanted), self.right.run(data, wanted)
        if left is None or right is None:
            return None
        a, b = left[target], right[target]
        if differ(a, b):
            self.target = target
            return data
        if settled(a) and settled(b):
            return None
        frontier_missing: set[str] = set()
        all_alike = True
        for key in wanted[1:]:
            fa, fb = left[key], right[key]
            if settled(fa) and settled(fb):
                if differ(fa, fb):
                    all_alike = False
                continue
            if fa is None or fb is None:
                if fa is None and fb is None:
                    continue
                all_alike = False
                present = fa or fb
                if not settled(present):
                    frontier_missing |= set(present.missing)
                continue
            all_alike = False
            for outcome in (fa, fb):
                if not settled(outcome):
                    frontier_missing |= set(outcome.missing)
        if all_alike and len(wanted) > 1:
            self.dead.add(_marker(data))
            return None
        missing = set()
        for outcome in (a, b):
            if outcome is not None and not settled(outcome):
                missing |= set(outcome.missing)
        choice = self._choose(missing, frontier_missing, data)
        if choice is None:
            return None
        path, key, collection, index, kind = choice
        candidates = self._candidates_for(key, kind, data)
        if len(candidates) > self.width:
            self.truncated = True
        for candidate in candidates[: self.width]:
            value = raw(candidate, kind)
            following = _assign(data, path, collection, index, key, value)
            marker = _marker(following)
            if marker in tried or marker in self.dead:
                continue
            tried.add(marker)
            found = self._dfs(following, target, wanted, tried)
            if found is not None:
                return found
        return None

    def _choose(self, missing: set[str], frontier_missing: set[str], data: dict):
        options = []
        for path in missing | frontier_missing:
            key, collection, index = self._key_of_path(path)
            if key is None:
                continue
            kind = self._field_type(key)
            if kind is None:
                continue
            if collection is not None and (collection not in data or index >= len(data[collection])):
                continue
            rank = (0 if path in frontier_missing and path in missing else 1 if path in frontier_missing else 2,
                    self.distance.get(key, 99), path)
            options.append((rank, path, key, collection, index, kind))
        if not options:
            return None
        options.sort(key=lambda o: o[0])
        _, path, key, collection, index, kind = options[0]
        return path, key, collection, index, kind

    def _candidates_for(self, key, kind: T.Type, data: dict) -> list:
        def entity_keys(entity):
            collection = self.entities[entity].collection if entity in self.entities else None
            key_field = self.entities[entity].key if entity in self.entities else None
            return [r.get(key_field) for r in data.get(collection, []) if r.get(key_field) is not None]

        values = self.candidates.for_fact(key, kind, data, (self.old.ruleset.enums, self.new.ruleset.enums), entity_keys)
        if kind.kind == "text":
            linked = []
            for other in sorted(self.candidates.links.get(key, ()), key=str):
                if other[0] == "field" and other[1] in self.entities:
                    collection = self.entities[other[1]].collection
                    linked.extend(r.get(other[2]) for r in data.get(collection, []) if isinstance(r.get(other[2]), str))
            values = _merge(linked, values)
        if self.seed and len(values) > 2:
            # Another seed tries the same candidates in another order after the first two
            # (the values the changed rules themselves name), and so may find another witness.
            head, tail = values[:2], values[2:]
            self.rng.shuffle(tail)
            values = head + tail
        return values


def _marker(data: dict) -> str:
    return repr(sorted(data.items(), key=str))


def _assign(data: dict, path: str, collection, index, key, value) -> dict:
    following = {k: (list(v) if isinstance(v, list) else v) for k, v in data.items()}
    if collection is None:
        following[path] = value
    else:
        records = [dict(r) for r in following[collection]]
        records[index][key[2]] = value
        following[collection] = records
    return following


# ---------------------------------------------------------------- minimisation


def differences(old: _Version, new: _Version, data: dict, attribution: _Version | None = None) -> list:
    a, b = old.decisions(data), new.decisions(data)
    if a is None or b is None:
        return []
    c = attribution.decisions(data) if attribution is not None else None
    out = []
    for key in a:
        if key in b and differ(a[key], b[key]):
            if c is not None and not differ(a[key], c.get(key)):
                continue
            out.append(key)
    return out


def minimise(old: Loaded, new: Loaded, data: dict, attribution: Loaded | None, entities: dict,
             target: tuple) -> dict:
    """Drop records, fields and facts one at a time while the target decision still differs
    (old vs new, and old vs the attribution hybrid)."""
    left, right = _Version(old), _Version(new)
    third = _Version(attribution) if attribution is not None else None
    value_id, entity, index = target
    collection_of_target = entities[entity].collection if entity is not None and entity in entities else None

    def holds(candidate, where=None) -> bool:
        key = where or (value_id, entity, state["index"])
        a, b = left.run(candidate, [key]), right.run(candidate, [key])
        if a is None or b is None or not differ(a[key], b[key]):
            return False
        if third is None:
            return True
        c = third.run(candidate, [key])
        return c is not None and differ(a[key], c[key])

    state = {"index": index}
    current = {k: ([dict(r) for r in v] if isinstance(v, list) else v) for k, v in data.items()}
    if not holds(current):
        return current
    for collection in sorted(k for k, v in current.items() if isinstance(v, list)):
        position = len(current[collection]) - 1
        while position >= 0:
            if collection == collection_of_target and position == state["index"]:
                position -= 1
                continue
            trial = dict(current)
            trial[collection] = current[collection][:position] + current[collection][position + 1:]
            if not trial[collection]:
                del trial[collection]
            shifted = state["index"] - 1 if collection == collection_of_target and position < state["index"] else state["index"]
            if holds(trial, (value_id, entity, shifted)):
                current = trial
                state["index"] = shifted
            position -= 1
    for collection in sorted(k for k, v in current.items() if isinstance(v, list)):
        for position in range(len(current[collection])):
            for field in list(current[collection][position]):
                trial = dict(current)
                records = [dict(r) for r in current[collection]]
                del records[position][field]
                trial[collection] = records
                if holds(trial):
                    current = trial
    for name in [k for k, v in current.items() if not isinstance(v, list)]:
        trial = {k: v for k, v in current.items() if k != name}
        if holds(trial):
            current = trial
    # Give keyless records a readable key when it changes nothing.
    by_collection = {e.collection: e for e in entities.values()}
    for collection, records in list(current.items()):
        record_entity = by_collection.get(collection)
        if not isinstance(records, list) or record_entity is None:
            continue
        key_field = record_entity.field(record_entity.key)
        kind = key_field.type.kind if key_field is not None else "text"
        if kind not in ("integer", "text"):
            continue
        for position, record in enumerate(records):
            if record_entity.key in record:
                continue
            placeholder = position + 1 if kind == "integer" else f"{record_entity.name[:1].upper()}{position + 1}"
            trial = dict(current)
            updated = [dict(r) for r in records]
            updated[position] = {record_entity.key: placeholder, **updated[position]}
            trial[collection] = updated
            if holds(trial):
                current = trial
                records = updated
    return current


def ordered(data: dict, ruleset: model.RuleSet) -> dict:
    """A fact file's layout: as_of, global facts, then collections; key first, fields in declared order."""
    out = {}
    if "as_of" in data:
        out["as_of"] = data["as_of"]
    for name in ruleset.facts:
        if name in data:
            out[name] = data[name]
    for entity in ruleset.entities.values():
        records = data.get(entity.collection)
        if not records:
            continue
        order = [entity.key] + [f.name for f in entity.fields if f.name != entity.key]
        out[entity.collection] = [{name: record[name] for name in order if name in record} for record in records]
    return out


@attrs.frozen
class Outcome:
    data: dict | None  # the minimal witness (fact-file data), or None
    exhausted: bool  # no witness, and every candidate fact set was tried (not cut by the budget)
    nodes: int


def search(old: Loaded, new: Loaded, cluster: Cluster, seed: int = 0, budget: int = DEFAULT_BUDGET) -> Outcome:
    """A minimal fact set (fact-file data) on which old and new decide differently because of `cluster`."""
    if not cluster.decisions:
        return Outcome(None, True, 0)
    searcher = Searcher(old, new, cluster, seed, budget)
    found = searcher.run()
    if found is None:
        return Outcome(None, searcher.exhausted, searcher.nodes)
    if not differences(_Version(old), _Version(new), found.data, searcher.right if searcher.hybrid is not None else None):
        return Outcome(None, False, searcher.nodes)
    data = minimise(old, new, found.data, searcher.hybrid, searcher.entities, found.target)
    return Outcome(ordered(data, new.ruleset), False, searcher.nodes)
