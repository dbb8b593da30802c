"""Generated: a checked RuleSet + an entity -> a `Program` of compiled Python source that decides records one at a time.

input <- a loaded rule set (`model.RuleSet` + tables) and the entity whose records are decided one by
one (e.g. ImportLine); output -> a `Program`, bound to the shared facts with `Program.session(facts,
as_of)`, whose `decide(record)` gives the `Outcome` of every decision of that entity (and
`decide_raw(record)` the same, unboxed, for batch), and whose `decide_traced(record_or_None, value_id)`
gives one value's `Outcome` with a `compact_trace.CompactTrace` (`.frame()` -> the interpreter's
`trace.Frame` tree, for `explain`). Used by `batch` for volumes (row-wise and the columnar engine's
fallback rows); the interpreter (`evaluate`) stays the reference.

Guarantees:
- the source comes from `codegen` (no rule or fact text in it: every name and text is a constant
  `K[i]`); it is compiled with `compile()` once per rule set and entity, and run in a namespace that
  holds only the runtime helpers below, the constants tuple and five builtins. Rule and fact text is
  never evaluated;
- the semantics of `evaluate.Evaluator` (the helpers are the interpreter's: `combine_rule`,
  `_siblings`, `outcome_of`, `failure_outcome`, `fold_aggregate`, `call_builtin`, `_compare`,
  `_arithmetic`); a property test compares the two on the three Acts and a semantics suite;
- values that do not depend on the record (global values, values of the records of other entities)
  are computed at most once per session; the values of the record are memoised per record;
- `Program` refuses (as a `UserError`, E600) a rule set whose decisions for one record read the whole
  collection of that entity: such decisions cannot be made one record at a time (batch); with
  `record_local=False` it does not, for single decisions on a fact file that holds the collection.
- Tables: pass `with_supplied_rows(tables, facts)` (as `batch.Job` does) for a fact file's `tables:`.
"""
from __future__ import annotations

import datetime as dt
import time

import attrs

from interpreter.engines import codegen
from interpreter.engines.compact_trace import FACT, FIELD, LOCAL, OPERAND, ROW, RULE, SHARED, STATUSES, CompactTrace, \
    combine_traced
from interpreter.evaluation.evaluate import (
    _NOT_APPLIES, Evaluator, Outcome, _Applies, _arithmetic, _compare, _Conflict, _DependencyFailed, _kleene,
    _NotApplies, _ordered, _Undecided, call_builtin, combine_rule, failure_outcome, fold_aggregate, outcome_of,
)
from interpreter.evaluation.facts import FactBase, Record
from interpreter.language import model
from interpreter.language.ast import Duration
from interpreter.language.derived import derived, memo
from interpreter.language.diagnostics import UserError, error
from interpreter.language.values import EvaluationError, Unknown, unknown_of

_siblings = Evaluator._siblings
_NOTHING = frozenset()
_CACHE_LIMIT = 65536


class Failed:
    """What a value that is in error, in conflict or not given by any rule reads as: its outcome."""
    __slots__ = ("outcome",)

    def __init__(self, outcome: Outcome):
        self.outcome = outcome


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()
_NO_RULE = Failed(outcome_of(_NOT_APPLIES))


# ---------------------------------------------------------------- runtime helpers (the generated code's names)

def _unwrap(result) -> tuple:
    """An interpreter rule result -> the generated code's (value or marker, rules) pair."""
    if result.__class__ is _Applies:
        return result.value, result.rules
    if result.__class__ is _NotApplies:
        return _NOT_APPLIES, ()
    return result, ()


def _wrap(value, rules):
    return value if value.__class__ in _SPECIAL else _Applies(value, rules)


def _siblings_of(*pairs) -> tuple:
    live = [pair for pair in pairs if pair[0] is not _NOT_APPLIES]
    if len(live) <= 1:  # what `_siblings` gives for one result or none
        return live[0] if live else (_NOT_APPLIES, ())
    return _unwrap(_siblings([_wrap(value, rules) for value, rules in pairs]))


def _combine(rule, below, holds, result) -> tuple:
    return _unwrap(combine_rule(rule, below, holds, result)[0])


def _final(result) -> tuple:
    """A value's combined result that is not a plain value -> what reading it gives, and no rules."""
    if result.__class__ is _NotApplies:
        return _NO_RULE, ()
    if result.__class__ is _Undecided:
        return Unknown(result.missing), ()
    return Failed(outcome_of(result)), ()


def _failed(failure: Exception) -> Failed:
    return Failed(failure_outcome(failure))


def _global_fact(values: dict, name: str):
    value = values.get(name)
    return Unknown(frozenset({name})) if value is None else value


