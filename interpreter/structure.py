"""Structure: two loaded rule sets -> their differences keyed by citation, not by line.

input: the old and new `Side` (a loaded rule set and how to show its files); output: a
`Structure` of provision, declaration, reference-row and other-file changes, all plain
data (strings and tuples), so it can be rendered after temporary directories are gone.

Guarantees:
- provisions are matched by citation; a provision whose content (statute text, or its
  rules) reappears under another citation is reported as renumbered, and its
  subdivisions that moved with it are folded into that one entry;
- rules and values are compared by their resolved model content (model nodes keep spans
  out of equality), so layout, comments and line moves are never a change;
- a rule or value whose only change is a citation that follows a renumbered provision is
  not reported again; one that moved on its own is reported as moved;
- reference rows are matched by table key (and start date for dated tables), and each
  row change names its source column on both sides;
- every list is sorted (citations in statutory order), so output is deterministic.
"""
from __future__ import annotations

import difflib
import os
import textwrap

import attrs

from interpreter import model
from interpreter.citation import Citation, citation_key
from interpreter.pipeline import Loaded, RULE_SUFFIX
from interpreter.values import format_value

# ---------------------------------------------------------------- sides


@attrs.frozen
class Side:
    """One side of a diff: how the user named it, where it was read from, what loaded."""
    spec: str
    root: str
    loaded: Loaded = attrs.field(eq=False, repr=False)

    @property
    def ruleset(self) -> model.RuleSet:
        return self.loaded.ruleset

    def display(self, file: str | None) -> str | None:
        """A file of this side as the user would name it: `rules/ramsa/s4_alliance.rules`,
        or `HEAD~1:rules/ramsa/s4_alliance.rules` for a git side."""
        if file is None:
            return None
        if os.path.isfile(self.root):  # a rule set of one file
            return self.spec if os.path.abspath(file) == os.path.abspath(self.root) else file
        relative = os.path.relpath(os.path.abspath(file), os.path.abspath(self.root))
        if relative.startswith(".."):
            return file
        spec = self.spec.rstrip("/")
        return f"{spec}/{relative}".replace(os.sep, "/")

    def location(self, span) -> str | None:
        if span is None:
            return None
        return f"{self.display(span.file)}:{span.line}"

    def quote(self, span) -> str | None:
        """The source lines a declaration spans, dedented (comments and layout as written)."""
        if span is None:
            return None
        sources = self.loaded.sources
        lines = []
        for number in range(span.line, span.end_line + 1):
            line = sources.line(span.file, number)
            if line is None:
                break
            if number == span.end_line and number > span.line and not line[: max(0, span.end_column - 1)].strip():
                break  # the span ends on the indentation of the next line
            lines.append(line)
        while lines and (not lines[-1].strip() or lines[-1].strip().startswith("#")):
            lines.pop()
        return textwrap.dedent("\n".join(lines)) if lines else None


def _moved_citation(citation: Citation, mapping: dict) -> Citation:
    """Where a citation ends up when the provisions containing it were renumbered."""
    for prefix in citation.ancestors():
        if prefix in mapping:
            target = mapping[prefix]
            return Citation(target.act, target.section, target.path + citation.path[len(prefix.path):])
    return citation


# ---------------------------------------------------------------- result types


@attrs.frozen
class RuleChange:
    change: str  # added | removed | changed | moved | relabelled
    label: str
    target: str
    old_citation: str | None
    new_citation: str | None
    aspects: tuple[str, ...]  # consequence condition exception_to notes target citation label
    old_source: str | None
    new_source: str | None
    old_location: str | None
    new_location: str | None
    old_label: str | None = None

    @property
    def behavioural(self) -> bool:
        return self.change in ("added", "removed") or bool(
            set(self.aspects) & {"consequence", "condition", "exception_to", "target"})


@attrs.frozen
class ValueChange:
    change: str  # added | removed | changed | moved
    id: str
    kind: str  # decision | deadline | value (the new kind, or the old one if removed)
    old_citation: str | None
    new_citation: str | None
    aspects: tuple[str, ...]  # kind type description citation
    old: tuple[tuple[str, str | None], ...]  # (aspect, old text)
    new: tuple[tuple[str, str | None], ...]
    old_location: str | None
    new_location: str | None


