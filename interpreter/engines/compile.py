"""Compile: a checked RuleSet -> Python closures that decide one record of an entity at a time.

input <- a loaded rule set (`model.RuleSet` + tables) and the entity whose records are decided
one by one (e.g. ImportLine); output -> a `Program`, bound to the shared facts with
`Program.session(facts, as_of)`, whose `decide(record)` gives the `Outcome` of every decision
of that entity. Used by `batch` for volumes; the interpreter (`evaluate`) stays the reference.

Guarantees:
- the same semantics as `evaluate.Evaluator`, node for node: three-valued (an unknown carries
  the fact paths that would settle it), defaults and exceptions (`evaluate.combine_rule`,
  `Evaluator._siblings`), table lookups `as of` a date with prefix matching
  (`tables.TableData.find`), errors as `error` outcomes; the shared helpers are imported from
  `evaluate`, not copied. A property test compares the two on generated records;
- one closure per model expression node, built once per rule set (no eval/exec, no code text);
- values that do not depend on the record (global values, values of the records of other
  entities, e.g. `Country.agreement_in_force`) are computed at most once per session and reused
  for every record; the values of the record are memoised per record;
- `Program` refuses (as a `UserError`) a rule set whose decisions for one record read the whole
  collection of that entity (an aggregate over every import line, say): such decisions cannot
  be made one record at a time.
"""
from __future__ import annotations

import datetime as dt

from interpreter.evaluation.evaluate import (
    _NOT_APPLIES, Evaluator, Outcome, _Applies, _arithmetic, _compare, _Conflict, _DependencyFailed, _kleene, _ordered,
    call_builtin, combine_rule, failure_outcome, fold_aggregate, outcome_of,
)
from interpreter.evaluation.facts import FactBase, Record
from interpreter.language import model
from interpreter.language.ast import Duration
from interpreter.language.diagnostics import UserError, error
from interpreter.language.values import EvaluationError, Unknown, compare_durations, unknown_of

_siblings = Evaluator._siblings
_NO_MISSING = frozenset()
# A table lookup cache holds at most this many keys per lookup site before it is cleared.
_CACHE_LIMIT = 65536


