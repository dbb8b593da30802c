"""Evaluate: RuleSet + tables + FactBase (+ as-of date) -> an Outcome per value.

Guarantees:
- three-valued: a missing fact makes what depends on it `undetermined` and the
  outcome lists the facts that would settle it; `and`, `or`, `all of`, `any of` and
  the quantifiers decide whenever the known operands suffice (false and unknown is
  false);
- defaults and exceptions: an exception that applies replaces the rule it is an
  exception to; two applicable rules not ordered by an exception that give
  different values are a `conflict` naming both, never a silent choice;
- deterministic and terminating: values are memoised per (value, entity) and the
  checker has rejected dependency cycles; recursion depth is bounded by the rule set;
- an optional tracer receives every step; without one, nothing is recorded.
"""
from __future__ import annotations

import datetime as dt

import attrs

from interpreter.evaluation.facts import FactBase, Record
from interpreter.evaluation.supplied import with_supplied_rows
from interpreter.evaluation.trace import RuleEvent, Tracer
from interpreter.language import model
from interpreter.language.derived import derived
# The operations are re-exported: the engines import them from here, with the evaluator's own helpers.
from interpreter.evaluation.operations import (  # noqa: F401
    _arithmetic, _compare, _kleene, _ordered, call_builtin, fold_aggregate,
)
from interpreter.language.values import EvaluationError, Unknown, unknown_of


@attrs.frozen
class Outcome:
    status: str  # decided | undetermined | conflict | not_applicable | error
    value: object = None
    rules: tuple = ()  # the rules whose value was taken
    missing: frozenset = frozenset()
    conflict: tuple = ()  # rules in conflict
    message: str | None = None

    @property
    def decided(self) -> bool:
        return self.status == "decided"


class _DependencyFailed(Exception):
    def __init__(self, target: str, outcome: Outcome):
        super().__init__(target)
        self.target = target
        self.outcome = outcome


# Results of evaluating one rule together with the exceptions below it.
@attrs.frozen
class _Applies:
    value: object
    rules: tuple


@attrs.frozen
class _NotApplies:
    pass


@attrs.frozen
class _Undecided:
    missing: frozenset
    possible: tuple  # values it might take; None inside means "anything"


@attrs.frozen
class _Conflict:
    rules: tuple
    values: tuple