@attrs.frozen
class ProvisionChange:
    change: str  # added | removed | changed | renumbered
    old_citation: str | None
    new_citation: str | None
    level: str
    aspects: tuple[str, ...]  # heading text notes non_operative rules values
    old_heading: str | None
    new_heading: str | None
    old_text: str | None
    new_text: str | None
    old_notes: tuple[str, ...]
    new_notes: tuple[str, ...]
    old_non_operative: str | None
    new_non_operative: str | None
    values: tuple[ValueChange, ...]
    rules: tuple[RuleChange, ...]
    moved_along: tuple[str, ...]  # subdivisions renumbered with this one (new citations)
    merged_into: str | None  # for a removed provision whose text now stands in another
    old_location: str | None
    new_location: str | None
    sort_key: tuple = attrs.field(eq=False, repr=False)

    @property
    def citation(self) -> str:
        return self.new_citation or self.old_citation

    @property
    def behavioural(self) -> bool:
        return any(r.behavioural for r in self.rules) or any(
            v.change in ("added", "removed") or set(v.aspects) & {"type", "kind"} for v in self.values)

    @property
    def text_only(self) -> bool:
        return self.change == "changed" and not self.behavioural and not self.rules and not self.values


@attrs.frozen
class DeclarationChange:
    category: str  # act enum entity fact table
    name: str
    change: str  # added | removed | changed
    details: tuple[str, ...]
    location: str | None


@attrs.frozen
class RowChange:
    table: str
    file: str  # the table's CSV, relative to the rule-set root
    key: str
    dated_from: str | None
    change: str  # added | removed | changed
    columns: tuple[tuple[str, str | None, str | None], ...]  # (column, old, new) for changed data columns
    old_source: str | None
    new_source: str | None
    old_line: int | None
    new_line: int | None

    @property
    def behavioural(self) -> bool:
        return self.change != "changed" or bool(self.columns)


@attrs.frozen
class FileChange:
    path: str  # relative to the rule-set root
    change: str  # added | removed | changed


@attrs.frozen
class Structure:
    provisions: tuple[ProvisionChange, ...]
    declarations: tuple[DeclarationChange, ...]
    rows: tuple[RowChange, ...]
    files: tuple[FileChange, ...]
    layout_only: tuple[str, ...]  # rule files whose text differs with no change of substance
    citation_map: dict = attrs.field(eq=False, repr=False)  # old Citation -> new Citation

    @property
    def empty(self) -> bool:
        return not (self.provisions or self.declarations or self.rows or self.files)


# ---------------------------------------------------------------- content keys


def _rule_content(rule: model.Rule):
    return (rule.value_id, rule.consequence, rule.condition, rule.exception_to)


def _value_content(value: model.Value):
    return (value.id, value.kind, value.type, value.description)


class _Index:
    """Per side: provisions by citation, and the values and rules standing in each."""

    def __init__(self, side: Side):
        ruleset = side.ruleset
        self.side = side
        self.provisions = {p.citation: p for p in ruleset.provisions if p.citation.section != ""}
        self.values_at: dict[Citation, list[model.Value]] = {}
        for value in ruleset.values.values():
            self.values_at.setdefault(value.citation, []).append(value)
        self.rules_at: dict[Citation, list[model.Rule]] = {}
        for rule in ruleset.rules.values():
            self.rules_at.setdefault(rule.citation, []).append(rule)

    def rules_signature(self, citation):
        return frozenset((r.label, _rule_content(r), r.notes) for r in self.rules_at.get(citation, ()))

    def values_signature(self, citation):
        return frozenset(_value_content(v) for v in self.values_at.get(citation, ()))

    def signature(self, citation):
        p = self.provisions[citation]
        return (p.level, p.heading, p.text, p.notes, p.non_operative,
                self.values_signature(citation), self.rules_signature(citation))


def _words(text: str | None) -> list[str]:
    return (text or "").split()


def _similarity(a: str | None, b: str | None) -> float:
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, _words(a), _words(b), autojunk=False).ratio()


