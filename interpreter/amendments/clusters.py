"""Clusters: two loaded versions -> behaviour changes, each a `Cluster` of changed values and tables.

Values and tables whose rules or rows differ are joined when one refers to another; each cluster
knows the decisions it can affect. `hybrid(old, new, cluster)` is the old rule set with only the
cluster's new values and tables put in, so a witness can be attributed to one change.
"""
from __future__ import annotations

import attrs

from interpreter.amendments.reads import closure, reads_of, rule_nodes
from interpreter.language import model
from interpreter.language.pipeline import Loaded


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