class Evaluator:
    def __init__(self, ruleset: model.RuleSet, tables: dict, facts: FactBase, as_of: dt.date | None,
                 tracer: Tracer | None = None):
        self.ruleset = ruleset
        self.tables = with_supplied_rows(tables, facts)
        self.facts = facts
        self.as_of = as_of
        self.tracer = tracer
        self._memo: dict[tuple[str, str | None], Outcome] = {}
        indexes = derived(ruleset)
        self._exceptions: dict[str, list[model.Rule]] = indexes.exceptions
        self._roots: dict[str, tuple[model.Rule, ...]] = indexes.roots
        self._variables: dict[str, str] = indexes.variables
        self._constant_sets: dict[int, tuple] = indexes.constant_sets

    # ------------------------------------------------------------ values

    def outcome(self, value: model.Value, record: Record | None) -> Outcome:
        key = (value.id, None if record is None else record.path)
        known = self._memo.get(key)
        tracer = self.tracer
        if known is not None:
            if tracer is not None:
                tracer.reuse(value, record, key)
            return known
        if tracer is not None:
            tracer.enter(value, record, key)
        try:
            outcome = self._compute(value, record)
        except (_DependencyFailed, EvaluationError) as failure:
            outcome = failure_outcome(failure)
        except RecursionError:
            outcome = Outcome("error", message="evaluation nested too deeply for this machine")
        self._memo[key] = outcome
        if tracer is not None:
            tracer.exit(outcome)
        return outcome

    def _compute(self, value: model.Value, record: Record | None) -> Outcome:
        env = {} if record is None else {self._variables[value.owner]: record}
        roots = self._roots[value.id]
        if len(roots) == 1:  # what `_siblings` gives for one result
            return outcome_of(self._rule_tree(roots[0], env))
        return outcome_of(self._siblings([self._rule_tree(rule, env) for rule in roots]))

    def _rule_tree(self, rule: model.Rule, env: dict):
        exceptions = self._exceptions.get(rule.label)
        below = self._siblings([self._rule_tree(r, env) for r in exceptions]) if exceptions else _NOT_APPLIES
        tracer = self.tracer
        if below.__class__ is _Applies or below.__class__ is _Conflict:
            if tracer is not None:
                tracer.rule(RuleEvent(rule, "overridden"))
            return below
        if rule.condition is None:
            condition = True
        else:
            condition = self.eval(rule.condition, env)
            if tracer is not None and tracer.top is not None:
                tracer.top.operands[id(rule.condition)] = condition
        if condition is False:
            if tracer is not None:
                tracer.rule(RuleEvent(rule, "not_applied", condition))
            return below
        if condition is True:
            consequence = self.eval(rule.consequence, env)
        else:
            try:
                consequence = self.eval(rule.consequence, env)
            except EvaluationError:
                # The rule may not apply at all, so its value cannot fail the decision.
                consequence = Unknown(frozenset())
        if condition is True and below.__class__ is _NotApplies and consequence.__class__ is not Unknown:
            result, status = _Applies(consequence, (rule,)), "applied"  # what `combine_rule` gives here
        else:
            result, status = combine_rule(rule, below, condition, consequence)
        if tracer is not None:
            tracer.rule(RuleEvent(rule, status, condition, consequence))
        return result

    @staticmethod
    def _siblings(results):
        if len(results) <= 1:  # what the combination below gives for one result or none
            return results[0] if results else _NOT_APPLIES
        applies = [r for r in results if isinstance(r, _Applies)]
        conflicts = [r for r in results if isinstance(r, _Conflict)]
        undecided = [r for r in results if isinstance(r, _Undecided)]
        if conflicts:
            return conflicts[0]
        distinct = []
        for result in applies:
            if all(result.value != other.value for other in distinct):
                distinct.append(result)
        if len(distinct) > 1:
            return _Conflict(tuple(r.rules[0] for r in distinct), tuple(r.value for r in distinct))
        if undecided:
            possible = tuple(p for u in undecided for p in u.possible)
            missing = frozenset().union(*(u.missing for u in undecided))
            if applies and all(p is not None and p == applies[0].value for p in possible):
                return _Applies(applies[0].value, tuple(rule for a in applies for rule in a.rules))
            return _Undecided(missing, possible + tuple(a.value for a in applies))
        if applies:
            return _Applies(applies[0].value, tuple(rule for a in applies for rule in a.rules))
        return _NotApplies()

    def value_of(self, value_id: str, record: Record | None):
        value = self.ruleset.values[value_id]
        outcome = self.outcome(value, record)
        if outcome.status == "decided":
            return outcome.value
        if outcome.status == "undetermined":
            return Unknown(outcome.missing)
        target = f"{record.label}.{value.name}" if record else value.name
        raise _DependencyFailed(target, outcome)

    # ------------------------------------------------------------ expressions

    def eval(self, node, env: dict):
        try:
            method = _METHODS[node.__class__]
        except KeyError:
            method = _METHODS[node.__class__] = getattr(Evaluator, "_" + node.__class__.__name__)
        return method(self, node, env)

    def _evaluated(self, node, env: dict):
        """`eval` and `_traced` in one step (the hot path of conditions)."""
        try:
            method = _METHODS[node.__class__]
        except KeyError:
            method = _METHODS[node.__class__] = getattr(Evaluator, "_" + node.__class__.__name__)
        value = method(self, node, env)
        tracer = self.tracer
        if tracer is not None and tracer.top is not None:
            tracer.top.operands[id(node)] = value
        return value

    def _traced(self, node, value):
        tracer = self.tracer
        if tracer is not None and tracer.top is not None:
            tracer.top.operands[id(node)] = value
        return value

    def _Const(self, node, env):
        return node.value

    def _AsOf(self, node, env):
        if self.as_of is None:
            return Unknown(frozenset({"as_of"}))
        return self.as_of

    def _FactRef(self, node, env):
        value = self.facts.globals.get(node.name)
        if self.tracer:
            self.tracer.fact(node.name, value, node.type.kind)
        if value is None:
            return Unknown(frozenset({node.name}))
        return value

    def _Var(self, node, env):
        return env[node.name]

    def _FieldRef(self, node, env):
        subject = node.subject
        subject = env[subject.name] if subject.__class__ is model.Var else self.eval(subject, env)
        if subject.__class__ is Unknown:
            return subject
        value = subject.fields.get(node.field)
        path = f"{subject.path}.{node.field}"
        tracer = self.tracer
        if tracer is not None and tracer.top is not None:
            tracer.top.facts.append((path, value, node.type.kind))
        if value is None:
            return Unknown(frozenset({path}))
        if node.type.kind == "entity":
            return self.facts.record_by_key(node.type.name, value)
        return value

    def _ValueRef(self, node, env):
        record = subject = node.subject
        if subject is not None:
            record = env[subject.name] if subject.__class__ is model.Var else self.eval(subject, env)
            if record.__class__ is Unknown:
                return record
        return self.value_of(node.value_id, record)

    def _CollectionRef(self, node, env):
        records = self.facts.records.get(node.entity)
        if records is None:  # the fact file does not give the collection: unknown, not empty
            return Unknown(frozenset({self.ruleset.entities[node.entity].collection}))
        return records

    def _TableRows(self, node, env):
        return tuple(self.tables[node.table].rows)

    def _table_row(self, table_name, key_node, as_of_node, env):
        table = self.tables[table_name]
        key = self.eval(key_node, env)
        when = None
        if table.table.needs_date:  # a table with neither dated rows nor a validity period needs no date
            when = self.eval(as_of_node, env) if as_of_node is not None else self._AsOf(None, env)
        if key.__class__ is Unknown or when.__class__ is Unknown:
            return unknown_of(key, when)
        row = table.lookup(str(key), when)
        if row is not None and not isinstance(row, Unknown) and self.tracer:
            self.tracer.row(row)
        return row

    def _TableLookup(self, node, env):
        row = self._table_row(node.table, node.key, node.as_of, env)
        if row is None:  # a complete table that does not list the key
            key = self.eval(node.key, env)
            raise EvaluationError(f"table `{node.table}` has no row for {key!r}"
                                  + (" in force on that date" if self.tables[node.table].table.dated_from else ""))
        return row

    def _TableMembership(self, node, env):
        row = self._table_row(node.table, node.key, node.as_of, env)
        if isinstance(row, Unknown):
            return self._traced(node, row)
        return self._traced(node, (row is None) if node.negated else (row is not None))

    def _RowField(self, node, env):
        row = self.eval(node.row, env)
        if isinstance(row, Unknown):
            return row
        value = row.data.get(node.column)
        if value is None:
            raise EvaluationError(f"table `{node.table}` row {row.key!r} has no {node.column}")
        return value

    def _Not(self, node, env):
        operand = self.eval(node.operand, env)
        return self._traced(node, operand if isinstance(operand, Unknown) else not operand)

    def _Negate(self, node, env):
        operand = self.eval(node.operand, env)
        return operand if isinstance(operand, Unknown) else -operand

    def _Binary(self, node, env):
        op = node.op
        if op in ("and", "or"):
            decisive = op == "or"
            left = self._evaluated(node.left, env)
            if left is decisive:
                return self._traced(node, decisive)
            right = self._evaluated(node.right, env)
            if right is decisive:
                return self._traced(node, decisive)
            if left.__class__ is Unknown or right.__class__ is Unknown:
                return self._traced(node, unknown_of(left, right))
            return self._traced(node, not decisive)
        left, right = self.eval(node.left, env), self.eval(node.right, env)
        if left.__class__ is Unknown or right.__class__ is Unknown:
            missing = unknown_of(left, right)
            return self._traced(node, missing) if op in ("=", "!=", "<", "<=", ">", ">=") else missing
        if op in ("=", "!=", "<", "<=", ">", ">="):
            return self._traced(node, _compare(op, left, right))
        return _arithmetic(op, left, right)

    def _SetMembership(self, node, env):
        element, collection = self.eval(node.element, env), self.eval(node.collection, env)
        if element.__class__ is Unknown or collection.__class__ is Unknown:
            return self._traced(node, unknown_of(element, collection))
        found = element in collection
        return self._traced(node, not found if node.negated else found)

    def _If(self, node, env):
        condition = self._evaluated(node.condition, env)
        if condition is True:
            return self.eval(node.then, env)
        if condition is False:
            return self.eval(node.otherwise, env)
        then, otherwise = self.eval(node.then, env), self.eval(node.otherwise, env)
        if not isinstance(then, Unknown) and then == otherwise:
            return then
        return condition | (unknown_of(then, otherwise) or Unknown(frozenset()))

    def _AllAnyOf(self, node, env):
        items = [self._evaluated(item, env) for item in node.items]
        return self._traced(node, _kleene(node.kind, items))

    def _Quantifier(self, node, env):
        collection = self.eval(node.collection, env)
        if isinstance(collection, Unknown):
            return collection
        results = []
        inner, variable = dict(env), node.variable.name  # one scope, rebound per element: nothing keeps it
        for element in _ordered(collection):
            inner[variable] = element
            results.append(self.eval(node.condition, inner))
        return self._traced(node, _kleene(node.kind, results))

    def _Aggregate(self, node, env):
        collection = self.eval(node.collection, env)
        if isinstance(collection, Unknown):
            return collection
        selected, missing = [], frozenset()
        inner, variable = dict(env), node.variable.name  # one scope, rebound per element: nothing keeps it
        for element in _ordered(collection):
            inner[variable] = element
            if node.where is not None:
                keep = self.eval(node.where, inner)
                if isinstance(keep, Unknown):
                    missing |= keep.missing
                    continue
                if not keep:
                    continue
            selected.append(self.eval(node.value, inner) if node.value is not None else element)
        return fold_aggregate(node, selected, missing)

    def _SetLiteral(self, node, env):
        known = self._constant_sets.get(id(node))  # (node, its value) for a literal of constants only
        if known is not None and known[0] is node:
            return known[1]
        if all(item.__class__ is model.Const for item in node.items):
            self._constant_sets[id(node)] = (node, frozenset(item.value for item in node.items))
        items = [self.eval(i, env) for i in node.items]
        missing = unknown_of(*items)
        return missing if missing is not None else frozenset(items)

    def _Call(self, node, env):
        args = [self.eval(a, env) for a in node.args]
        missing = unknown_of(*args)
        if missing is not None:
            return missing
        return call_builtin(node.function, args)

    def _Invalid(self, node, env):
        raise EvaluationError("this rule set has errors; run `rules check`")