def _contained(part: str | None, whole: str | None) -> float:
    """How much of `part`'s words appear, in order, in `whole` (0..1)."""
    words = _words(part)
    if not words or not whole:
        return 0.0
    matcher = difflib.SequenceMatcher(None, words, _words(whole), autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(words)


def _parent(citation: Citation) -> Citation | None:
    if not citation.path:
        return None
    return Citation(citation.act, citation.section, citation.path[:-1])


# ---------------------------------------------------------------- matching provisions


def _match_provisions(old: _Index, new: _Index):
    """-> (pairs old->new for every matched provision, the subset that moved, fuzzy ones)."""
    pairs: dict[Citation, Citation] = {}
    left = sorted(old.provisions, key=lambda c: (len(c.path), citation_key(c)))
    right = set(new.provisions)
    old_sig = {c: old.signature(c) for c in old.provisions}
    new_sig = {c: new.signature(c) for c in new.provisions}

    for citation in left:  # 1. unchanged at the same citation
        if citation in right and old_sig[citation] == new_sig[citation]:
            pairs[citation] = citation
            right.discard(citation)

    def prefer(o: Citation, n: Citation):
        parent_o, parent_n = _parent(o), _parent(n)
        same_parent = parent_o is None or pairs.get(parent_o, parent_o) == parent_n
        return (old.provisions[o].level != new.provisions[n].level, not same_parent, citation_key(n))

    def cross(test, require_new_side: bool = False):
        for o in left:
            if o in pairs:
                continue
            candidates = [n for n in right if n != o and test(o, n)
                          and (not require_new_side or n not in old.provisions or o not in new.provisions)]
            if candidates:
                n = min(candidates, key=lambda c: prefer(o, c))
                pairs[o] = n
                right.discard(n)

    def substantial(citation, index):
        p = index.provisions[citation]
        return bool(p.text) or bool(index.rules_at.get(citation))

    # 2. the same content under another citation: renumbered
    cross(lambda o, n: old_sig[o] == new_sig[n] and substantial(o, old))
    # 2b. the same statute text, or the same rules, under another citation (renumbered and changed)
    cross(lambda o, n: (bool(old.provisions[o].text) and old.provisions[o].text == new.provisions[n].text)
          or (bool(old.rules_at.get(o)) and
              {(r.label, _rule_content(r)) for r in old.rules_at[o]} == {(r.label, _rule_content(r)) for r in new.rules_at.get(n, ())}),
          require_new_side=True)
    for o in left:  # 3. changed in place
        if o not in pairs and o in right:
            pairs[o] = o
            right.discard(o)
    # 4. similar text, at a citation that no longer exists, now at one that did not exist
    fuzzy = set()
    for o in left:
        if o in pairs or o in new.provisions:
            continue
        candidates = [(n, _similarity(old.provisions[o].text, new.provisions[n].text)) for n in right
                      if n not in old.provisions and old.provisions[o].level == new.provisions[n].level]
        candidates = [(n, score) for n, score in candidates if score >= 0.75]
        if candidates:
            n = min(candidates, key=lambda item: (-item[1], prefer(o, item[0])))[0]
            pairs[o] = n
            right.discard(n)
            fuzzy.add(o)
    return pairs, fuzzy


# ---------------------------------------------------------------- the diff


def _rule_changes(old: _Index, new: _Index, citation_map: dict) -> list[RuleChange]:
    old_rules, new_rules = old.side.ruleset.rules, new.side.ruleset.rules
    changes = []
    removed = {label: r for label, r in old_rules.items() if label not in new_rules}
    added = {label: r for label, r in new_rules.items() if label not in old_rules}
    for label in sorted(set(old_rules) & set(new_rules)):
        o, n = old_rules[label], new_rules[label]
        aspects = []
        if o.value_id != n.value_id:
            aspects.append("target")
        if o.consequence != n.consequence:
            aspects.append("consequence")
        if o.condition != n.condition:
            aspects.append("condition")
        if o.exception_to != n.exception_to:
            aspects.append("exception_to")
        if o.notes != n.notes:
            aspects.append("notes")
        moved = _moved_citation(o.citation, citation_map) != n.citation
        if moved:
            aspects.append("citation")
        if aspects:
            changes.append(_rule_change("moved" if aspects == ["citation"] else "changed", o, n, aspects, old, new))
    relabelled = []
    for label, o in sorted(removed.items()):
        twin = next((n for n in sorted(added.values(), key=lambda r: r.label)
                     if _rule_content(n) == _rule_content(o)), None)
        if twin is not None:
            del added[twin.label]
            relabelled.append(label)
            aspects = ["label"] + (["citation"] if _moved_citation(o.citation, citation_map) != twin.citation else [])
            changes.append(_rule_change("relabelled", o, twin, aspects, old, new))
    for label in relabelled:
        del removed[label]
    changes.extend(_rule_change("removed", o, None, [], old, new) for o in removed.values())
    changes.extend(_rule_change("added", None, n, [], old, new) for n in added.values())
    return changes


def _rule_change(change, o, n, aspects, old: _Index, new: _Index) -> RuleChange:
    return RuleChange(
        change=change,
        label=(n or o).label,
        target=(n or o).value_id,
        old_citation=str(o.citation) if o else None,
        new_citation=str(n.citation) if n else None,
        aspects=tuple(aspects),
        old_source=old.side.quote(o.span) if o else None,
        new_source=new.side.quote(n.span) if n else None,
        old_location=old.side.location(o.span) if o else None,
        new_location=new.side.location(n.span) if n else None,
        old_label=o.label if o is not None and n is not None and o.label != n.label else None,
    )


def _value_changes(old: _Index, new: _Index, citation_map: dict) -> list[ValueChange]:
    old_values, new_values = old.side.ruleset.values, new.side.ruleset.values
    changes = []
    for value_id in sorted(set(old_values) | set(new_values)):
        o, n = old_values.get(value_id), new_values.get(value_id)
        if o is None or n is None:
            v = n or o
            changes.append(ValueChange(
                "added" if o is None else "removed", value_id, v.kind,
                str(o.citation) if o else None, str(n.citation) if n else None, (),
                _value_facts(o), _value_facts(n),
                old.side.location(o.span) if o else None, new.side.location(n.span) if n else None))
            continue
        aspects = [a for a, x, y in (("kind", o.kind, n.kind), ("type", o.type, n.type),
                                     ("description", o.description, n.description)) if x != y]
        if _moved_citation(o.citation, citation_map) != n.citation:
            aspects.append("citation")
        if aspects:
            changes.append(ValueChange(
                "moved" if aspects == ["citation"] else "changed", value_id, n.kind,
                str(o.citation), str(n.citation), tuple(aspects), _value_facts(o, aspects), _value_facts(n, aspects),
                old.side.location(o.span), new.side.location(n.span)))
    return changes


def _value_facts(value, aspects=("kind", "type", "description")):
    if value is None:
        return ()
    shown = {"kind": value.kind, "type": str(value.type), "description": value.description,
             "citation": str(value.citation)}
    return tuple((aspect, shown[aspect]) for aspect in aspects if aspect in shown)


def diff_structure(old_side: Side, new_side: Side) -> Structure:
    old, new = _Index(old_side), _Index(new_side)
    pairs, fuzzy = _match_provisions(old, new)
    moves = {o: n for o, n in pairs.items() if o != n}
    citation_map = dict(pairs)
    rule_changes = _rule_changes(old, new, citation_map)
    value_changes = _value_changes(old, new, citation_map)
    # A value that moved takes the rule written with it along: report the move once.
    moved_values = {(v.id, v.old_citation, v.new_citation) for v in value_changes if v.change == "moved"}
    rule_changes = [r for r in rule_changes
                    if not (r.change == "moved" and (r.target, r.old_citation, r.new_citation) in moved_values)]

    by_provision: dict[Citation, dict[str, list]] = {}

    def attach(citation_text: str, kind: str, change):
        citation = next((c for c in (*new.provisions, *old.provisions) if str(c) == citation_text), None)
        by_provision.setdefault(citation, {"values": [], "rules": []})[kind].append(change)

    for change in value_changes:
        attach(change.new_citation or change.old_citation, "values", change)
    for change in rule_changes:
        attach(change.new_citation or change.old_citation, "rules", change)

    # Renumbered subdivisions that moved with their renumbered parent are folded into it.
    implied = {o for o, n in moves.items()
               if _parent(o) in moves and moves[_parent(o)] == _parent(n) and o.path[-1:] == n.path[-1:]}

    entries: list[ProvisionChange] = []
    matched_new = set(pairs.values())

    def attached(citation):
        bucket = by_provision.get(citation, {"values": [], "rules": []})
        return tuple(bucket["values"]), tuple(bucket["rules"])

    for o, n in sorted(pairs.items(), key=lambda item: citation_key(item[1])):
        po, pn = old.provisions[o], new.provisions[n]
        aspects = [a for a in ("heading", "text", "notes", "non_operative") if getattr(po, a) != getattr(pn, a)]
        values, rules = attached(n)
        if o != n:
            values_o, rules_o = attached(o) if o not in new.provisions else ((), ())
            values, rules = values + values_o, rules + rules_o
        if values or rules:
            aspects.append("rules")
        if o == n and not aspects:
            continue
        if o in implied and not aspects:
            continue
        along = tuple(str(moves[c]) for c in sorted(implied, key=citation_key) if c != o and o.contains(c))
        entries.append(_provision_change("renumbered" if o != n else "changed", po, pn, aspects, values, rules,
                                         along, None, old_side, new_side, n))
    for o in sorted(set(old.provisions) - set(pairs), key=citation_key):
        po = old.provisions[o]
        values, rules = attached(o)
        merged = None
        for candidate in (_parent(o), *(c for c in new.provisions if _parent(c) == _parent(o))):
            if candidate in new.provisions and _contained(po.text, new.provisions[candidate].text) >= 0.8:
                merged = str(candidate)
                break
        entries.append(_provision_change("removed", po, None, [], values, rules, (), merged, old_side, new_side, o))
    for n in sorted(set(new.provisions) - matched_new, key=citation_key):
        values, rules = attached(n)
        entries.append(_provision_change("added", None, new.provisions[n], [], values, rules, (), None, old_side, new_side, n))
    entries.sort(key=lambda e: (e.sort_key, e.change))

    rows = _row_changes(old_side, new_side)
    declarations = _declaration_changes(old_side, new_side)
    files = _file_changes(old_side, new_side)
    layout = ()
    if not entries and not declarations and not rows:
        layout = _layout_only(old_side, new_side)
    return Structure(tuple(entries), tuple(declarations), tuple(rows), tuple(files), layout, citation_map)


def _provision_change(change, po, pn, aspects, values, rules, along, merged, old_side: Side, new_side: Side,
                      anchor: Citation) -> ProvisionChange:
    p = pn or po
    return ProvisionChange(
        change=change,
        old_citation=str(po.citation) if po else None,
        new_citation=str(pn.citation) if pn else None,
        level=p.level,
        aspects=tuple(aspects),
        old_heading=po.heading if po else None,
        new_heading=pn.heading if pn else None,
        old_text=po.text if po else None,
        new_text=pn.text if pn else None,
        old_notes=tuple(po.notes) if po else (),
        new_notes=tuple(pn.notes) if pn else (),
        old_non_operative=po.non_operative if po else None,
        new_non_operative=pn.non_operative if pn else None,
        values=tuple(sorted(values, key=lambda v: v.id)),
        rules=tuple(sorted(rules, key=lambda r: r.label)),
        moved_along=along,
        merged_into=merged,
        old_location=old_side.location(po.span) if po else None,
        new_location=new_side.location(pn.span) if pn else None,
        sort_key=citation_key(anchor),
    )


# ---------------------------------------------------------------- declarations


def _declaration_changes(old_side: Side, new_side: Side) -> list[DeclarationChange]:
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


# ---------------------------------------------------------------- reference rows


def _row_identity(row, dated: bool):
    return (row.key, row.dated_from.isoformat() if dated and row.dated_from else None)


def _row_changes(old_side: Side, new_side: Side) -> list[RowChange]:
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


# ---------------------------------------------------------------- other files and layout


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


def _file_changes(old_side: Side, new_side: Side) -> list[FileChange]:
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


def _layout_only(old_side: Side, new_side: Side) -> tuple[str, ...]:
    old_files, new_files = _files(old_side.root), _files(new_side.root)
    return tuple(path for path in sorted(set(old_files) | set(new_files))
                 if path.endswith(RULE_SUFFIX) and not (path in old_files and path in new_files
                                                        and _same_bytes(old_files[path], new_files[path])))


# ---------------------------------------------------------------- statute text edits


def text_edits(old: str | None, new: str | None) -> tuple[str, ...]:
    """Word-level edits written as amendment instructions: strike “90” and insert “60”."""
    a, b = _words(old), _words(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    edits = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        struck, inserted = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if tag == "replace":
            edits.append(f"strike “{struck}” and insert “{inserted}”")
        elif tag == "delete":
            edits.append(f"strike “{struck}”")
        elif tag == "insert":
            before = " ".join(a[max(0, i1 - 3):i1])
            edits.append(f"insert “{inserted}” after “{before}”" if before else f"insert “{inserted}” at the beginning")
    return tuple(edits)
