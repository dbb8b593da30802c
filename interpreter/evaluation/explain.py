"""Explain: trace frames -> explanation trees (why, and why not).

input <- a `trace.Frame` recorded while a value was evaluated; output -> an
`Explanation` tree that `report` renders as text or JSON. Nothing is re-evaluated:
every line here is read off the trace. Guarantees: each node names its value, the
citation and rule that gave it, the statute text and interpretation notes of that
provision, the facts and reference rows it read (with their sources), which
conditions held, and for each rule that did not apply, the conditions that failed.
"""
from __future__ import annotations

import attrs

from interpreter.evaluation.trace import Frame, Reference, frames_below
from interpreter.language import model
from interpreter.language.derived import memo
from interpreter.language.values import DATE_CONVENTION, Unknown, format_value


@attrs.frozen
class Condition:
    text: str  # the condition as written, or the description of the value it reads
    citation: str | None
    holds: object  # True, False, "unknown" or "not evaluated"


@attrs.frozen
class RuleNotApplied:
    label: str
    citation: str
    status: str  # not_applied | unknown | pending | overridden
    failed: tuple[Condition, ...]


@attrs.frozen
class Explanation:
    target: str
    description: str | None
    status: str
    value: str
    citation: str
    rule: str | None
    rule_citations: tuple[str, ...]
    statute_text: str | None
    notes: tuple[str, ...]
    conditions: tuple[Condition, ...]
    not_applied: tuple[RuleNotApplied, ...]
    facts: tuple[tuple[str, str], ...]
    rows: tuple[tuple[str, str, str | None], ...]
    missing: tuple[str, ...]
    message: str | None
    children: tuple  # Explanation | str (a reference to a target explained elsewhere)
    date_convention: str | None = None
    provisional: tuple[str, ...] = ()  # why the provisions relied on are encoded provisionally


def _parts(expr) -> list:
    """The conjuncts/disjuncts a lawyer would read as separate conditions."""
    if isinstance(expr, model.AllAnyOf):
        return [p for item in expr.items for p in ([item] if not _same_kind(item, expr.kind) else _parts(item))]
    if isinstance(expr, model.Binary) and expr.op in ("and", "or"):
        kind = "all" if expr.op == "and" else "any"
        out = []
        for side in (expr.left, expr.right):
            out.extend(_parts(side) if _same_kind(side, kind) else [side])
        return out
    return [expr]


def _same_kind(expr, kind: str) -> bool:
    if isinstance(expr, model.AllAnyOf):
        return expr.kind == kind
    return isinstance(expr, model.Binary) and expr.op == ("and" if kind == "all" else "or")


class _Head:
    """What one node shows that depends only on its value and the rules that gave it."""

    __slots__ = ("value", "applied", "citation", "rule", "rule_citations", "statute_text", "notes", "provisional",
                 "parts", "boolean", "dated", "distinct")

    def __init__(self, static: "_Static", value: model.Value, applied: tuple):
        self.value, self.applied = value, applied
        main_rule = applied[0] if applied else None
        citation = main_rule.citation if main_rule else value.citation
        provision = static.provisions.get(citation)
        notes = list(provision.notes if provision else ())
        for rule in applied:
            notes.extend(rule.notes)
        self.citation = static.text(citation)
        self.rule = main_rule.label if main_rule else None
        self.rule_citations = tuple(dict.fromkeys(static.text(r.citation) for r in applied))
        self.statute_text = provision.text if provision else None
        self.notes = tuple(dict.fromkeys(notes))
        self.provisional = static.provisional(citation)
        self.boolean = value.type.kind == "boolean"
        self.dated = value.type.kind == "date"
        # (parts of a condition, whether they are a boolean consequence shown only when evaluated)
        self.parts = tuple((static.parts(expr), is_consequence) for rule in applied
                           for expr, is_consequence in ((rule.condition, False), (rule.consequence, True))
                           if expr is not None and (not is_consequence or self.boolean))
        # Conditions are equal only if their texts and citations are: when no two parts share both,
        # the conditions of a node need no de-duplication.
        described = [(part[1], part[2]) for parts, _ in self.parts for part in parts]
        self.distinct = len(set(described)) == len(described)


