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
- Search: depth-first from an empty fact set, one record per entity the target reads; then,
  where the target reads a collection (counts, sums, shares), 2, 5 and 10 of its records, so
  that a threshold on a computed value can be crossed (4 of 5 records is 80%).
  Each step evaluates both sides; a target decision still undetermined names the
  missing facts that would settle it, and the search assigns one of them, trying its
  candidates in order. A branch ends when the target is decided on both sides, or
  when every changed value is decided alike on both sides (nothing downstream can
  differ). The search is bounded by a node budget and is deterministic for a seed.
- Minimisation: records, then fields, then global facts are dropped one at a time
  while some decision still differs (on old vs new, and on old vs hybrid).
"""
from __future__ import annotations

import random

import attrs

from interpreter.amendments.candidates import FACT_PATH, Candidates, merge_candidates, raw
from interpreter.amendments.clusters import Cluster, frontier_values, hybrid
from interpreter.amendments.reads import closure, reads_of
from interpreter.evaluation.evaluate import Evaluator
from interpreter.evaluation.facts import bind_facts
from interpreter.language import model
from interpreter.language import types as T
from interpreter.language.pipeline import Loaded

DEFAULT_BUDGET = 2000  # evaluated fact sets per behaviour change




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
        self.candidates = Candidates(old, new, cluster, self.frontier)
        self.entities = {name: e for name, e in n.entities.items() if name in o.entities}
        self.collections = {e.collection: name for name, e in self.entities.items()}
        self.distance = self._distances()
        self.width = 24
        self.copies = 1  # records per collection the target reads, besides its own record
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

    def _key_of_path(self, path: str, data: dict):
        if path == "as_of":
            return ("as_of",), None, None
        match = FACT_PATH.match(path)
        if match:
            entity = self.collections.get(match.group("collection"))
            if entity is None:
                return None, None, None
            index = self._record_index(entity, match.group("collection"), match.group("index"), data)
            if index is None:
                return None, None, None
            return ("field", entity, match.group("field")), match.group("collection"), index
        if "[" in path or "." in path:
            return None, None, None
        return ("fact", path), None, None

    def _record_index(self, entity: str, collection: str, name: str, data: dict) -> int | None:
        """A record named in a missing-fact path (by key, or by position if it has none) -> its position."""
        key_field = self.entities[entity].key
        for position, record in enumerate(data.get(collection, [])):
            if record.get(key_field) is not None and str(record.get(key_field)) == name:
                return position
        return int(name) if name.isdigit() else None

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
                count = self.copies if name != owner else 1
                data[self.entities[name].collection] = [{} for _ in range(count)]
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
        # A threshold on a value computed over several records (a share of a counted set, a sum)
        # can need more records than one: 4 of 5 is 80%, between 90% and 80%.
        if self._reads_collections(value_id, owner):
            self.width = 3
            for copies in (2, 5, 10):
                self.copies = copies
                try:
                    found = self._search_target_once(value_id, owner)
                finally:
                    self.copies = 1
                if found is not None:
                    return found
        return None

    def _reads_collections(self, value_id: str, owner: str | None) -> bool:
        return any(set(reads_of(ruleset.values[v]).collections) - ({owner} if owner else set())
                   for ruleset in (self.old.ruleset, self.right.ruleset) for v in closure(ruleset, [value_id])
                   if v in ruleset.values)

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
            key, collection, index = self._key_of_path(path, data)
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
            values = merge_candidates(linked, values)
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
        if records is None:  # absent (unknown); `[]` is kept: it says "none"
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
