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

from interpreter.evaluation.trace import Frame, Reference, walk_frames
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


class _Static:
    """What explaining needs that depends only on the rule set, computed once per rule set."""

    def __init__(self, ruleset: model.RuleSet):
        self.ruleset = ruleset
        self.provisions = {p.citation: p for p in ruleset.provisions}
        self._parts: dict[int, tuple] = {}  # id(expr) -> ((id(part), text, citation), ...)
        self._provisional: dict = {}  # citation -> provisional statements
        self._text: dict[int, str] = {}  # id(citation) -> str(citation)

    def parts(self, expr) -> tuple:
        known = self._parts.get(id(expr))
        if known is None:
            known = self._parts[id(expr)] = tuple((id(part), *self.describe(part)) for part in _parts(expr))
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
        if known is None:
            known = self._text[id(citation)] = str(citation)
        return known


class _Explainer:
    def __init__(self, ruleset: model.RuleSet):
        self.ruleset = ruleset
        self.static = memo(ruleset, "explain", _Static)
        self.provisions = self.static.provisions
        self.shown: set[int] = set()

    def conditions(self, frame: Frame, expr) -> list[Condition]:
        result = []
        operands = frame.operands
        for part_id, text, citation in self.static.parts(expr):
            raw = operands.get(part_id, "not evaluated")
            holds = "unknown" if isinstance(raw, Unknown) else raw
            if not isinstance(holds, (bool, str)):
                holds = format_value(holds)
            result.append(Condition(text, citation, holds))
        return result

    def explain(self, frame: Frame, top: bool = True) -> Explanation:
        self.shown.add(id(frame))
        static = self.static
        outcome = frame.outcome
        value = frame.value
        applied = outcome.rules if outcome is not None else ()
        main_rule = applied[0] if applied else None
        citation = main_rule.citation if main_rule else value.citation
        provision = self.provisions.get(citation)
        notes = list(provision.notes if provision else ())
        for rule in applied:
            notes.extend(rule.notes)
        conditions: list[Condition] = []
        for rule in applied:
            if rule.condition is not None:
                conditions.extend(self.conditions(frame, rule.condition))
            if value.type.kind == "boolean":
                parts = self.conditions(frame, rule.consequence)
                if len(parts) > 1 or parts[0].holds != "not evaluated":
                    conditions.extend(parts)
        not_applied = []
        for event in frame.rules:
            if event.status == "applied" or event.rule in applied:
                continue
            failed = ()
            if event.rule.condition is not None and event.status in ("not_applied", "unknown"):
                wanted = False if event.status == "not_applied" else "unknown"
                parts = _parts(event.rule.condition)
                failed = tuple(_with_operands(c, part, frame) if wanted is False else c
                               for part, c in zip(parts, self.conditions(frame, event.rule.condition))
                               if c.holds == wanted)
            not_applied.append(RuleNotApplied(event.rule.label, static.text(event.rule.citation), event.status, failed))
        children = []
        for child in frame.children:
            target = child.frame if isinstance(child, Reference) else child
            if id(target) in self.shown:
                children.append(target.target)  # explained earlier in this same tree
            else:
                children.append(self.explain(target, top=False))
        kind = value.type.kind
        status = outcome.status if outcome else "undetermined"
        shown_value = format_value(outcome.value, kind) if status == "decided" else status
        return Explanation(
            target=frame.target,
            description=value.description,
            status=status,
            value=shown_value,
            citation=static.text(citation),
            rule=main_rule.label if main_rule else None,
            rule_citations=tuple(dict.fromkeys(static.text(r.citation) for r in applied)),
            statute_text=provision.text if provision else None,
            notes=tuple(dict.fromkeys(notes)),
            conditions=tuple(dict.fromkeys(conditions)),
            not_applied=tuple(not_applied),
            facts=tuple(dict.fromkeys((path, "missing" if v is None else format_value(v, kind))
                                      for path, v, kind in frame.facts)),
            rows=tuple(dict.fromkeys((row.table, row.key, row.source) for row in frame.rows)),
            missing=tuple(sorted(outcome.missing)) if outcome else (),
            message=outcome.message if outcome else None,
            children=tuple(children),
            date_convention=DATE_CONVENTION if top and _uses_dates(frame) else None,
            provisional=static.provisional(citation),
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


def _uses_dates(frame: Frame) -> bool:
    return any(current.value.type.kind == "date" or any(kind == "date" for _, _, kind in current.facts)
               for current in walk_frames(frame))


def explain(ruleset: model.RuleSet, frame: Frame) -> Explanation:
    """The explanation tree of one evaluated value."""
    return _Explainer(ruleset).explain(frame)


def basis(frame: Frame) -> tuple[str, ...]:
    """Every citation whose rule contributed to this value, transitively, sorted."""
    return tuple(sorted({str(rule.citation) for current in walk_frames(frame) if current.outcome is not None
                         for rule in current.outcome.rules}))


def facts_used(frame: Frame) -> dict[str, object]:
    """Every fact read while computing this value, transitively."""
    used: dict[str, object] = {}
    for current in walk_frames(frame):
        for path, value, _ in current.facts:
            used.setdefault(path, value)
    return dict(sorted(used.items()))