def _missing_field(record, field: str) -> Unknown:
    return Unknown(frozenset({f"{record.path}.{field}"}))


def _lookup(table, cache: dict, key, when):
    """`Evaluator._table_row` after the key and date: a Row, None (not listed) or an Unknown.
    Rows found for a text key are kept in `cache` (at most _CACHE_LIMIT keys, then it starts again)."""
    if key.__class__ is Unknown or when.__class__ is Unknown:
        return unknown_of(key, when)
    row = table.lookup(str(key), when)
    if key.__class__ is str:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[key, when] = row
    return row


def _no_row(table: str, key, dated: bool) -> EvaluationError:
    return EvaluationError(f"table `{table}` has no row for {key!r}" + (" in force on that date" if dated else ""))


def _row_field(row, table: str, column: str):
    value = row.data.get(column)
    if value is None:
        raise EvaluationError(f"table `{table}` row {row.key!r} has no {column}")
    return value


def _undecisive(left, right, decisive: bool):
    missing = unknown_of(left, right)
    return missing if missing is not None else (not decisive)


def _either(condition, then, otherwise):
    """`if` on an unknown condition: the branches' common value, else unknown."""
    if then.__class__ is not Unknown and then == otherwise:
        return then
    return condition | (unknown_of(then, otherwise) or Unknown(_NOTHING))


def _set_of(items: tuple):
    missing = unknown_of(*items)
    return missing if missing is not None else frozenset(items)


def _call(name: str, args: list):
    missing = unknown_of(*args)
    return missing if missing is not None else call_builtin(name, args)


_ORDER_CACHE: dict = {}  # id(set) -> (the set, its elements in `_ordered` order): kept alive, so ids are not reused


def _ordered_elements(collection):
    """`evaluate._ordered` (a set sorted by type and text, anything else as it is), a set's order kept by identity
    (a set shared by every record, such as a global value, is sorted once)."""
    if collection.__class__ is not frozenset:
        return _ordered(collection)
    known = _ORDER_CACHE.get(id(collection))
    if known is not None and known[0] is collection:
        return known[1]
    if all(element.__class__ is str for element in collection):
        order = sorted(collection)  # the same order: one type, and a text is its own text
    else:
        order = _ordered(collection)
    if len(_ORDER_CACHE) >= 256:
        _ORDER_CACHE.clear()
    _ORDER_CACHE[id(collection)] = (collection, order)
    return order


def _invalid() -> EvaluationError:
    return EvaluationError("this rule set has errors; run `rules check`")


_SPECIAL = frozenset({_NotApplies, _Undecided, _Conflict})
HELPERS = {
    "UNSET": UNSET, "NA": _NOT_APPLIES, "EMPTY": (), "NOTHING": _NOTHING, "NO_RECORDS": {},
    "Unknown": Unknown, "Duration": Duration, "Failed": Failed, "EvaluationError": EvaluationError,
    "NOT_APPLIES": _NotApplies, "UNDECIDED": _Undecided, "SPECIAL": _SPECIAL,
    "FINAL": _final, "FAILED": _failed, "FAILURES": (_DependencyFailed, EvaluationError),
    "TOO_DEEP": Failed(Outcome("error", message="evaluation nested too deeply for this machine")),
    "UNKNOWN_NOTHING": Unknown(_NOTHING), "COMBINE": _combine, "SIBLINGS": _siblings_of,
    "GLOBAL_FACT": _global_fact, "UNKNOWN_ONE": lambda name: Unknown(frozenset({name})),
    "MISSING_FIELD": _missing_field, "DEPENDENCY": _DependencyFailed,
    "LOOKUP": _lookup, "NO_ROW": _no_row, "ROW_FIELD": _row_field, "COMPARE": _compare,
    "ARITHMETIC": _arithmetic, "unknown_of": unknown_of, "UNDECISIVE": _undecisive, "EITHER": _either,
    "KLEENE_ALL": lambda items: _kleene("all", items), "KLEENE_ANY": lambda items: _kleene("any", items),
    "EV_RULE": RULE, "EV_FIELD": FIELD, "EV_FACT": FACT, "EV_ROW": ROW, "EV_OPERAND": OPERAND, "EV_LOCAL": LOCAL,
    "EV_SHARED": SHARED, **STATUSES, "COMBINE_TRACED": combine_traced,
    "ORDERED": _ordered_elements, "FOLD": fold_aggregate, "SET_OF": _set_of, "CALL": _call, "INVALID": _invalid,
}
_BUILTINS = {"tuple": tuple, "str": str, "TypeError": TypeError, "RecursionError": RecursionError}