class Program:
    """The rule set compiled for deciding records of `entity` one at a time."""

    def __init__(self, ruleset: model.RuleSet, tables: dict, entity: str):
        self.ruleset = ruleset
        self.tables = tables
        self.entity = ruleset.entities[entity]
        self.decisions = tuple(v for v in ruleset.decisions() if v.owner == entity)
        self._exceptions: dict[str, list[model.Rule]] = {}
        for rule in ruleset.rules.values():
            if rule.exception_to is not None:
                self._exceptions.setdefault(rule.exception_to, []).append(rule)
        self._check_record_local()
        self._values: dict[str, object] = {}  # value id -> compiled value (closure)
        self._trees: dict[str, object] = {}  # rule label -> compiled rule tree
        for value in ruleset.values.values():
            self._values[value.id] = self._compile_value(value)
        # Rules in depth-first order within each value: the order `Outcome.rules` lists them in.
        self.rule_order = {}
        for value in ruleset.values.values():
            for index, rule in enumerate(self._preorder(value)):
                self.rule_order[rule.label] = index
        self.citations: dict[tuple, str] = {}

    # ------------------------------------------------------------ analysis

    def roots(self, value: model.Value) -> list[model.Rule]:
        labels = {rule.label for rule in value.rules}
        return [r for r in value.rules if r.exception_to is None or r.exception_to not in labels]

    def exceptions(self, rule: model.Rule) -> list[model.Rule]:
        return self._exceptions.get(rule.label, [])

    def _preorder(self, value: model.Value) -> list[model.Rule]:
        order: list[model.Rule] = []

        def visit(rule):
            order.append(rule)
            for below in self.exceptions(rule):
                visit(below)
        for root in self.roots(value):
            visit(root)
        return order

    def reachable(self) -> list[model.Value]:
        """Every value the entity's decisions read, transitively, in rule-set order."""
        seen: set[str] = set()
        stack = [v.id for v in self.decisions]
        while stack:
            value_id = stack.pop()
            if value_id in seen:
                continue
            seen.add(value_id)
            stack.extend(node.value_id for node in model.rule_expressions(self.ruleset.values[value_id])
                         if isinstance(node, model.ValueRef))
        return [v for v in self.ruleset.values.values() if v.id in seen]

    def _check_record_local(self) -> None:
        """Refuse decisions that read the whole collection of the entity decided record by record."""
        name = self.entity.name
        problems = []
        for value in self.reachable():
            for rule in value.rules:
                for expr in (rule.consequence, rule.condition):
                    if expr is None:
                        continue
                    for node in model.walk(expr):
                        whole = isinstance(node, model.CollectionRef) and node.entity == name
                        by_key = (isinstance(node, model.FieldRef) and node.type.kind == "entity"
                                  and node.type.name == name)
                        if whole or by_key:
                            what = f"the whole `{self.entity.collection}` collection" if whole else \
                                f"another {name} by its key"
                            problems.append(error(
                                "E600", f"`{value.id}` (rule `{rule.label}`, {rule.citation}) reads {what}, "
                                f"so {name} records cannot be decided one at a time", node.span,
                                suggestions=("use `rules eval` on a fact file holding the whole collection",)))
                            break
        if problems:
            raise UserError(problems)

    # ------------------------------------------------------------ values and rules

    def _compile_value(self, value: model.Value):
        rules = self.roots(value)
        roots = [self._tree(rule) for rule in rules]
        variable = self.ruleset.entities[value.owner].variable if value.owner else None
        if len(rules) == 1 and rules[0].condition is None and not self.exceptions(rules[0]):
            # One unconditional rule with no exceptions: its consequence is the value.
            [rule] = rules
            single = (rule,)
            consequence = self.expr(rule.consequence)

            def compute(record, ctx):
                result = consequence({variable: record} if variable else {}, ctx)
                if result.__class__ is Unknown:
                    return Outcome("undetermined", missing=result.missing)
                return Outcome("decided", result, single)
        elif len(roots) == 1:
            # `_siblings` of one result is that result.
            [only] = roots

            def compute(record, ctx):
                return outcome_of(only({variable: record} if variable else {}, ctx))
        else:
            def compute(record, ctx):
                env = {variable: record} if variable else {}
                return outcome_of(_siblings([tree(env, ctx) for tree in roots]))
        return compute

    def _tree(self, rule: model.Rule):
        known = self._trees.get(rule.label)
        if known is not None:
            return known
        below_trees = [self._tree(r) for r in self.exceptions(rule)]
        condition = self.expr(rule.condition) if rule.condition is not None else None
        consequence = self.expr(rule.consequence)

        def tree(env, ctx):
            below = _siblings([t(env, ctx) for t in below_trees]) if below_trees else _NOT_APPLIES
            if below.__class__ is _Applies or below.__class__ is _Conflict:
                return below
            holds = True if condition is None else condition(env, ctx)
            if holds is False:
                return below
            if holds is True:
                result = consequence(env, ctx)
                if below is _NOT_APPLIES and result.__class__ is not Unknown:
                    return _Applies(result, (rule,))
            else:
                try:
                    result = consequence(env, ctx)
                except EvaluationError:
                    # The rule may not apply at all, so its value cannot fail the decision.
                    result = Unknown(_NO_MISSING)
            return combine_rule(rule, below, holds, result)[0]
        self._trees[rule.label] = tree
        return tree

    # ------------------------------------------------------------ expressions

    def expr(self, node):
        """The closure `f(env, ctx) -> value` of one model expression node."""
        return getattr(self, "_" + type(node).__name__)(node)

    def _Const(self, node):
        value = node.value
        return lambda env, ctx: value

    def _AsOf(self, node):
        return lambda env, ctx: ctx.as_of_value

    def _FactRef(self, node):
        name = node.name
        return lambda env, ctx: ctx.fact_values[name]

    def _Var(self, node):
        name = node.name
        return lambda env, ctx: env[name]

    def _FieldRef(self, node):
        subject_of = self.expr(node.subject)
        field = node.field
        entity = node.type.name if node.type.kind == "entity" else None

        def field_ref(env, ctx):
            subject = subject_of(env, ctx)
            if subject.__class__ is Unknown:
                return subject
            value = subject.fields.get(field)
            if value is None:
                return Unknown(frozenset({f"{subject.path}.{field}"}))
            if entity is not None:
                return ctx.by_key[entity].get(value)
            return value
        return field_ref

    def _ValueRef(self, node):
        value = self.ruleset.values[node.value_id]
        value_id = value.id
        local = value.owner == self.entity.name
        if node.subject is None:
            def global_ref(env, ctx):
                return _value_of(value, None, ctx.outcome(value_id, None))
            return global_ref
        subject_of = self.expr(node.subject)
        if local:
            def local_ref(env, ctx):
                record = subject_of(env, ctx)
                if record.__class__ is Unknown:
                    return record
                if record is not ctx.current:  # another record of the entity: memoised by its path
                    return _value_of(value, record, ctx.outcome(value_id, record))
                return _value_of(value, record, ctx.local(value_id, record))
            return local_ref

        def other_ref(env, ctx):
            record = subject_of(env, ctx)
            if record.__class__ is Unknown:
                return record
            return _value_of(value, record, ctx.outcome(value_id, record))
        return other_ref

    def _CollectionRef(self, node):
        entity = node.entity
        absent = Unknown(frozenset({self.ruleset.entities[entity].collection}))  # as `Evaluator._CollectionRef`
        return lambda env, ctx: ctx.records.get(entity, absent)

    def _TableRows(self, node):
        rows = tuple(self.tables[node.table].rows)
        return lambda env, ctx: rows

    def _table_row(self, node):
        """A closure giving the row for the node's key and date: a Row, None, or an Unknown."""
        key_of = self.expr(node.key)
        when_of = self.expr(node.as_of) if node.as_of is not None else None
        table = self.tables[node.table]
        dated = table.table.needs_date
        cache: dict = {}

        def table_row(env, ctx):
            key = key_of(env, ctx)
            when = None
            if dated:  # as `Evaluator._table_row`
                when = when_of(env, ctx) if when_of is not None else ctx.as_of_value
            if key.__class__ is Unknown or when.__class__ is Unknown:
                return unknown_of(key, when)
            wanted = (key, when)
            try:
                return cache[wanted]
            except KeyError:
                pass
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            row = cache[wanted] = table.lookup(str(key), when)
            return row
        return table_row, key_of

    def _TableLookup(self, node):
        table_row, key_of = self._table_row(node)
        name = node.table
        dated = self.tables[name].table.dated_from is not None

        def lookup(env, ctx):
            row = table_row(env, ctx)
            if row is None:
                key = key_of(env, ctx)
                raise EvaluationError(f"table `{name}` has no row for {key!r}" + (" in force on that date" if dated else ""))
            return row
        return lookup

    def _TableMembership(self, node):
        table_row, _ = self._table_row(node)
        negated = node.negated

        def membership(env, ctx):
            row = table_row(env, ctx)
            if row.__class__ is Unknown:
                return row
            return (row is None) if negated else (row is not None)
        return membership

    def _RowField(self, node):
        row_of = self.expr(node.row)
        column, name = node.column, node.table

        def row_field(env, ctx):
            row = row_of(env, ctx)
            if row.__class__ is Unknown:
                return row
            value = row.data.get(column)
            if value is None:
                raise EvaluationError(f"table `{name}` row {row.key!r} has no {column}")
            return value
        return row_field

    def _Not(self, node):
        operand_of = self.expr(node.operand)

        def negation(env, ctx):
            operand = operand_of(env, ctx)
            return operand if operand.__class__ is Unknown else not operand
        return negation

    def _Negate(self, node):
        operand_of = self.expr(node.operand)

        def negate(env, ctx):
            operand = operand_of(env, ctx)
            return operand if operand.__class__ is Unknown else -operand
        return negate

    def _Binary(self, node):
        op = node.op
        left_of, right_of = self.expr(node.left), self.expr(node.right)
        if op in ("and", "or"):
            decisive = op == "or"

            def junction(env, ctx):
                left = left_of(env, ctx)
                if left is decisive:
                    return decisive
                right = right_of(env, ctx)
                if right is decisive:
                    return decisive
                missing = unknown_of(left, right)
                return missing if missing is not None else (not decisive)
            return junction
        if op in ("=", "!="):
            equal = op == "="

            def equality(env, ctx):
                left, right = left_of(env, ctx), right_of(env, ctx)
                if left.__class__ is Unknown or right.__class__ is Unknown:
                    return unknown_of(left, right)
                if left.__class__ is Duration and right.__class__ is Duration:
                    return (compare_durations(left, right) == 0) is equal
                return (left == right) is equal
            return equality
        if op in ("<", "<=", ">", ">="):
            def comparison(env, ctx):
                left, right = left_of(env, ctx), right_of(env, ctx)
                if left.__class__ is Unknown or right.__class__ is Unknown:
                    return unknown_of(left, right)
                return _compare(op, left, right)
            return comparison

        def arithmetic(env, ctx):
            left, right = left_of(env, ctx), right_of(env, ctx)
            if left.__class__ is Unknown or right.__class__ is Unknown:
                return unknown_of(left, right)
            return _arithmetic(op, left, right)
        return arithmetic

    def _SetMembership(self, node):
        element_of, collection_of = self.expr(node.element), self.expr(node.collection)
        negated = node.negated

        def membership(env, ctx):
            element, collection = element_of(env, ctx), collection_of(env, ctx)
            if element.__class__ is Unknown or collection.__class__ is Unknown:
                return unknown_of(element, collection)
            found = element in collection
            return not found if negated else found
        return membership

    def _If(self, node):
        condition_of, then_of, otherwise_of = self.expr(node.condition), self.expr(node.then), self.expr(node.otherwise)

        def conditional(env, ctx):
            condition = condition_of(env, ctx)
            if condition is True:
                return then_of(env, ctx)
            if condition is False:
                return otherwise_of(env, ctx)
            then, otherwise = then_of(env, ctx), otherwise_of(env, ctx)
            if then.__class__ is not Unknown and then == otherwise:
                return then
            return condition | (unknown_of(then, otherwise) or Unknown(_NO_MISSING))
        return conditional

    def _AllAnyOf(self, node):
        items_of = [self.expr(item) for item in node.items]
        kind = node.kind
        return lambda env, ctx: _kleene(kind, [item(env, ctx) for item in items_of])

    def _Quantifier(self, node):
        collection_of, condition_of = self.expr(node.collection), self.expr(node.condition)
        kind, name = node.kind, node.variable.name

        def quantifier(env, ctx):
            collection = collection_of(env, ctx)
            if collection.__class__ is Unknown:
                return collection
            return _kleene(kind, [condition_of({**env, name: element}, ctx) for element in _ordered(collection)])
        return quantifier

    def _Aggregate(self, node):
        collection_of = self.expr(node.collection)
        where_of = self.expr(node.where) if node.where is not None else None
        value_of = self.expr(node.value) if node.value is not None else None
        name = node.variable.name

        def aggregate(env, ctx):
            collection = collection_of(env, ctx)
            if collection.__class__ is Unknown:
                return collection
            selected, missing = [], frozenset()
            for element in _ordered(collection):
                inner = {**env, name: element}
                if where_of is not None:
                    keep = where_of(inner, ctx)
                    if keep.__class__ is Unknown:
                        missing |= keep.missing
                        continue
                    if not keep:
                        continue
                selected.append(value_of(inner, ctx) if value_of is not None else element)
            return fold_aggregate(node, selected, missing)
        return aggregate

    def _SetLiteral(self, node):
        items_of = [self.expr(item) for item in node.items]

        def set_literal(env, ctx):
            items = [item(env, ctx) for item in items_of]
            missing = unknown_of(*items)
            return missing if missing is not None else frozenset(items)
        return set_literal

    def _Call(self, node):
        args_of = [self.expr(a) for a in node.args]
        name = node.function

        def call(env, ctx):
            args = [a(env, ctx) for a in args_of]
            missing = unknown_of(*args)
            if missing is not None:
                return missing
            return call_builtin(name, args)
        return call

    def _Invalid(self, node):
        def invalid(env, ctx):
            raise EvaluationError("this rule set has errors; run `rules check`")
        return invalid

    # ------------------------------------------------------------ running

    def session(self, facts: FactBase, as_of: dt.date | None = None) -> "Session":
        """Bind the shared facts (globals and the records of other entities) for a batch."""
        return Session(self, facts, as_of or facts.as_of)

    def citation_text(self, rules: tuple) -> str:
        """`Outcome.rules` -> the distinct citations joined with "; " (cached per tuple of rules)."""
        key = tuple(map(id, rules))  # rules live as long as the program; hashing a Rule walks its whole tree
        text = self.citations.get(key)
        if text is None:
            text = self.citations[key] = "; ".join(dict.fromkeys(str(r.citation) for r in rules))
        return text