class _Static:
    """What explaining needs that depends only on the rule set, computed once per rule set."""

    def __init__(self, ruleset: model.RuleSet):
        self.ruleset = ruleset
        self.provisions = {p.citation: p for p in ruleset.provisions}
        self._parts: dict[int, tuple] = {}  # id(expr) -> ((id(part), text, citation, part), ...)
        self._provisional: dict = {}  # citation -> provisional statements
        self._text: dict[int, tuple] = {}  # id(citation) -> (citation, str(citation))
        self._heads: dict[tuple, _Head] = {}  # (id(value), id(rule), ...) -> _Head
        # (id(part), holds) -> the Condition: frozen, so one object serves every explanation (only for
        # the four `_SHARED_HOLDS`, so that what is kept is bounded by the rule set, not by the facts seen)
        self._conditions: dict[tuple, Condition] = {}

    def head(self, value: model.Value, applied: tuple) -> _Head:
        key = (id(value), id(applied[0])) if len(applied) == 1 else (id(value), *map(id, applied))
        known = self._heads.get(key)
        if known is None or known.value is not value or known.applied != applied:  # kept with what it was made of
            known = self._heads[key] = _Head(self, value, applied)
        return known

    def parts(self, expr) -> tuple:
        known = self._parts.get(id(expr))
        if known is None:
            known = self._parts[id(expr)] = tuple((id(part), *self.describe(part), part) for part in _parts(expr))
        return known

    def condition(self, part: tuple, holds) -> Condition:
        if holds.__class__ is str and holds not in _SHARED_HOLDS:
            return Condition(part[1], part[2], holds)  # a value read from the facts: not kept past this call
        key = (part[0], holds)  # True, False, "unknown" or "not evaluated"
        known = self._conditions.get(key)
        if known is None:
            known = self._conditions[key] = Condition(part[1], part[2], holds)
        return known

    def describe(self, expr) -> tuple[str, str | None]:
        if isinstance(expr, model.ValueRef):
            value = self.ruleset.values[expr.value_id]
            return (value.description or value.name), str(value.citation)
        if isinstance(expr, model.Not) and isinstance(expr.operand, model.ValueRef):
            value = self.ruleset.values[expr.operand.value_id]
            return f"not: {value.description or value.name}", str(value.citation)
        text = self.ruleset.sources.excerpt(expr.span) if expr.span else ""
        return f"`{text}`", None

    def provisional(self, citation) -> tuple[str, ...]:
        known = self._provisional.get(citation)
        if known is None:
            known = self._provisional[citation] = provisional_statements(self.ruleset, citation, self.provisions)
        return known

    def text(self, citation) -> str:
        known = self._text.get(id(citation))
        if known is None or known[0] is not citation:  # kept with its citation: an id is never reused here
            known = self._text[id(citation)] = (citation, str(citation))
        return known[1]


def static_of(ruleset: model.RuleSet) -> _Static:
    return memo(ruleset, "explain", _Static)


_NOT_EVALUATED = "not evaluated"
_SHARED_HOLDS = frozenset({"unknown", _NOT_EVALUATED})


def _holds(raw):
    if raw is True or raw is False or raw.__class__ is str:
        return raw
    if isinstance(raw, Unknown):
        return "unknown"
    return format_value(raw)


class _Explainer:
    def __init__(self, ruleset: model.RuleSet):
        self.ruleset = ruleset
        self.static = static_of(ruleset)
        self.shown: set[int] = set()
        self.dated = False  # any value or fact read in the tree is a date

    def conditions(self, frame: Frame, parts: tuple) -> list[Condition]:
        operands = frame.operands
        condition = self.static.condition
        return [condition(part, _holds(operands.get(part[0], _NOT_EVALUATED))) for part in parts]

    def explain(self, frame: Frame, top: bool = True) -> Explanation:
        self.shown.add(id(frame))
        static = self.static
        outcome = frame.outcome
        value = frame.value
        applied = outcome.rules if outcome is not None else ()
        head = static.head(value, applied)
        conditions: list[Condition] = []
        for parts, is_consequence in head.parts:
            found = self.conditions(frame, parts)
            if not is_consequence or len(found) > 1 or found[0].holds != _NOT_EVALUATED:
                conditions.extend(found)
        not_applied = []
        for event in frame.rules:
            rule = event.rule
            if event.status == "applied" or any(rule is r for r in applied):
                continue
            failed = ()
            status = event.status
            if rule.condition is not None and (status == "not_applied" or status == "unknown"):
                parts = static.parts(rule.condition)
                if status == "not_applied":
                    failed = tuple(_with_operands(c, part[3], frame)
                                   for part, c in zip(parts, self.conditions(frame, parts)) if c.holds is False)
                else:
                    failed = tuple(c for c in self.conditions(frame, parts) if c.holds == "unknown")
            not_applied.append(RuleNotApplied(rule.label, static.text(rule.citation), status, failed))
        if head.dated:
            self.dated = True
        facts = frame.facts
        if facts:
            shown_facts = []
            for path, fact, kind in facts:
                if kind == "date":
                    self.dated = True
                shown_facts.append((path, "missing" if fact is None else fact if fact.__class__ is str
                                    else format_value(fact, kind)))
            shown_facts = tuple(dict.fromkeys(shown_facts))
        else:
            shown_facts = ()
        children = []
        for child in frame.children:
            target = child.frame if child.__class__ is Reference else child
            if id(target) in self.shown:  # explained earlier in this same tree: named (`trace.target_name`)
                children.append(target.value.name if target.record is None else
                                f"{target.record.label}.{target.value.name}")
            else:
                children.append(self.explain(target, top=False))
        status = outcome.status if outcome else "undetermined"
        shown_value = format_value(outcome.value, value.type.kind) if status == "decided" else status
        # Positional, in the order of Explanation's fields (a call by keyword costs half as much again)
        record = frame.record
        return Explanation(
            value.name if record is None else f"{record.label}.{value.name}",  # target (`trace.target_name`)
            value.description,  # description
            status,
            shown_value,  # value
            head.citation,
            head.rule,
            head.rule_citations,
            head.statute_text,
            head.notes,
            tuple(conditions) if head.distinct else tuple(dict.fromkeys(conditions)),  # conditions
            tuple(not_applied),
            shown_facts,  # facts
            tuple(dict.fromkeys((row.table, row.key, row.source) for row in frame.rows)) if frame.rows else (),  # rows
            tuple(sorted(outcome.missing)) if outcome else (),  # missing
            outcome.message if outcome else None,  # message
            tuple(children),
            DATE_CONVENTION if top and self.dated else None,  # date_convention
            head.provisional,
        )


