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
- with `traced=True` the functions also append compact trace events (see `engines.trace_events`).
"""
from __future__ import annotations

from contextlib import contextmanager

import attrs

from interpreter.language import model
from interpreter.language.derived import derived

# Fixed spellings: the only operator and kind texts that can appear in generated source.
_EQUALITY = {"=": "==", "!=": "!="}
_ORDERING = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}
_ARITHMETIC = ("+", "-", "*", "/")
_KLEENE = {"all": "KLEENE_ALL", "any": "KLEENE_ANY"}


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


class Generator:
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
        out += functions
        width = self.width
        out.append("")
        out.append(f"    LOCAL = ({''.join(f'l{i}, ' for i in range(width))})")
        out.append("    OTHERS = {}")
        out.append("")
        out.append("    def OTHER_RECORD(slot, record):")  # a value of a record other than the one decided
        out.append("        memo = OTHERS.get(record.path)")
        out.append("        if memo is None:")
        out.append(f"            memo = OTHERS[record.path] = [UNSET] * {2 * width}")
        out.append("        x = memo[slot]")
        out.append("        if x is UNSET:")
        out.append("            x = LOCAL[slot](record, memo)")
        out.append("        return x")
        out.append("")
        out.append("    def decide(r):")
        out.append(f"        m = [UNSET] * {2 * width}")
        for value in self.ruleset.decisions():
            if value.owner == self.entity.name:
                slot = self.slot[value.id]
                out.append(f"        if m[{slot}] is UNSET:")
                out.append(f"            l{slot}(r, m)")
        out.append("        return m")
        out.append("")
        shared = "".join(f"s{i}, " for i in range(len(self.shared_ids)))
        memos = "".join(f"(M{i}, R{i}), " for i in range(len(self.shared_ids)))
        out.append(f"    return decide, LOCAL, ({shared}), ({memos})")
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
            f.line("T = ENTER(r, " + self.k.name(value) + ")")
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
            head = f"    def l{slot}(r, m):"
        else:
            index = self.index[value.id]
            key = "r.path" if variable else "None"
            f.line(f"M{index}[{key}] = x")
            f.line(f"R{index}[{key}] = rl")
            head = f"    def s{index}(r):"
        if self.traced:
            f.line("EXIT(T, x, rl)")
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
                f.line(f"RULE(T, {k_rule}, OVERRIDDEN)")
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
                f.line(f"OPERAND(T, {self.k.name(rule.condition)}, {holds})")
            with f.block(f"if {holds} is False:"):
                f.line(f"{a}, {rl} = {below}, {below_rules}")
                if self.traced:
                    f.line(f"RULE(T, {k_rule}, NOT_APPLIED, False)")
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
                f.line(f"RULE(T, {k_rule}, APPLIED, True, {result})")
        with f.block("else:"):
            f.line(f"{a}, {rl} = COMBINE({k_rule}, {below}, {holds}, {result}" + (", T)" if self.traced else ")"))

    # ------------------------------------------------------------ expressions

    def expr(self, f: _Function, node) -> str:
        """Emit the statements computing `node`; -> a Python expression (a name) holding its value."""
        return getattr(self, "_" + node.__class__.__name__)(f, node)

    def operand(self, f: _Function, node, name: str) -> str:
        """A boolean operand the explanation shows: recorded when tracing."""
        if self.traced:
            f.line(f"OPERAND(T, {self.k.name(node)}, {name})")
        return name

    def _Const(self, f, node):
        return self.k.name(node.value)

    def _AsOf(self, f, node):
        return "AS_OF"

    def _FactRef(self, f, node):
        fact = self.bound("f", node.name, lambda k: f"GLOBAL_FACT(GLOBALS, {k})")
        if self.traced:
            f.line(f"FACT(T, {self.k.name(node)}, {fact})")
        return fact

    def _Var(self, f, node):
        return f.scope[node.name]

    def _FieldRef(self, f, node):
        subject = self.expr(f, node.subject)
        t, k_field = f.temp(), self.k.name(node.field)
        entity = node.type.kind == "entity"
        if subject == "r":
            f.line(f"{t} = F.get({k_field})")
            inner = False
        elif subject in f.known:
            f.line(f"{t} = {subject}.fields.get({k_field})")
            inner = False
        else:
            f.line(f"if {subject}.__class__ is Unknown:")
            f.line(f"    {t} = {subject}")
            f.line("else:")
            f.depth += 1
            f.line(f"{t} = {subject}.fields.get({k_field})")
            inner = True
        if self.traced:
            f.line(f"FIELD(T, {subject}, {self.k.name(node)}, {t})")
        with f.block(f"if {t} is None:"):
            f.line(f"{t} = MISSING_FIELD({subject}, {k_field})")
        if entity:
            records = self.bound("b", node.type.name, lambda k: f"BY_KEY.get({k}, NO_RECORDS)")
            with f.block("else:"):
                f.line(f"{t} = {records}.get({t})")
        if inner:
            f.depth -= 1
        return t

    def _read_value(self, f, t: str, memo: str, compute: str, child: str, target: str) -> None:
        """`t` = a value read from its memo, computed there first if need be; a failed value fails the reader."""
        f.line(f"{t} = {memo}")
        with f.block(f"if {t} is UNSET:"):
            f.line(f"{t} = {compute}")
        if self.traced:
            f.line(f"CHILD(T, {child})")
        with f.block(f"if {t}.__class__ is Failed:"):
            f.line(f"raise DEPENDENCY({target}, {t}.outcome)")

    def _ValueRef(self, f, node):
        value = self.ruleset.values[node.value_id]
        t = f.temp()
        k_name = self.k.name(value.name)
        if node.subject is None:
            index = self.index[value.id]
            self._read_value(f, t, f"M{index}.get(None, UNSET)", f"s{index}(None)", f"{index}, None", k_name)
            return t
        subject = self.expr(f, node.subject)
        if subject == "r" and f.local and value.owner == self.entity.name:
            slot = self.slot[value.id]
            self._read_value(f, t, f"m[{slot}]", f"l{slot}(r, m)", f"-1 - {slot}, r", f"r.path + '.' + {k_name}")
            return t
        maybe_unknown = subject not in f.known
        if maybe_unknown:
            f.line(f"if {subject}.__class__ is Unknown:")
            f.line(f"    {t} = {subject}")
            f.line("else:")
            f.depth += 1
        target = f"{subject}.path + '.' + {k_name}"
        if value.owner == self.entity.name:  # the record's value, read for another record
            slot = self.slot[value.id]
            self._read_value(f, t, "UNSET", f"OTHER_RECORD({slot}, {subject})", f"-1 - {slot}, {subject}", target)
        else:
            index = self.index[value.id]
            self._read_value(f, t, f"M{index}.get({subject}.path, UNSET)", f"s{index}({subject})",
                             f"{index}, {subject}", target)
        if maybe_unknown:
            f.depth -= 1
        return t

    def _CollectionRef(self, f, node):
        absent = self.k.name(self.ruleset.entities[node.entity].collection)
        return self.bound("c", node.entity, lambda k: f"RECORDS.get({k}, UNKNOWN_ONE({absent}))")

    def _TableRows(self, f, node):
        return self.bound("w", node.table, lambda k: f"tuple(TABLES[{k}].rows)")

    def _table_row(self, f, node) -> tuple[str, str]:
        table = self.ruleset.tables[node.table]
        data = self.bound("d", node.table, lambda k: f"TABLES[{k}]")
        key = self.expr(f, node.key)
        when = "None"
        if table.needs_date:
            when = self.expr(f, node.as_of) if node.as_of is not None else "AS_OF"
        row = f.temp()
        cache = self.bound("q", node.table, lambda k: "{}")  # (key, date) -> row, for text keys
        f.line(f"{row} = {cache}.get(({key}, {when}), UNSET) if {key}.__class__ is str else UNSET")
        with f.block(f"if {row} is UNSET:"):
            f.line(f"{row} = LOOKUP({data}, {cache}, {key}, {when})")
        if self.traced:
            f.line(f"ROW(T, {row})")
        return row, key

    def _TableLookup(self, f, node):
        row, key = self._table_row(f, node)
        with f.block(f"if {row} is None:"):
            f.line(f"raise NO_ROW({self.k.name(node.table)}, {key}, "
                   f"{'True' if self.ruleset.tables[node.table].dated_from else 'False'})")
        return row

    def _TableMembership(self, f, node):
        row, _ = self._table_row(f, node)
        t = f.temp()
        test = "is" if node.negated else "is not"
        f.line(f"{t} = {row} if {row}.__class__ is Unknown else {row} {test} None")
        return self.operand(f, node, t)

    def _RowField(self, f, node):
        row = self.expr(f, node.row)
        t = f.temp()
        with f.block(f"if {row}.__class__ is Unknown:"):
            f.line(f"{t} = {row}")
        with f.block("else:"):
            f.line(f"{t} = {row}.data.get({self.k.name(node.column)})")
            with f.block(f"if {t} is None:"):
                f.line(f"ROW_FIELD({row}, {self.k.name(node.table)}, {self.k.name(node.column)})")
        return t

    def _Not(self, f, node):
        operand = self.expr(f, node.operand)
        t = f.temp()
        f.line(f"{t} = {operand} if {operand}.__class__ is Unknown else not {operand}")
        return self.operand(f, node, t)

    def _Negate(self, f, node):
        operand = self.expr(f, node.operand)
        t = f.temp()
        f.line(f"{t} = {operand} if {operand}.__class__ is Unknown else -{operand}")
        return t

    def _unknown_either(self, f, t: str, left: str, right: str) -> None:
        f.line(f"if {left}.__class__ is Unknown or {right}.__class__ is Unknown:")
        f.line(f"    {t} = unknown_of({left}, {right})")

    def _Binary(self, f, node):
        op = node.op
        if op in ("and", "or"):
            return self._junction(f, node)
        left = self.expr(f, node.left)
        right = self.expr(f, node.right)
        t = f.temp()
        k_op = self.k.name(op)
        self._unknown_either(f, t, left, right)
        if op in _EQUALITY:
            f.line(f"elif {left}.__class__ is Duration and {right}.__class__ is Duration:")
            f.line(f"    {t} = COMPARE({k_op}, {left}, {right})")
            f.line(f"else:")
            f.line(f"    {t} = {left} {_EQUALITY[op]} {right}")
            return self.operand(f, node, t)
        if op in _ORDERING:
            f.line(f"elif {left}.__class__ is Duration or {right}.__class__ is Duration:")
            f.line(f"    {t} = COMPARE({k_op}, {left}, {right})")
            with f.block("else:"):
                with f.block("try:"):
                    f.line(f"{t} = {left} {_ORDERING[op]} {right}")
                with f.block("except TypeError:"):
                    f.line(f"{t} = COMPARE({k_op}, {left}, {right})")
            return self.operand(f, node, t)
        if op not in _ARITHMETIC:
            raise ValueError(f"no code for the operator {op!r}")
        f.line("else:")
        f.line(f"    {t} = ARITHMETIC({k_op}, {left}, {right})")
        return t

    def _junction(self, f, node):
        decisive = "True" if node.op == "or" else "False"
        other = "False" if node.op == "or" else "True"
        left = self.operand(f, node.left, self.expr(f, node.left))
        t = f.temp()
        with f.block(f"if {left} is {decisive}:"):
            f.line(f"{t} = {decisive}")
        with f.block("else:"):
            right = self.operand(f, node.right, self.expr(f, node.right))
            f.line(f"if {right} is {decisive}:")
            f.line(f"    {t} = {decisive}")
            f.line(f"elif {left} is {other} and {right} is {other}:")
            f.line(f"    {t} = {other}")
            f.line("else:")
            f.line(f"    {t} = UNDECISIVE({left}, {right}, {decisive})")
        return self.operand(f, node, t)

    def _SetMembership(self, f, node):
        element = self.expr(f, node.element)
        collection = self.expr(f, node.collection)
        t = f.temp()
        self._unknown_either(f, t, element, collection)
        f.line("else:")
        f.line(f"    {t} = {element} {'not in' if node.negated else 'in'} {collection}")
        return self.operand(f, node, t)

    def _If(self, f, node):
        condition = self.operand(f, node.condition, self.expr(f, node.condition))
        then, otherwise, t = f.temp(), f.temp(), f.temp()
        # Each branch is written once: `then` is needed unless the condition is false, and so on.
        with f.block(f"if {condition} is not False:"):
            f.line(f"{then} = {self.expr(f, node.then)}")
        with f.block(f"if {condition} is not True:"):
            f.line(f"{otherwise} = {self.expr(f, node.otherwise)}")
        f.line(f"if {condition} is True:")
        f.line(f"    {t} = {then}")
        f.line(f"elif {condition} is False:")
        f.line(f"    {t} = {otherwise}")
        f.line("else:")
        f.line(f"    {t} = EITHER({condition}, {then}, {otherwise})")
        return t

    def _AllAnyOf(self, f, node):
        items = [self.operand(f, item, self.expr(f, item)) for item in node.items]
        t = f.temp()
        decisive, other = ("True", "False") if node.kind == "any" else ("False", "True")
        f.line(f"if {' or '.join(f'{item} is {decisive}' for item in items) or 'False'}:")
        f.line(f"    {t} = {decisive}")
        f.line(f"elif {' and '.join(f'{item} is {other}' for item in items) or 'True'}:")
        f.line(f"    {t} = {other}")
        f.line("else:")
        f.line(f"    {t} = {_KLEENE[node.kind]}(({', '.join(items)}{',' if len(items) == 1 else ''}))")
        return self.operand(f, node, t)

    @contextmanager
    def _each(self, f, node, collection: str, t: str, start: str, finish: str):
        """`t` = the collection if it is unknown; else `start`, the body once per element in `_ordered` order
        (with the node's variable bound to it), then `finish`."""
        with f.block(f"if {collection}.__class__ is Unknown:"):
            f.line(f"{t} = {collection}")
        with f.block("else:"):
            f.line(start)
            element = f.temp("e")
            previous = f.scope.get(node.variable.name)
            f.scope[node.variable.name] = element
            f.known.add(element)  # records, rows and the members of a known set are never unknown
            ordered = collection if isinstance(node.collection, (model.CollectionRef, model.TableRows)) \
                else f"ORDERED({collection})"  # records and rows come in order; a set is sorted as `_ordered` does
            with f.block(f"for {element} in {ordered}:"):
                yield element
            f.scope[node.variable.name] = previous
            f.line(finish)

    def _Quantifier(self, f, node):
        collection = self.expr(f, node.collection)
        t, found, others = f.temp(), f.temp(), f.temp()
        decisive, other = ("True", "False") if node.kind == "any" else ("False", "True")
        # every element is evaluated (an error anywhere fails it, as in the interpreter); only the elements
        # that are neither decisive nor the other value are kept, for `_kleene` to name what is missing
        finish = f"{t} = {decisive} if {found} else {other} if not {others} else {_KLEENE[node.kind]}({others})"
        with self._each(f, node, collection, t, f"{found}, {others} = False, []", finish):
            item = self.expr(f, node.condition)
            f.line(f"if {item} is {decisive}:")
            f.line(f"    {found} = True")
            f.line(f"elif {item} is not {other}:")
            f.line(f"    {others}.append({item})")
        return self.operand(f, node, t)

    def _Aggregate(self, f, node):
        collection = self.expr(f, node.collection)
        t, selected, missing = f.temp(), f.temp(), f.temp()
        with self._each(f, node, collection, t, f"{selected}, {missing} = [], NOTHING",
                        f"{t} = FOLD({self.k.name(node)}, {selected}, {missing})") as element:
            if node.where is not None:
                keep = self.expr(f, node.where)
                with f.block(f"if {keep}.__class__ is Unknown:"):
                    f.line(f"{missing} = {missing} | {keep}.missing")
                    f.line("continue")
                with f.block(f"if not {keep}:"):
                    f.line("continue")
            chosen = self.expr(f, node.value) if node.value is not None else element
            f.line(f"{selected}.append({chosen})")
        return t

    def _SetLiteral(self, f, node):
        if all(isinstance(item, model.Const) for item in node.items):  # the same set every time: a constant
            return self.k.name(frozenset(item.value for item in node.items))
        items = [self.expr(f, item) for item in node.items]
        t = f.temp()
        f.line(f"{t} = SET_OF(({', '.join(items)}{',' if len(items) == 1 else ''}))")
        return t

    def _Call(self, f, node):
        args = [self.expr(f, arg) for arg in node.args]
        t = f.temp()
        f.line(f"{t} = CALL({self.k.name(node.function)}, [{', '.join(args)}])")
        return t

    def _Invalid(self, f, node):
        f.line("raise INVALID()")
        return "None"


def generate(ruleset: model.RuleSet, entity: str, traced: bool = False) -> Generated:
    """The rule set's program for deciding `entity` records one at a time, as source text + constants."""
    return Generator(ruleset, entity, traced).module()
