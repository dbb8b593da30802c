"""Codegen: a checked RuleSet + the entity decided record by record -> Python source text and its constants.

input <- a `model.RuleSet` (checked, no errors) and an entity name; output -> `Generated(source,
constants, ...)`: the text of a module defining `bind(GLOBALS, AS_OF, BY_KEY, RECORDS, TABLES)`, which
`engines.generated` compiles once per rule set and entity and calls once per session. Pure: nothing is
compiled or run here.

Guarantees:
- no text from a rule or fact file reaches the source: identifiers are synthesized (`l3` a value of the
  record, `s12` a shared value, `k45` a constant, `t7` a temporary), every name, string, number, date,
  citation, rule and message goes in the constants table and is read as `K[i]` (bound to `k<i>`);
  operators and kinds are mapped through fixed tables here, never copied;
- the semantics of `evaluate.Evaluator`, node for node: evaluation order, three-valued logic, which
  sub-expressions are evaluated (so which errors surface), defaults and exceptions through the
  interpreter's own `combine_rule` / `_siblings` / `outcome_of` (called on the slow paths only);
- one function per value with its rules inlined; the record's values are memoised in the slots of a
  list (`m[i]` the value as another expression reads it, `m[W + i]` the rules that gave it), values not
  of the record in dicts that live as long as the session;
- with `traced=True` the functions also append compact trace events (`engines.compact_trace`).
The expressions are written by `codegen_expr.Expressions`, which `Generator` extends.
"""
from __future__ import annotations

from contextlib import contextmanager

import attrs

from interpreter.engines.codegen_expr import Expressions
from interpreter.language import model
from interpreter.language.derived import derived



@attrs.frozen
class Generated:
    source: str
    constants: tuple
    locals: tuple  # value ids of the record's values, by slot
    shared: tuple  # value ids of every other value, by index
    decisions: tuple  # value ids of the entity's decisions, in rule-set order

    @property
    def lines(self) -> int:
        return self.source.count("\n")


class _Constants:
    def __init__(self):
        self.values: list = []
        self._index: dict = {}

    def name(self, value) -> str:
        # Strings are shared by value (exact); anything else by identity, so 1.0 and 1.00 stay apart.
        key = ("s", value) if value.__class__ is str else ("o", id(value))
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self.values)
            self.values.append(value)
        return f"k{index}"


class _Function:
    """The lines of one generated function, with its temporaries and the variables in scope."""

    def __init__(self, scope: dict, depth: int):
        self.lines: list[str] = []
        self.depth = depth
        self.temps = 0
        self.scope = scope  # model variable name -> Python name
        self.local = False  # a function of the record's values (memo `m`), not a shared one
        self.known = {"r"}  # names never holding an Unknown: the record, elements of a collection

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    def temp(self, prefix: str = "t") -> str:
        self.temps += 1
        return f"{prefix}{self.temps}"

    @contextmanager
    def block(self, head: str):
        self.line(head)
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1


