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

from interpreter.amendments.changes import ProvisionChange, RuleChange, Side, Structure, ValueChange, moved_citation
from interpreter.amendments.declarations import declaration_changes, file_changes, layout_only, row_changes, words
from interpreter.language import model
from interpreter.language.citation import Citation, citation_key


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



def _similarity(a: str | None, b: str | None) -> float:
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, words(a), words(b), autojunk=False).ratio()


def _contained(part: str | None, whole: str | None) -> float:
    """How much of `part`'s words appear, in order, in `whole` (0..1)."""
    part_words = words(part)
    if not part_words or not whole:
        return 0.0
    matcher = difflib.SequenceMatcher(None, part_words, words(whole), autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(part_words)


def _parent(citation: Citation) -> Citation | None:
    if not citation.path:
        return None
    return Citation(citation.act, citation.section, citation.path[:-1])


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
        moved = moved_citation(o.citation, citation_map) != n.citation
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
            aspects = ["label"] + (["citation"] if moved_citation(o.citation, citation_map) != twin.citation else [])
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
        if moved_citation(o.citation, citation_map) != n.citation:
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

    rows = row_changes(old_side, new_side)
    declarations = declaration_changes(old_side, new_side)
    files = file_changes(old_side, new_side)
    layout = ()
    if not entries and not declarations and not rows:
        layout = layout_only(old_side, new_side)
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