def compiled(ruleset: model.RuleSet, entity: str, traced: bool = False):
    """(Generated, the module's `bind`) for the rule set and entity, built once per rule set."""
    def build(ruleset):
        generated = codegen.generate(ruleset, entity, traced)
        code = _compile(ruleset, entity, generated.source)
        namespace = dict(HELPERS, K=generated.constants, __builtins__=_BUILTINS)
        exec(code, namespace)  # our generated text; rule and fact text is only ever in K
        return generated, namespace["bind"]
    return memo(ruleset, f"generated program {traced} {entity}", build)


def _compile(ruleset: model.RuleSet, entity: str, source: str):
    """The generated source -> a code object; Python's own limits on nesting become a user error."""
    try:
        return compile(source, "<generated row-wise program>", "exec")
    except (SyntaxError, RecursionError, MemoryError) as limit:  # e.g. "too many levels of indentation"
        deepest = max((v for v in ruleset.values.values() if v.owner == entity),
                      key=lambda v: _nesting(model.rule_expressions(v)), default=None)
        raise UserError([error(
            "E615", f"the expressions of {entity} nest too deeply for the row-wise engine "
            f"(Python: {getattr(limit, 'msg', None) or type(limit).__name__})",
            deepest.span if deepest is not None else None,
            suggestions=("split the deepest expression into named values",))]) from None


def _nesting(nodes) -> int:
    """How deeply the given expressions nest (iteratively: they may nest hundreds of levels)."""
    deepest, stack = 0, [(node, 1) for node in nodes]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in model.children(node))
    return deepest


def outcome(value, rules) -> Outcome:
    """What the generated code keeps for a value (`x`, `rl`) -> its `Outcome`."""
    if value.__class__ is Failed:
        return value.outcome
    if value.__class__ is Unknown:
        return Outcome("undetermined", missing=value.missing)
    return Outcome("decided", value, rules)


class Program:
    """The rule set compiled for deciding records of `entity` one at a time."""

    def __init__(self, ruleset: model.RuleSet, tables: dict, entity: str, record_local: bool = True):
        """`record_local=False`: a program for single decisions on a whole fact file (no E600 refusal)."""
        self.ruleset = ruleset
        self.tables = tables
        self.entity = ruleset.entities[entity]
        self.decisions = tuple(v for v in ruleset.decisions() if v.owner == entity)
        indexes = derived(ruleset)
        self._exceptions, self._roots = indexes.exceptions, indexes.roots
        if record_local:
            self._check_record_local()
        self.generated, self._bind = compiled(ruleset, entity)
        self.width = len(self.generated.locals)
        slots = {value_id: i for i, value_id in enumerate(self.generated.locals)}
        self.decision_slots = tuple(slots[v.id] for v in self.decisions)
        self.slots = slots
        self.shared_index = {value_id: i for i, value_id in enumerate(self.generated.shared)}
        # Rules in depth-first order within each value: the order `Outcome.rules` lists them in.
        self.rule_order = {}
        for value in ruleset.values.values():
            for index, rule in enumerate(self._preorder(value)):
                self.rule_order[rule.label] = index
        self.citations: dict[tuple, str] = {}
        self._single_citations = {id(c): str(c[0].citation) for c in self.generated.constants
                                  if c.__class__ is tuple and len(c) == 1 and c[0].__class__ is model.Rule}

    # ------------------------------------------------------------ analysis

    def roots(self, value: model.Value) -> list[model.Rule]:
        return list(self._roots[value.id])

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

    # ------------------------------------------------------------ running

    def expr(self, node):
        """A closure `f(env, session) -> value` of one expression not of the record (the columnar engine's
        constants), evaluated by the interpreter."""
        return lambda env, session: session.evaluate(node, env)

    def session(self, facts: FactBase, as_of: dt.date | None = None) -> "Session":
        """Bind the shared facts (globals and the records of other entities) for a batch."""
        return Session(self, facts, as_of or facts.as_of)

    def citation_text(self, rules: tuple) -> str:
        """`Outcome.rules` -> the distinct citations joined with "; " (cached per tuple of rules)."""
        text = self._single_citations.get(id(rules))  # a constant of the program: alive, so its id is its own
        if text is not None:
            return text
        key = tuple(map(id, rules))  # rules live as long as the program; hashing a Rule walks its whole tree
        text = self.citations.get(key)
        if text is None:
            text = self.citations[key] = "; ".join(dict.fromkeys(str(r.citation) for r in rules))
        return text


