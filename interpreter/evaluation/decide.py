"""Decide: a loaded rule set and facts -> decisions, each with its trace frame and explanation on demand.

evaluate(loaded, facts) -> EvaluationResult (every decision of every record, traced);
decide(loaded, facts, target) -> one decision, evaluating only what it depends on;
resolve_target(ruleset, facts, "imports[L01].treatment") -> (value, record).
Errors in user input come back as diagnostics inside `UserError`, never as other exceptions.
"""
from __future__ import annotations

import datetime as dt
import re

import attrs

from interpreter.evaluation.evaluate import Evaluator, Outcome
from interpreter.evaluation.explain import Explanation, basis
from interpreter.evaluation.explain import explain as explain_frame
from interpreter.evaluation.explain import facts_used, provisional_of
from interpreter.evaluation.facts import FactBase, bind_facts, load_facts
from interpreter.evaluation.trace import Frame, Tracer, target_name
from interpreter.language import model
from interpreter.language.diagnostics import UserError, did_you_mean, error
from interpreter.language.pipeline import Loaded, ensure_recursion_limit


class TargetError(UserError):
    pass


@attrs.frozen
class DecisionResult:
    target: str
    value: model.Value
    record: object
    outcome: Outcome
    frame: Frame
    as_of: dt.date | None = None  # the date the decision was made as of

    @property
    def citations(self) -> tuple[str, ...]:
        rules = self.outcome.rules or self.outcome.conflict
        return tuple(dict.fromkeys(str(r.citation) for r in rules))

    @property
    def basis(self) -> tuple[str, ...]:
        return basis(self.frame)

    @property
    def facts(self) -> dict:
        return facts_used(self.frame)

    def provisional(self, ruleset: model.RuleSet) -> tuple[str, ...]:
        """Why the provisions that decided this are encoded provisionally (empty if they are not)."""
        citations = [r.citation for r in (self.outcome.rules or ())] or [self.value.citation]
        return tuple(dict.fromkeys(s for c in citations for s in provisional_of(ruleset, c)))


@attrs.frozen
class EvaluationResult:
    loaded: Loaded
    facts: FactBase
    as_of: dt.date | None
    decisions: tuple[DecisionResult, ...]
    evaluator: Evaluator = attrs.field(eq=False, repr=False)
    tracer: Tracer = attrs.field(eq=False, repr=False)

    @property
    def ruleset(self) -> model.RuleSet:
        return self.loaded.ruleset


def require_loaded(loaded: Loaded) -> None:
    if not loaded.ok:
        raise UserError([d for d in loaded.diagnostics if d.is_error] or [error("E000", "the rule set did not load")])


def evaluate(loaded: Loaded, facts_path: str, as_of: dt.date | None = None) -> EvaluationResult:
    """Evaluate every decision on one fact file. `as_of` overrides the file's `as_of`."""
    require_loaded(loaded)
    facts, diagnostics = load_facts(loaded.ruleset, facts_path)
    if diagnostics or facts is None:
        raise UserError(diagnostics)
    return _evaluate(loaded, facts, as_of)


def evaluate_data(loaded: Loaded, data, as_of: dt.date | None = None, label: str = "<data>") -> EvaluationResult:
    """The same, on facts already in memory (a dict as a fact file would hold)."""
    require_loaded(loaded)
    facts, diagnostics = bind_facts(loaded.ruleset, data, label)
    if diagnostics or facts is None:
        raise UserError(diagnostics)
    return _evaluate(loaded, facts, as_of)


def _evaluate(loaded: Loaded, facts: FactBase, as_of) -> EvaluationResult:
    ensure_recursion_limit()
    ruleset = loaded.ruleset
    effective = as_of or facts.as_of
    tracer = Tracer()
    evaluator = Evaluator(ruleset, loaded.tables, facts, effective, tracer)
    decisions = []
    for value in ruleset.decisions():
        records = [None] if value.owner is None else list(facts.records.get(value.owner, ()))
        for record in records:
            outcome = evaluator.outcome(value, record)
            decisions.append(DecisionResult(target_name(value, record), value, record, outcome,
                                            tracer.frame_for(value, record), effective))
    return EvaluationResult(loaded, facts, effective, tuple(decisions), evaluator, tracer)


_TARGET = re.compile(r"^(?:(?P<collection>[A-Za-z_][A-Za-z0-9_]*)\[(?P<key>[^\]]+)\]\.)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)$")


def find_target(result: EvaluationResult, target: str) -> tuple[model.Value, object]:
    """`name`, `collection[KEY].name` or `collection[INDEX].name` -> (value, record)."""
    return resolve_target(result.ruleset, result.facts, target)


def resolve_target(ruleset: model.RuleSet, facts: FactBase, target: str) -> tuple[model.Value, object]:
    match = _TARGET.match(target.strip())
    if not match:
        raise TargetError([error("E500", f"`{target}` is not a target; write `name` or `collection[KEY].name`",
                                 suggestions=("e.g. `imports[L01].treatment` or `countries[AUS].eligible_for_alliance`",))])
    collection, key, name = match.group("collection"), match.group("key"), match.group("name")
    if collection is None:
        value = ruleset.values.get(name)
        if value is None:
            owners = [v for v in ruleset.values.values() if v.name == name and v.owner]
            hint = ()
            if owners:
                entity = ruleset.entities[owners[0].owner]
                hint = (f"`{name}` is decided per {entity.name}: write `{entity.collection}[KEY].{name}`",)
            raise TargetError([error("E501", f"no value named `{name}`",
                                     suggestions=hint or did_you_mean(name, [v.id for v in ruleset.values.values() if not v.owner]))])
        return value, None
    entity = ruleset.entity_by_collection(collection)
    if entity is None:
        raise TargetError([error("E502", f"no collection named `{collection}`",
                                 suggestions=did_you_mean(collection, [e.collection for e in ruleset.entities.values()]))])
    value = ruleset.values.get(f"{entity.name}.{name}")
    if value is None:
        raise TargetError([error("E501", f"{entity.name} has no value named `{name}`",
                                 suggestions=did_you_mean(name, [v.name for v in ruleset.values.values() if v.owner == entity.name]))])
    records = facts.records.get(entity.name, ())
    record = next((r for r in records if r.key == key), None)
    if record is None and key.isdigit() and int(key) < len(records):
        record = records[int(key)]
    if record is None:
        keys = [r.key for r in records if r.key is not None]
        raise TargetError([error("E503", f"no {entity.name} `{key}` in `{collection}`",
                                 suggestions=did_you_mean(key, keys) or (f"keys are {', '.join(keys[:10])}",) if keys else ())])
    return value, record