class Generator(Expressions):
    def __init__(self, ruleset: model.RuleSet, entity: str, traced: bool = False):
        self.ruleset = ruleset
        self.entity = ruleset.entities[entity]
        self.traced = traced
        self.k = _Constants()
        indexes = derived(ruleset)
        self.roots, self.exceptions = indexes.roots, indexes.exceptions
        self.local_ids = tuple(v.id for v in ruleset.values.values() if v.owner == self.entity.name)
        self.shared_ids = tuple(v.id for v in ruleset.values.values() if v.owner != self.entity.name)
        self.slot = {value_id: i for i, value_id in enumerate(self.local_ids)}
        self.index = {value_id: i for i, value_id in enumerate(self.shared_ids)}
        self.width = len(self.local_ids)
        self.setup: list[str] = []  # lines run once per session, before the functions
        self._bound: dict = {}  # (kind, name) -> session variable

    # ------------------------------------------------------------ session variables

    def bound(self, kind: str, name: str, make) -> str:
        """A variable set once per session (a fact, a collection, a table): `make(k)` is its expression."""
        key = (kind, name)
        if key not in self._bound:
            variable = self._bound[key] = f"{kind}{len(self._bound)}"
            self.setup.append(f"{variable} = {make(self.k.name(name))}")
        return self._bound[key]

    # ------------------------------------------------------------ module

    def module(self) -> Generated:
        functions = []
        for value_id in self.local_ids:
            functions.extend(self.value_function(self.ruleset.values[value_id], local=True))
        for value_id in self.shared_ids:
            functions.extend(self.value_function(self.ruleset.values[value_id], local=False))
        out = ["def bind(GLOBALS, AS_OF, BY_KEY, RECORDS, TABLES):"]
        out += ["    " + line for line in self.setup]
        for i in range(len(self.shared_ids)):
            out.append(f"    M{i} = {{}}")
            out.append(f"    R{i} = {{}}")
            if self.traced:
                out.append(f"    S{i} = {{}}")
        out += functions
        width = self.width
        slots = (3 if self.traced else 2) * width  # value, rules (and events) of each value of the record
        out.append("")
        out.append(f"    LOCAL = ({''.join(f'l{i}, ' for i in range(width))})")
        out.append("    OTHERS = {}")
        out.append("")
        out.append("    def OTHER_RECORD(slot, record):")  # a value of a record other than the one decided
        out.append("        memo = OTHERS.get(record.path)")
        out.append("        if memo is None:")
        out.append(f"            memo = OTHERS[record.path] = [UNSET] * {slots}")
        out.append("        x = memo[slot]")
        out.append("        if x is UNSET:")
        out.append("            x = LOCAL[slot](record, memo)")
        out.append("        return x")
        out.append("")
        out.append("    def decide(r):")
        out.append(f"        m = [UNSET] * {slots}")
        for value in self.ruleset.decisions():
            if value.owner == self.entity.name:
                slot = self.slot[value.id]
                out.append(f"        if m[{slot}] is UNSET:")
                out.append(f"            l{slot}(r, m)")
        out.append("        return m")
        out.append("")
        shared = "".join(f"s{i}, " for i in range(len(self.shared_ids)))
        events = ", S{i}" if self.traced else ""
        memos = "".join(f"(M{i}, R{i}{events.format(i=i)}), " for i in range(len(self.shared_ids)))
        out.append(f"    return decide, LOCAL, ({shared}), ({memos}), OTHERS")
        head = ["# generated by interpreter.engines.codegen: every name and text of the rule set is in K", ""]
        head += [f"k{i} = K[{i}]" for i in range(len(self.k.values))]
        source = "\n".join(head + [""] + out) + "\n"
        decisions = tuple(v.id for v in self.ruleset.decisions() if v.owner == self.entity.name)
        return Generated(source, tuple(self.k.values), self.local_ids, self.shared_ids, decisions)

    def value_function(self, value: model.Value, local: bool) -> list[str]:
        variable = self.ruleset.entities[value.owner].variable if value.owner else None
        f = _Function({variable: "r"} if variable else {}, 2)
        f.local = local
        if variable:
            f.line("F = r.fields")
        if self.traced:
            f.line("T = []")
        with f.block("try:"):
            result, rules = self.siblings(f, [self.tree(f, rule) for rule in self.roots[value.id]])
            with f.block(f"if {result}.__class__ in SPECIAL:"):
                f.line(f"x, rl = FINAL({result})")
            with f.block("else:"):
                f.line(f"x, rl = {result}, {rules}")
        with f.block("except FAILURES as failure:"):
            f.line("x, rl = FAILED(failure), EMPTY")
        with f.block("except RecursionError:"):
            f.line("x, rl = TOO_DEEP, EMPTY")
        if local:
            slot = self.slot[value.id]
            f.line(f"m[{slot}] = x")
            f.line(f"m[{self.width + slot}] = rl")
            if self.traced:
                f.line(f"m[{2 * self.width + slot}] = T")
            head = f"    def l{slot}(r, m):"
        else:
            index = self.index[value.id]
            key = "r.path" if variable else "None"
            f.line(f"M{index}[{key}] = x")
            f.line(f"R{index}[{key}] = rl")
            if self.traced:
                f.line(f"S{index}[{key}] = T")
            head = f"    def s{index}(r):"
        f.line("return x")
        return ["", head] + f.lines

    # ------------------------------------------------------------ rules

    def siblings(self, f: _Function, results: list) -> tuple[str, str]:
        """`Evaluator._siblings` of rule results, each a (value-or-marker, rules) pair of names."""
        if not results:
            return "NA", "EMPTY"
        if len(results) == 1:
            return results[0]
        a, rl = f.temp("a"), f.temp("rl")
        pairs = ", ".join(f"({x}, {y})" for x, y in results)
        if len(results) == 2:  # the usual case, one of them not applying, without a call
            (x1, y1), (x2, y2) = results
            f.line(f"if {x1} is NA:")
            f.line(f"    {a}, {rl} = {x2}, {y2}")
            f.line(f"elif {x2} is NA:")
            f.line(f"    {a}, {rl} = {x1}, {y1}")
            f.line("else:")
            f.line(f"    {a}, {rl} = SIBLINGS({pairs})")
        else:
            f.line(f"{a}, {rl} = SIBLINGS({pairs})")
        return a, rl

    def tree(self, f: _Function, rule: model.Rule) -> tuple[str, str]:
        """The rule with the exceptions below it, as `Evaluator._rule_tree` -> (marker or value, rules)."""
        below, below_rules = self.siblings(f, [self.tree(f, r) for r in self.exceptions.get(rule.label, ())])
        a, rl = f.temp("a"), f.temp("rl")
        k_rule, k_single = self.k.name(rule), self.k.name((rule,))
        has_below = below != "NA"
        if has_below:
            f.line(f"if {below}.__class__ is not NOT_APPLIES and {below}.__class__ is not UNDECIDED:")
            f.depth += 1
            f.line(f"{a}, {rl} = {below}, {below_rules}")
            if self.traced:
                f.line(f"T.append((EV_RULE, {k_rule}, S_OVERRIDDEN, None, None))")
            f.depth -= 1
            f.line("else:")
            f.depth += 1
        if rule.condition is None:
            result = self.expr(f, rule.consequence)
            known = f"{result}.__class__ is not Unknown" + (f" and {below} is NA" if has_below else "")
            self._result(f, (a, rl), known, result, "True", (k_rule, k_single), below)
        else:
            holds = self.expr(f, rule.condition)
            if self.traced:
                f.line(f"T.append((EV_OPERAND, {self.k.name(rule.condition)}, {holds}))")
            with f.block(f"if {holds} is False:"):
                f.line(f"{a}, {rl} = {below}, {below_rules}")
                if self.traced:
                    f.line(f"T.append((EV_RULE, {k_rule}, S_NOT_APPLIED, False, None))")
            with f.block("else:"):
                result = f.temp()
                with f.block("try:"):
                    f.line(f"{result} = {self.expr(f, rule.consequence)}")
                with f.block("except EvaluationError:"):
                    with f.block(f"if {holds} is True:"):
                        f.line("raise")
                    f.line(f"{result} = UNKNOWN_NOTHING")  # the rule may not apply: its value cannot fail the decision
                known = f"{holds} is True and {result}.__class__ is not Unknown" + (f" and {below} is NA" if has_below else "")
                self._result(f, (a, rl), known, result, holds, (k_rule, k_single), below)
        if has_below:
            f.depth -= 1
        return a, rl

    def _result(self, f, target: tuple, known: str, result: str, holds: str, rule: tuple, below: str) -> None:
        """The rule's result: applied alone where `known` holds (the fast path), else `combine_rule`."""
        (a, rl), (k_rule, k_single) = target, rule
        with f.block(f"if {known}:"):
            f.line(f"{a}, {rl} = {result}, {k_single}")
            if self.traced:
                f.line(f"T.append((EV_RULE, {k_rule}, S_APPLIED, True, {result}))")
        with f.block("else:"):
            if self.traced:
                f.line(f"{a}, {rl} = COMBINE_TRACED({k_rule}, {below}, {holds}, {result}, T)")
            else:
                f.line(f"{a}, {rl} = COMBINE({k_rule}, {below}, {holds}, {result})")


def generate(ruleset: model.RuleSet, entity: str, traced: bool = False) -> Generated:
    """The rule set's program for deciding `entity` records one at a time, as source text + constants."""
    return Generator(ruleset, entity, traced).module()