_FAILED = {"<=": ">", "<": ">=", ">": "<=", ">=": "<", "=": "≠", "!=": "="}


def _with_operands(condition: Condition, part, frame: Frame) -> Condition:
    """A failed comparison shows the values it compared: `phase_in_period <= 5 years` (6 years > 5 years)."""
    if not (isinstance(part, model.Binary) and part.op in _FAILED):
        return condition
    left, right = _operand(part.left, frame), _operand(part.right, frame)
    if left is None or right is None:
        return condition
    return attrs.evolve(condition, text=f"{condition.text} ({left} {_FAILED[part.op]} {right})")


def _operand(node, frame: Frame) -> str | None:
    """The value an operand had, as far as the frame recorded it (a constant, a fact, a decided value)."""
    if isinstance(node, model.Const):
        return format_value(node.value, node.type.kind)
    if isinstance(node, model.FieldRef):
        found = [(v, kind) for path, v, kind in frame.facts if path.endswith("." + node.field) and v is not None]
        return format_value(*found[-1]) if found else None
    if isinstance(node, model.FactRef):
        found = [(v, kind) for path, v, kind in frame.facts if path == node.name and v is not None]
        return format_value(*found[-1]) if found else None
    if isinstance(node, model.ValueRef):
        for child in frame.children:
            target = getattr(child, "frame", child)
            outcome = getattr(target, "outcome", None)
            if getattr(target, "value", None) is not None and target.value.id == node.value_id \
                    and outcome is not None and outcome.status == "decided":
                return format_value(outcome.value, target.value.type.kind)
    return None


def provisional_statements(ruleset: model.RuleSet, citation, provisions: dict | None = None) -> tuple[str, ...]:
    """Provisional statements on the provision at `citation` or any provision it stands in."""
    if provisions is None:  # built once per rule set: `rules eval` asks once per decision
        provisions = memo(ruleset, "provisions_by_citation", lambda r: {p.citation: p for p in r.provisions})
    found = []
    for enclosing in citation.ancestors():
        provision = provisions.get(enclosing)
        if provision is not None and provision.provisional:
            found.append(f"{provision.citation}: {provision.provisional}")
    return tuple(found)


def explain(ruleset: model.RuleSet, frame: Frame) -> Explanation:
    """The explanation tree of one evaluated value."""
    return _Explainer(ruleset).explain(frame)


def provisional_of(ruleset: model.RuleSet, citation) -> tuple[str, ...]:
    """`provisional_statements`, looked up in the rule set's cache."""
    return static_of(ruleset).provisional(citation)


def basis(frame: Frame, frames: list[Frame] | None = None, ruleset: model.RuleSet | None = None) -> tuple[str, ...]:
    """Every citation whose rule contributed to this value, transitively, sorted.
    `frames`: `frames_below(frame)`, if the caller has it already; `ruleset`: the rule set of the
    frames, whose citation texts are then looked up, not made again."""
    rules = {id(rule): rule for current in (frames or frames_below(frame)) if current.outcome is not None
             for rule in current.outcome.rules}
    text = static_of(ruleset).text if ruleset is not None else str
    return tuple(sorted({text(rule.citation) for rule in rules.values()}))


def facts_used(frame: Frame, frames: list[Frame] | None = None) -> dict[str, object]:
    """Every fact read while computing this value, transitively."""
    used: dict[str, object] = {}
    for current in frames or frames_below(frame):
        for path, value, _ in current.facts:
            used.setdefault(path, value)
    return dict(sorted(used.items()))