def _value_of(value: model.Value, record, outcome: Outcome):
    """`Evaluator.value_of`: a decided value, an Unknown, or a failed dependency."""
    status = outcome.status
    if status == "decided":
        return outcome.value
    if status == "undetermined":
        return Unknown(outcome.missing)
    target = f"{record.label}.{value.name}" if record is not None else value.name
    raise _DependencyFailed(target, outcome)


class Session:
    """A program bound to the shared facts of one batch; decides records one at a time."""

    def __init__(self, program: Program, facts: FactBase, as_of: dt.date | None):
        self.program = program
        self.facts = facts
        self.as_of = as_of
        self.as_of_value = as_of if as_of is not None else Unknown(frozenset({"as_of"}))
        self.fact_values = {name: (facts.globals.get(name) if facts.globals.get(name) is not None
                                   else Unknown(frozenset({name}))) for name in program.ruleset.facts}
        self.records = facts.records
        self.by_key: dict[str, dict] = {}
        for entity, records in facts.records.items():
            index: dict = {}
            for record in records:
                index.setdefault(record.key, record)
            self.by_key[entity] = index
        self._shared: dict[tuple, Outcome] = {}  # values not of the record: computed once per session
        self._local: dict[str, Outcome] = {}  # values of the record being decided
        self.current: Record | None = None  # the record being decided
        self._values = program._values
        self.decisions = program.decisions
        self.decision_ids = tuple(v.id for v in program.decisions)

    def outcome(self, value_id: str, record: Record | None) -> Outcome:
        key = (value_id, record.path if record is not None else None)
        known = self._shared.get(key)
        if known is None:
            known = self._shared[key] = self._run(value_id, record)
        return known

    def local(self, value_id: str, record: Record) -> Outcome:
        known = self._local.get(value_id)
        if known is None:
            known = self._local[value_id] = self._run(value_id, record)
        return known

    def _run(self, value_id: str, record) -> Outcome:
        try:
            return self._values[value_id](record, self)
        except (_DependencyFailed, EvaluationError) as failure:
            return failure_outcome(failure)
        except RecursionError:  # as `Evaluator.outcome`
            return Outcome("error", message="evaluation nested too deeply for this machine")

    def decide(self, record: Record) -> list[Outcome]:
        """The outcome of every decision of the entity for one record, in rule-set order."""
        self._local = {}
        self.current = record
        return [self.local(value_id, record) for value_id in self.decision_ids]