_METHODS: dict[type, object] = {}  # expression class -> its Evaluator method, found once
_NOT_APPLIES = _NotApplies()


# ---------------------------------------------------------------- helpers shared with the engines

def combine_rule(rule: model.Rule, below, condition, consequence):
    """One rule's result from the result of its exceptions (`below`: neither applying nor
    in conflict), its condition (true or unknown) and its consequence -> (result, trace status)."""
    if condition is True and not isinstance(consequence, Unknown):
        if isinstance(below, _Undecided) and all(p is not None and p == consequence for p in below.possible):
            below = _NotApplies()
        if isinstance(below, _Undecided):
            return _Undecided(below.missing, below.possible + (consequence,)), "pending"
        return _Applies(consequence, (rule,)), "applied"
    missing = unknown_of(condition, consequence)
    possible = (None if isinstance(consequence, Unknown) else consequence,)
    if isinstance(below, _Undecided):
        return _Undecided(below.missing | missing.missing, below.possible + possible), "unknown"
    return _Undecided(missing.missing, possible), "unknown"


def outcome_of(result) -> Outcome:
    """The outcome of a value from the combined result of its root rules."""
    if isinstance(result, _Applies):
        return Outcome("decided", result.value, result.rules)
    if isinstance(result, _Undecided):
        return Outcome("undetermined", missing=result.missing)
    if isinstance(result, _Conflict):
        shown = ", ".join(f"{r.citation} (`{r.label}`) gives {v}" for r, v in zip(result.rules, result.values))
        return Outcome("conflict", conflict=result.rules, message=f"rules not ordered by an exception disagree: {shown}")
    return Outcome("not_applicable", message="no rule applies")


def failure_outcome(failure: Exception) -> Outcome:
    """The error outcome of a value whose evaluation raised: a failed dependency or an evaluation error."""
    if isinstance(failure, _DependencyFailed):
        return Outcome("error", message=f"depends on `{failure.target}`, which is "
                       + ("in conflict" if failure.outcome.status == "conflict" else
                          "not given by any rule" if failure.outcome.status == "not_applicable" else "in error"))
    return Outcome("error", message=str(failure))