_PATTERN = re.compile(r"^(?:(?P<collection>[A-Za-z_*][\w*]*)\[(?P<key>[^\]]+)\])?\.?(?P<name>[A-Za-z_*][\w*]*)?$")


def _wild(part: str) -> str:
    return re.escape(part).replace(r"\*", ".*")


def select(result: EvaluationResult, patterns) -> EvaluationResult:
    """The result narrowed to the decisions that match any pattern: `imports[L05]` (a record),
    `treatment` (a decision, every record), `imports[L05].treatment` (one target; a value too);
    `*` stands for any run of characters in a name or key."""
    chosen: dict[str, DecisionResult] = {}
    for pattern in patterns:
        match = _PATTERN.match(pattern.strip())
        if not match or not (match.group("collection") or match.group("name")):
            raise TargetError([error("E504", f"`{pattern}` is not a pattern; write `collection[KEY]`, `name` or "
                                             "`collection[KEY].name` (`*` for any characters)",
                                     suggestions=("e.g. --only 'imports[L05]' or --only treatment",))])
        collection, key, name = match.group("collection"), match.group("key"), match.group("name")
        name_part = _wild(name) if name else r"[^.\[\]]+"
        if collection:
            regex = re.compile(rf"{_wild(collection)}\[{_wild(key)}\]\.{name_part}")
        else:
            regex = re.compile(rf"(?:[^.\[\]]+\[[^\]]+\]\.)?{name_part}")
        found = [d for d in result.decisions if regex.fullmatch(d.target)]
        if not found and name and "*" not in pattern and (collection or name in result.ruleset.values):
            found = [decision_of(result, pattern.strip())]  # a value, not a decision: raises if there is none
        if not found:
            known = sorted({d.target.rpartition(".")[2] for d in result.decisions}
                           | {d.target.rpartition(".")[0] for d in result.decisions if "[" in d.target})
            raise TargetError([error("E504", f"no decision matches `{pattern}`",
                                     suggestions=did_you_mean(pattern.strip(), known))])
        for decision in found:
            chosen.setdefault(decision.target, decision)
    order = {d.target: i for i, d in enumerate(result.decisions)}
    narrowed = sorted(chosen.values(), key=lambda d: order.get(d.target, len(order)))
    return attrs.evolve(result, decisions=tuple(narrowed))


def targets(loaded: Loaded, facts_path: str) -> list[str]:
    """Every target a fact file gives the rule set, values included, in rule-set then fact-file order."""
    require_loaded(loaded)
    facts, diagnostics = load_facts(loaded.ruleset, facts_path)
    if diagnostics or facts is None:
        raise UserError(diagnostics)
    names = []
    for value in loaded.ruleset.values.values():
        records = [None] if value.owner is None else facts.records.get(value.owner, ())
        names.extend(target_name(value, record) for record in records)
    return names


def decide(loaded: Loaded, facts, target: str, as_of: dt.date | None = None,
           with_explanation: bool = True) -> tuple[DecisionResult, Explanation | None]:
    """One decision (or value) and, if asked, its explanation, evaluating only what it depends on.

    `facts` is a fact-file path or the data a fact file would hold."""
    require_loaded(loaded)
    if isinstance(facts, str):
        bound, diagnostics = load_facts(loaded.ruleset, facts)
    else:
        bound, diagnostics = bind_facts(loaded.ruleset, facts, "<data>")
    if diagnostics or bound is None:
        raise UserError(diagnostics)
    ensure_recursion_limit()
    value, record = resolve_target(loaded.ruleset, bound, target)
    tracer = Tracer()
    evaluator = Evaluator(loaded.ruleset, loaded.tables, bound, as_of or bound.as_of, tracer)
    outcome = evaluator.outcome(value, record)
    frame = tracer.frame_for(value, record)
    decision = DecisionResult(target_name(value, record), value, record, outcome, frame, as_of or bound.as_of)
    return decision, explain_frame(loaded.ruleset, frame) if with_explanation else None


def decision_of(result: EvaluationResult, target: str) -> DecisionResult:
    """Any value of an evaluated fact set (decision or not), by target, without explaining it."""
    value, record = find_target(result, target)
    outcome = result.evaluator.outcome(value, record)
    frame = result.tracer.frame_for(value, record)
    return DecisionResult(target_name(value, record), value, record, outcome, frame, result.as_of)


def explain(result: EvaluationResult, target: str) -> tuple[DecisionResult, Explanation]:
    decision = decision_of(result, target)
    return decision, explain_frame(result.ruleset, decision.frame)


def explain_all(result: EvaluationResult) -> dict[str, Explanation]:
    """The explanation of every decision in a result, by target."""
    return {d.target: explain_frame(result.ruleset, d.frame) for d in result.decisions}
