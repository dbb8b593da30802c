"""Check: RuleSet -> static diagnostics (types, dependency cycles, exception cycles).

Guarantees on a rule set with no error diagnostics: every rule's value has its
value's declared type and every condition is boolean; every operator is applied to
operand types it is defined for; no value depends on itself (so evaluation always
terminates); `exception to` relations form a forest.
"""
from __future__ import annotations

from interpreter.language import model
from interpreter.language import types as T
from interpreter.language.diagnostics import Diagnostic, Related, error, warning
from interpreter.language.infer import Declarations, infer
from interpreter.language.units import DurationFamilies, mixed_hint, number_hint, unread


class _Checker:
    def __init__(self, ruleset: model.RuleSet):
        self.ruleset = ruleset
        self.decls = Declarations(
            ruleset.entities, ruleset.tables, {vid: v.type for vid, v in ruleset.values.items()}
        )
        self.diagnostics: list[Diagnostic] = []
        self.families = DurationFamilies(ruleset)

    def report(self, code, message, span, **kwargs):
        self.diagnostics.append(error(code, message, span, **kwargs))

    def type_of(self, node) -> T.Type:
        return infer(node, self.decls)

    # ------------------------------------------------------------ rules

    def check_rules(self) -> None:
        for value in self.ruleset.values.values():
            if value.is_deadline and value.type not in (T.DATE, T.set_of(T.DATE)):
                self.report("E308", f"deadline `{value.id}` must be a date or a set of dates, not {value.type.article}",
                            value.span, suggestions=("declare it `value` or `decision` instead",))
            for rule in value.rules:
                actual = self.expression(rule.consequence)
                if not T.compatible(value.type, actual):
                    self.report(
                        "E300",
                        f"rule `{rule.label}` gives `{value.id}` {actual.article}, but it is declared {value.type.article}",
                        rule.consequence.span,
                        related=(Related(value.span, "declared here"),) if value.span else (),
                    )
                if rule.condition is not None:
                    self.expect_boolean(rule.condition, "a `when` condition")

    def expect_boolean(self, node, what: str) -> None:
        actual = self.expression(node)
        if not T.compatible(T.BOOLEAN, actual):
            self.report("E301", f"{what} must be true or false, but this is {actual.article}", node.span)

    def expression(self, node) -> T.Type:
        """Check `node` and its children; return its type."""
        method = getattr(self, "_" + type(node).__name__, None)
        if method is not None:
            method(node)
        else:
            for child in model.children(node):
                self.expression(child)
        return self.type_of(node)

    def _Binary(self, node: model.Binary) -> None:
        left, right = self.expression(node.left), self.expression(node.right)
        if node.op in ("and", "or"):
            for side, kind in ((node.left, left), (node.right, right)):
                if not T.compatible(T.BOOLEAN, kind):
                    self.report("E302", f"`{node.op}` joins true/false conditions, but this is {kind.article}", side.span)
        elif node.op in ("=", "!=", "<", "<=", ">", ">=") and not T.comparable(left, right):
            literal = node.right if isinstance(node.right, model.Const) else node.left
            self.report("E303", f"cannot compare {left.article} with {right.article}", node.span,
                        suggestions=number_hint(left, right, literal))
        elif left.kind == right.kind == "duration" and node.op in ("=", "!=", "<", "<=", ">", ">=", "+", "-") \
                and None not in (families := (self.families.of(node.left), self.families.of(node.right))) \
                and families[0] != families[1]:
            self.report("E310", f"`{node.op}` mixes a duration in days with one in months or years, which differ in "
                                "length", node.span, suggestions=mixed_hint(node.op))
        elif node.op in ("=", "!="):
            pass
        elif node.op in ("<", "<=", ">", ">="):
            if left.kind not in ("integer", "decimal", "money", "rate", "date", "duration", "any"):
                self.report("E303", f"{left.article} has no order; `{node.op}` needs numbers, money, rates, dates or durations",
                            node.span)
        elif T.arithmetic_result(node.op, left, right) is None:
            hint = ()
            if {left.kind, right.kind} == {"date", "integer"}:
                hint = ("write a duration such as `90 days`",)
            self.report("E302", f"`{node.op}` is not defined between {left.article} and {right.article}", node.span,
                        suggestions=hint)

    def _Not(self, node: model.Not) -> None:
        self.expect_boolean(node.operand, "`not` takes a condition that")

    def _Negate(self, node: model.Negate) -> None:
        kind = self.expression(node.operand)
        if kind.kind not in T.NUMERIC + ("any",):
            self.report("E302", f"cannot negate {kind.article}", node.span)

    def _If(self, node: model.If) -> None:
        self.expect_boolean(node.condition, "an `if` condition")
        then, otherwise = self.expression(node.then), self.expression(node.otherwise)
        if not (T.compatible(then, otherwise) or T.compatible(otherwise, then)):
            self.report("E305", f"the branches of this `if` differ: {then} and {otherwise}", node.span)

    def _AllAnyOf(self, node: model.AllAnyOf) -> None:
        for item in node.items:
            self.expect_boolean(item, f"each item of `{node.kind} of`")

    def _Quantifier(self, node: model.Quantifier) -> None:
        self.expression(node.collection)
        self.expect_boolean(node.condition, f"the condition of `{node.kind}`")

    def _Aggregate(self, node: model.Aggregate) -> None:
        self.expression(node.collection)
        if node.where is not None:
            self.expect_boolean(node.where, "a `where` filter")
        if node.value is not None:
            kind = self.expression(node.value)
            if node.kind == "sum" and kind.kind not in T.NUMERIC + ("duration", "any"):
                self.report("E306", f"cannot sum values of type {kind}", node.value.span)
            if node.kind in ("min", "max") and kind.kind not in T.NUMERIC + ("date", "duration", "any"):
                self.report("E306", f"{node.kind} needs numbers, money, rates, dates or durations, not {kind}", node.value.span)

    def _SetLiteral(self, node: model.SetLiteral) -> None:
        kinds = [self.expression(item) for item in node.items]
        for item, kind in zip(node.items[1:], kinds[1:]):
            if not T.comparable(kinds[0], kind):
                self.report("E304", f"a set holds one type: {kinds[0]} and {kind} are mixed here", item.span)

    def _SetMembership(self, node: model.SetMembership) -> None:
        element, collection = self.expression(node.element), self.expression(node.collection)
        if collection.kind not in ("set", "any"):
            self.report("E304", f"`in` needs a set or collection on its right, but this is {collection.article}",
                        node.collection.span)
        elif collection.kind == "set" and not T.comparable(element, collection.element):
            self.report("E304", f"{element.article} can never be in a set of {collection.element}", node.span)

    def _table_key(self, table_name: str, key, as_of) -> None:
        table = self.ruleset.tables[table_name]
        key_type = self.expression(key)
        column = table.column(table.key)
        if column is not None and not T.comparable(column.type, key_type):
            self.report("E304", f"table `{table.name}` is keyed by {column.type}, not {key_type}", key.span)
        if as_of is not None:
            if not T.compatible(T.DATE, self.expression(as_of)):
                self.report("E307", "`as of` takes a date", as_of.span)
            if not table.needs_date:
                self.report("E307", f"table `{table.name}` is not dated, so `as of` has no meaning for it", as_of.span,
                            suggestions=("declare it `dated COLUMN` to give rows an effective date, or "
                                         "`valid from DATE through DATE` for the period its data is valid for",))

    def _TableRows(self, node: model.TableRows) -> None:
        table = self.ruleset.tables[node.table]
        if not table.complete:
            self.report("E309", f"table `{table.name}` is partial, so ranging over its rows would count only the rows "
                                "it happens to list", node.span,
                        suggestions=(f"declare it `complete` if it lists every row (`table {table.name} ... complete:`)",))

    def _TableLookup(self, node: model.TableLookup) -> None:
        self._table_key(node.table, node.key, node.as_of)

    def _TableMembership(self, node: model.TableMembership) -> None:
        self._table_key(node.table, node.key, node.as_of)

    def _Call(self, node: model.Call) -> None:
        parameter_kinds = T.parameter_kinds(node.function, len(node.args)) or ()
        for arg, expected in zip(node.args, parameter_kinds):
            kind = self.expression(arg)
            if kind == T.ANY:
                continue
            if expected == "number":
                ok = kind.kind in T.NUMERIC
            else:
                ok = T.compatible(T.Type(expected), kind)
            if not ok:
                self.report("E306", f"`{node.function}` expects {'a number' if expected == 'number' else 'a ' + expected} here, "
                                    f"not {kind.article}", arg.span)

    # ------------------------------------------------------------ cycles

    def check_cycles(self) -> None:
        graph: dict[str, list[tuple[str, object]]] = {}
        for value in self.ruleset.values.values():
            graph[value.id] = [(node.value_id, node.span) for node in model.rule_expressions(value)
                               if isinstance(node, model.ValueRef)]
        state: dict[str, int] = {}
        stack: list[tuple[str, object]] = []
        reported: set[frozenset] = set()

        def visit(vid: str) -> None:
            # Iterative enough for real rule sets; depth is bounded by the number of values.
            state[vid] = 1
            for target, span in graph.get(vid, ()):
                stack.append((vid, span))
                if state.get(target) == 1:
                    start = next(i for i, (v, _) in enumerate(stack) if v == target)
                    cycle = stack[start:]
                    key = frozenset(v for v, _ in cycle)
                    if key not in reported:
                        reported.add(key)
                        self.report_cycle(cycle, target)
                elif target not in state:
                    visit(target)
                stack.pop()
            state[vid] = 2

        for vid in graph:
            if vid not in state:
                visit(vid)

    def report_cycle(self, cycle, back_to: str) -> None:
        values = self.ruleset.values
        names = [v for v, _ in cycle] + [back_to]
        path = " -> ".join(f"`{n}` ({values[n].citation.short})" for n in names)
        related = tuple(Related(span, f"`{v}` reads `{names[i + 1]}` here") for i, (v, span) in enumerate(cycle) if span)
        self.report("E320", f"dependency cycle: {path}", cycle[0][1], related=related[1:],
                    suggestions=("a value cannot depend on itself; break the loop with a fact or a separate value",))

    def check_dependency_depth(self) -> None:
        """Evaluation recurses once per value in a chain; keep chains within a safe bound."""
        depth: dict[str, int] = {}
        reads = {vid: {n.value_id for n in model.rule_expressions(v) if isinstance(n, model.ValueRef)}
                 for vid, v in self.ruleset.values.items()}
        for start in reads:
            stack = [(start, False)]
            while stack:  # iterative post-order: the graph is acyclic here
                vid, expanded = stack.pop()
                if vid in depth:
                    continue
                if expanded:
                    depth[vid] = 1 + max((depth[r] for r in reads[vid]), default=0)
                    continue
                stack.append((vid, True))
                stack.extend((r, False) for r in reads[vid] if r not in depth)
        for vid, d in depth.items():
            if d > MAX_DEPENDENCY_DEPTH:
                value = self.ruleset.values[vid]
                self.report("E321", f"`{vid}` sits on a chain of {d} values that depend on each other; "
                                    f"the limit is {MAX_DEPENDENCY_DEPTH}", value.span,
                            suggestions=("compute the chain with an aggregate (sum, count, min, max) over a collection",))
                return

    def check_exception_cycles(self) -> None:
        rules = self.ruleset.rules
        for label, rule in rules.items():
            seen = [label]
            current = rule.exception_to
            while current is not None and current in rules:
                if current in seen:
                    if current == label:
                        chain = " -> ".join(seen + [current])
                        self.report("E242", f"exceptions go round in a circle: {chain}", rule.exception_span or rule.span)
                    break
                seen.append(current)
                current = rules[current].exception_to


MAX_DEPENDENCY_DEPTH = 400


def check(ruleset: model.RuleSet) -> list[Diagnostic]:
    """Stage 3: static checks over a resolved rule set."""
    checker = _Checker(ruleset)
    checker.check_rules()
    checker.check_cycles()
    if not checker.diagnostics:
        checker.check_dependency_depth()
    checker.check_exception_cycles()
    return checker.diagnostics


def unread_warnings(ruleset: model.RuleSet) -> list[Diagnostic]:
    """`rules check` only (not every load): facts and values nothing reads (W311, W312)."""
    return [warning(code, message, declaration.span, suggestions=(
        "declare it `decision` to report it, or remove it",) if code == "W312" else ("remove it, or use it in a rule",))
            for code, declaration, message in unread(ruleset)]
