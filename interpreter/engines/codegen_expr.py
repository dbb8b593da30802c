"""Codegen expressions: one model expression node -> the Python statements that compute it (a mixin of `codegen.Generator`).

input <- a node of a checked rule set's model and the function being written (`codegen._Function`);
output -> lines appended to that function and the name holding the node's value. Guarantees: the
evaluation order, the sub-expressions evaluated and the errors raised of `evaluate.Evaluator`; every
name and text of the rule set is emitted as a constant (`self.k.name(...)`), operators and kinds only
through the fixed tables below; with tracing on, the events `engines.compact_trace` describes.
"""
from __future__ import annotations

from contextlib import contextmanager

from interpreter.language import model

# Fixed spellings: the only operator and kind texts that can appear in generated source.
_EQUALITY = {"=": "==", "!=": "!="}
_ORDERING = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}
_ARITHMETIC = ("+", "-", "*", "/")
_KLEENE = {"all": "KLEENE_ALL", "any": "KLEENE_ANY"}


class Expressions:
    def expr(self, f, node) -> str:
        """Emit the statements computing `node`; -> a Python expression (a name) holding its value."""
        return getattr(self, "_" + node.__class__.__name__)(f, node)

    def operand(self, f, node, name: str) -> str:
        """A boolean operand the explanation shows: recorded when tracing."""
        if self.traced:
            f.line(f"T.append((EV_OPERAND, {self.k.name(node)}, {name}))")
        return name

    def _Const(self, f, node):
        return self.k.name(node.value)

    def _AsOf(self, f, node):
        return "AS_OF"

    def _FactRef(self, f, node):
        fact = self.bound("f", node.name, lambda k: f"GLOBAL_FACT(GLOBALS, {k})")
        if self.traced:
            f.line(f"T.append((EV_FACT, {self.k.name(node)}, {fact}))")
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
            f.line(f"T.append((EV_FIELD, {subject}, {self.k.name(node)}, {t}))")
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
            f.line(f"T.append(({child}))")
        with f.block(f"if {t}.__class__ is Failed:"):
            f.line(f"raise DEPENDENCY({target}, {t}.outcome)")

    def _ValueRef(self, f, node):
        value = self.ruleset.values[node.value_id]
        t = f.temp()
        k_name = self.k.name(value.name)
        if node.subject is None:
            index = self.index[value.id]
            self._read_value(f, t, f"M{index}.get(None, UNSET)", f"s{index}(None)", f"EV_SHARED, {index}, None", k_name)
            return t
        subject = self.expr(f, node.subject)
        if subject == "r" and f.local and value.owner == self.entity.name:
            slot = self.slot[value.id]
            self._read_value(f, t, f"m[{slot}]", f"l{slot}(r, m)", f"EV_LOCAL, {slot}, r", f"r.path + '.' + {k_name}")
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
            self._read_value(f, t, "UNSET", f"OTHER_RECORD({slot}, {subject})", f"EV_LOCAL, {slot}, {subject}", target)
        else:
            index = self.index[value.id]
            self._read_value(f, t, f"M{index}.get({subject}.path, UNSET)", f"s{index}({subject})",
                             f"EV_SHARED, {index}, {subject}", target)
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
            f.line(f"T.append((EV_ROW, {row}))")
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
            f.line("else:")
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
        if self.traced:  # as the interpreter: the result is shown only when the collection is known
            finish += f"; T.append((EV_OPERAND, {self.k.name(node)}, {t}))"
        with self._each(f, node, collection, t, f"{found}, {others} = False, []", finish):
            item = self.expr(f, node.condition)
            f.line(f"if {item} is {decisive}:")
            f.line(f"    {found} = True")
            f.line(f"elif {item} is not {other}:")
            f.line(f"    {others}.append({item})")
        return t

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