class Session:
    """A program bound to the shared facts of one batch; decides records one at a time."""

    def __init__(self, program: Program, facts: FactBase, as_of: dt.date | None):
        self.program = program
        self.facts = facts
        self.as_of = as_of
        self.as_of_value = as_of if as_of is not None else Unknown(frozenset({"as_of"}))
        self.records = facts.records
        self.by_key: dict[str, dict] = {}
        for entity, records in facts.records.items():
            index: dict = {}
            for record in records:
                index.setdefault(record.key, record)
            self.by_key[entity] = index
        self._bound = None  # the program bound to the facts, when first used (a traced decision needs only its own)
        self.decisions = program.decisions
        self.decision_ids = tuple(v.id for v in program.decisions)
        self._evaluator = None
        self._traced: _Traced | None = None

    def _bind(self) -> tuple:
        if self._bound is None:
            self._bound = self.program._bind(self.facts.globals, self.as_of_value, self.by_key, self.facts.records,
                                             self.program.tables)
        return self._bound

    @property
    def decide_raw(self):
        """record -> the memo list of its values (slot i: the value, slot width + i: the rules that gave it)."""
        return self._bind()[0]

    def decide(self, record: Record) -> list[Outcome]:
        """The outcome of every decision of the entity for one record, in rule-set order."""
        memo_ = self.decide_raw(record)
        width = self.program.width
        return [outcome(memo_[slot], memo_[width + slot]) for slot in self.program.decision_slots]

    def outcome(self, value_id: str, record: Record | None) -> Outcome:
        """The outcome of any value: of a record of any entity, or global (record None)."""
        program = self.program
        slot = program.slots.get(value_id)
        if slot is not None:
            memo_ = [UNSET] * (2 * program.width)
            return outcome(self._bind()[1][slot](record, memo_), memo_[program.width + slot])
        index = program.shared_index[value_id]
        _, _, shared, memos, _ = self._bind()
        values, rules = memos[index]
        key = record.path if record is not None else None
        value = values.get(key, UNSET)
        if value is UNSET:
            value = shared[index](record)
        return outcome(value, rules[key])

    def decide_traced(self, record: Record | None, value_id: str) -> tuple[Outcome, CompactTrace]:
        """One value (of `record`, of any entity; or global, record None) decided by the traced program, and the
        compact trace from which `CompactTrace.frame()` builds the interpreter's frame tree on demand."""
        state = self._traced
        if state is None:
            state = self._traced = _Traced(self)
        slot = self.program.slots.get(value_id)
        if slot is not None:
            memo_ = [UNSET] * (3 * state.width)
            value = state.local[slot](record, memo_)
            return outcome(value, memo_[state.width + slot]), CompactTrace(state, memo_, (LOCAL, slot, record))
        index = self.program.shared_index[value_id]
        values, rules, _ = state.memos[index]
        key = None if record is None else record.path
        value = values.get(key, UNSET)
        if value is UNSET:
            value = state.shared[index](record)
        return outcome(value, rules[key]), CompactTrace(state, None, (SHARED, index, record))

    def evaluate(self, node, env: dict):
        """One expression not of the record, by the interpreter, against this session's facts."""
        if self._evaluator is None:
            self._evaluator = Evaluator(self.program.ruleset, self.program.tables, self.facts, self.as_of)
        return self._evaluator.eval(node, env)


@attrs.frozen
class Listing:
    """What `rules compile` reports for one entity: the generated source and its size."""
    entity: str
    source: str
    record_values: int
    shared_values: int
    constants: int
    lines: int
    milliseconds: float
    refused: str | None = None  # why the entity's records cannot be decided one at a time


def listing(ruleset: model.RuleSet, tables: dict, entity: str) -> Listing:
    """Generate and compile the entity's program afresh (timed), as `rules compile` shows it."""
    try:
        Program(ruleset, tables, entity)
    except UserError as refusal:
        return Listing(entity, "", 0, 0, 0, 0, 0.0, "; ".join(d.message for d in refusal.diagnostics))
    began = time.perf_counter()
    generated = codegen.generate(ruleset, entity)
    _compile(ruleset, entity, generated.source)
    milliseconds = (time.perf_counter() - began) * 1000
    return Listing(entity, generated.source, len(generated.locals), len(generated.shared), len(generated.constants),
                   generated.lines, milliseconds)


class _Traced:
    """The traced program bound to a session's facts: what `CompactTrace` reads its events from."""

    def __init__(self, session: Session):
        program = session.program
        generated, bind = compiled(program.ruleset, program.entity.name, traced=True)
        _, self.local, self.shared, self.memos, self.others = bind(
            session.facts.globals, session.as_of_value, session.by_key, session.facts.records, program.tables)
        values = program.ruleset.values
        self.local_values = tuple(values[value_id] for value_id in generated.locals)
        self.shared_values = tuple(values[value_id] for value_id in generated.shared)
        self.width = len(generated.locals)
        self.outcome = outcome
        self.unset = UNSET
        self.frames: dict = {}  # the frames of shared values, built once (`compact_trace`)
