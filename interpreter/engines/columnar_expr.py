"""Columnar expressions: one model expression over the record -> a `columns.C` (polars expression,
fallback flag, kind, fixed-point scale, missing mask), for `columnar.ColumnarProgram`.

Guarantee (with the fallback flag false): the expression is null exactly where the interpreter's value
is unknown, its missing mask then names the interpreter's `Unknown.missing`, and otherwise it equals
the interpreter's value; polars `&`/`|` are Kleene like `and`/`or`. Where that cannot be promised the
fallback flag is raised and the row is decided row by row.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from interpreter.engines import missing as M
from interpreter.engines.columns import (
    _DECIMAL_KINDS, INPUT_SCALE, MAX_SCALE, SAFE, C, Unsupported, _dtype, _literal, _or, _pl, _product_kind,
)
from interpreter.engines.escape import escape
from interpreter.engines.lookups import _LookupSite
from interpreter.evaluation.evaluate import _DependencyFailed, _ordered
from interpreter.language import model
from interpreter.language.values import EvaluationError, Unknown


def _beyond(magnitude):
    """Where a fixed-point magnitude (as a float) passes SAFE: row by row; an unknown one is no risk."""
    return (magnitude > SAFE).fill_null(False)


def _listed(field) -> bool:
    """A set of text or enum: also read as a polars list column `fl:<field>` (`convert`)."""
    return field.type.kind == "set" and field.type.element is not None and field.type.element.kind in ("text", "enum")


_SETTLE_EVERY = 4  # levels of nesting between two columns of a deeply nested expression


def _height(node, heights: dict) -> int:
    """How deeply the expression nests below `node` (a leaf is 0), remembered in `heights` by node id
    (the nodes live as long as the program that keeps `heights`)."""
    known = heights.get(id(node))
    if known is None:
        known = heights[id(node)] = 1 + max((_height(child, heights) for child in model.children(node)), default=-1)
    return known


class Expressions:
    """The expression half of `ColumnarProgram` (which provides session, program, entity, sites...)."""

    def depends(self, node, env) -> bool:
        return any(isinstance(n, model.Var) and env.get(n.name) == "record" for n in model.walk(node))

    def expr(self, node, env) -> C:
        if not self.depends(node, env):
            return self.constant(node, env)
        method = getattr(self, "_" + type(node).__name__, None)
        mark = (len(self._stages), len(self._missing_stages), len(self._sites), len(self._values))
        try:
            if method is None:
                raise Unsupported(f"{type(node).__name__} over the record")
            result = method(node, env)
            if result.expr is not None and _height(node, self._heights) % _SETTLE_EVERY == 0:
                # An operand is read several times by the expression above it (a value and its overflow
                # or fallback check, an `if`'s branches): a column every few levels keeps a deeply
                # nested expression linear in its depth instead of exponential.
                result = self._settle(result, f"deep{len(self._stages)}")
            return result
        except Unsupported:
            if len(self._values) == mark[3]:  # nothing another expression reads was added: undo it
                del self._stages[mark[0]:]
                del self._missing_stages[mark[1]:]
                for identity in list(self._sites)[mark[2]:]:
                    del self._sites[identity]
            return escape(self, node, env)

    def constant(self, node, env) -> C:
        pl = _pl()
        try:
            value = self.evaluator.eval(node, {k: v for k, v in env.items() if v != "record"})
        except (EvaluationError, _DependencyFailed):
            return C(pl.lit(None), pl.lit(True), "any", 0, None, False)
        if isinstance(value, Unknown):
            return C(pl.lit(None), None, "any", 0, value, True, mis=self.sites.names(value.missing))
        try:
            return _literal(value)
        except Unsupported:
            return self.interned_literal(value)

    def interned_literal(self, value) -> C:
        """A constant with no native column (a negative or very precise decimal, a duration, a set)."""
        pl = _pl()
        return C(pl.lit(self.interned.id(value), pl.Int64), None, "py", const=value, is_const=True)

    def _Var(self, node, env):
        return C(None, record=True)

    def _FieldRef(self, node, env):
        subject = self.expr(node.subject, env)
        if not subject.record:
            raise Unsupported("a field of something other than the record")
        return self.field_column(self.entity.field(node.field))

    def field_column(self, field) -> C:
        """A field of the record: its typed column (`convert`), unknown where absent."""
        pl = _pl()
        kind = field.type.kind
        column = pl.col(f"f:{field.name}")
        mis = M.where(column.is_null(), self.sites.mask(("field", field.name)))
        if kind in _DECIMAL_KINDS:
            return C(column, None, kind, INPUT_SCALE[kind], mis=mis)
        if kind in ("boolean", "integer", "text", "enum", "date"):
            return C(column, None, kind, mis=mis)
        if _listed(field):  # unknown where the list is absent (its ids are read only where needed)
            items = pl.col(f"fl:{field.name}")
            return C(column, None, "py", mis=M.where(items.is_null(), self.sites.mask(("field", field.name))),
                     items=items)
        return C(column, None, "py", mis=mis)  # durations, sets, entity keys: interned (`convert`)

    def fields_read(self, node, seen=None) -> set | None:
        """The record's fields an expression reads, through the record's values too (None: it
        reads something else of the record)."""
        seen = set() if seen is None else seen
        fields = {self.entity.key}
        for n in model.walk(node):
            if isinstance(n, model.FieldRef) and isinstance(n.subject, model.Var) and n.subject.name == self.variable:
                fields.add(n.field)
            elif isinstance(n, model.ValueRef) and isinstance(n.subject, model.Var) and n.subject.name == self.variable:
                if n.value_id in seen:
                    continue
                seen.add(n.value_id)
                for rule in self.ruleset.values[n.value_id].rules:
                    for part in (rule.condition, rule.consequence):
                        if part is not None:
                            more = self.fields_read(part, seen)
                            if more is None:
                                return None
                            fields |= more
        return fields

    def _ValueRef(self, node, env):
        pl = _pl()
        if node.subject is None:
            raise Unsupported("a global value that depends on the record")
        subject = self.expr(node.subject, env)
        if not subject.record:
            raise Unsupported("a value of another record")
        result = self.value(self.ruleset.values[node.value_id])
        # value_of: decided -> value; undetermined -> unknown; anything else raises.
        reference = self._references[node.value_id]
        return C(pl.col(reference[0]), pl.col(reference[1]), result.val.kind, result.val.scale,
                 mis=self._reference_masks[node.value_id],
                 items=pl.col(reference[0]) if result.val.kind == "list" else None)

    def _Not(self, node, env):
        operand = self.expr(node.operand, env)
        # an unknown constant operand is an untyped null, which polars cannot negate
        return C(~operand.expr.cast(_pl().Boolean), operand.fb, "boolean", mis=operand.mis)

    def _Binary(self, node, env):
        pl = _pl()
        op = node.op
        left, right = self.expr(node.left, env), self.expr(node.right, env)
        if op in ("and", "or"):
            left, right = self._boolean(left), self._boolean(right)
            if op == "and":
                # `right` is evaluated unless `left` is false
                fb = _or(left.fb, (left.expr.fill_null(True) & right.fb) if right.fb is not None else None)
                result = left.expr & right.expr
            else:
                fb = _or(left.fb, ((~left.expr).fill_null(True) & right.fb) if right.fb is not None else None)
                result = left.expr | right.expr
            return C(result, fb, "boolean", mis=M.where(result.is_null(), M.union(left.mis, right.mis)))
        fb = _or(left.fb, right.fb)
        mis = M.union(left.mis, right.mis)
        if op in ("=", "!=", "<", "<=", ">", ">="):
            kinds = {"text" if k == "enum" else k for k in (left.kind, right.kind)} - {"any"}
            if not kinds <= {"integer", "decimal", "money", "rate"} and len(kinds) > 1:
                raise Unsupported(f"comparing {kinds}")
            if kinds & {"boolean", "text", "enum"} and op not in ("=", "!="):
                raise Unsupported("ordering text")
            if not kinds <= {"boolean", "text", "enum", "date", "integer", "money", "decimal", "rate"}:
                raise Unsupported(f"comparing {kinds}")
            a, b = self._align(left, right)
            x, y = a.expr, b.expr
            expr = {"=": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]
            return C(expr, _or(fb, a.fb, b.fb), "boolean", mis=mis)
        if op in ("+", "-"):
            sets = [self._text_set(left), self._text_set(right)]
            if all(x is not None for x in sets) and not (left.is_const and right.is_const):
                both = sets[0].list.set_difference(sets[1]) if op == "-" else sets[0].list.set_union(sets[1])
                result = both.list.unique().list.sort()
                return C(result, fb, "list", mis=mis, items=result)
        numeric = ("integer",) + _DECIMAL_KINDS
        if left.kind == "date" and right.is_const and op in ("+", "-") and right.const is not None:
            return attrs.evolve(self._date_shift(left, right.const, op), mis=mis)
        if left.kind not in numeric or right.kind not in numeric:
            raise Unsupported(f"`{op}` on {left.kind} and {right.kind}")
        if op == "*":
            if left.kind == "integer" and right.kind == "integer":
                kind, scale = "integer", 0
            else:
                kind = _product_kind(left.kind, right.kind)
                scale = left.scale + right.scale
            if scale > MAX_SCALE:
                raise Unsupported("too many decimals")
            big = _beyond(left.expr.cast(pl.Float64).abs() * right.expr.cast(pl.Float64).abs())
            return C(left.expr * right.expr, _or(fb, big), kind, scale, mis=mis)
        if op == "+":
            a, b = self._align(left, right)
            big = _beyond(a.expr.cast(pl.Float64).abs() + b.expr.cast(pl.Float64).abs())
            kind = a.kind if a.kind == b.kind else ("decimal" if "integer" in (a.kind, b.kind) else a.kind)
            return C(a.expr + b.expr, _or(fb, a.fb, b.fb, big), kind, a.scale, mis=mis)
        raise Unsupported(f"`{op}` on numbers")

    def _date_shift(self, left: C, duration, op: str) -> C:
        from interpreter.language.ast import Duration

        if not isinstance(duration, Duration):
            raise Unsupported("date arithmetic")
        amount = duration.amount * (1 if op == "+" else -1)
        unit = {"days": "d", "months": "mo", "years": "y"}[duration.unit]
        shifted = left.expr.dt.offset_by(f"{amount}{unit}")
        far = ((left.expr.dt.year() < 1 + abs(duration.amount)) | (left.expr.dt.year() > 9998 - abs(duration.amount))
               ).fill_null(False)
        return C(shifted, _or(left.fb, far), "date")

    def _SetMembership(self, node, env):
        element = self.expr(node.element, env)
        collection = self.expr(node.collection, env)
        if collection.items is not None and element.kind in ("text", "enum"):
            pl = _pl()
            found = pl.when(element.expr.is_not_null()).then(collection.items.list.contains(element.expr))
            return C(~found if node.negated else found, _or(element.fb, collection.fb), "boolean",
                     mis=M.union(element.mis, collection.mis))
        if not collection.is_const:
            raise Unsupported("membership in a set that depends on the record")
        if isinstance(collection.const, Unknown):
            return C(_pl().lit(None, _pl().Boolean), _or(element.fb, collection.fb), "boolean",
                     mis=M.union(element.mis, collection.mis))
        items = list(collection.const)
        if element.kind not in ("text", "enum", "date", "integer", "boolean") or any(
                isinstance(i, (Decimal, float)) for i in items):
            raise Unsupported("membership of this kind")
        found = element.expr.is_in(sorted(items, key=str))
        return C(~found if node.negated else found, element.fb, "boolean", mis=element.mis)

    def _If(self, node, env):
        pl = _pl()
        condition = self._boolean(self.expr(node.condition, env))
        then, otherwise = self._align(self.expr(node.then, env), self.expr(node.otherwise, env))
        # Each operand is read several times below: without columns of their own, nested `if`s would
        # build expressions exponential in the depth of nesting.
        site = f"if{len(self._stages)}"
        condition = self._settle(condition, f"{site}:condition")
        then = self._settle(then, f"{site}:then")
        otherwise = self._settle(otherwise, f"{site}:otherwise")
        c = condition.expr
        expr = pl.when(c).then(then.expr).when(~c).then(otherwise.expr).otherwise(
            pl.when(then.expr == otherwise.expr).then(then.expr))
        branch_fb = None
        if then.fb is not None or otherwise.fb is not None:
            t = then.fb if then.fb is not None else pl.lit(False)
            o = otherwise.fb if otherwise.fb is not None else pl.lit(False)
            branch_fb = pl.when(c).then(t).when(~c).then(o).otherwise(t | o)
        unknown_branch = M.union(condition.mis, then.mis, otherwise.mis)
        mis = M.where(expr.is_null(), M.choose(c.fill_null(False), then.mis,
                                               M.choose((~c).fill_null(False), otherwise.mis, unknown_branch)))
        return C(expr, _or(condition.fb, branch_fb), then.kind, then.scale, mis=mis)

    def _text_set(self, c: C):
        """A set of text as a polars list expression (a record's set, a computed one, a constant), or None."""
        pl = _pl()
        if c.items is not None:
            return c.items
        if c.is_const and isinstance(c.const, frozenset) and all(isinstance(i, str) for i in c.const):
            return pl.lit(pl.Series(sorted(c.const), dtype=pl.Utf8)).implode()
        return None

    def _boolean(self, c: C) -> C:
        """An operand of `and`, `or`, `not`, `if` as a Boolean column (an unknown constant is an untyped null)."""
        return attrs.evolve(c, expr=c.expr.cast(_pl().Boolean), kind="boolean") if c.kind == "any" else c

    def _AllAnyOf(self, node, env):
        items = [self._boolean(self.expr(item, env)) for item in node.items]
        return self._fold(node.kind, items)

    def _fold(self, kind: str, items: list[C]) -> C:
        pl = _pl()
        if not items:
            return C(pl.lit(kind == "all"), None, "boolean")
        result = items[0].expr
        for item in items[1:]:
            result = (result & item.expr) if kind == "all" else (result | item.expr)
        return C(result, _or(*(i.fb for i in items)), "boolean",
                 mis=M.where(result.is_null(), M.union(*(i.mis for i in items))))

    def _Quantifier(self, node, env):
        collection = self.expr(node.collection, env)
        if not collection.is_const:
            raise Unsupported("a quantifier over a collection that depends on the record")
        if isinstance(collection.const, Unknown):
            return C(_pl().lit(None, _pl().Boolean), collection.fb, "boolean", mis=collection.mis)
        items = [self._boolean(self.expr(node.condition, {**env, node.variable.name: element}))
                 for element in _ordered(collection.const)]
        return self._fold(node.kind, items)

    def _Aggregate(self, node, env):
        """`count` over a shared collection, unrolled (`evaluate._Aggregate` + `fold_aggregate`): an
        unknown `where` makes the count unknown, naming what it misses."""
        pl = _pl()
        collection = self.expr(node.collection, env)
        if node.kind == "count" and node.where is None and collection.items is not None:
            return C(collection.items.list.len().cast(pl.Int64), collection.fb, "integer", mis=collection.mis)
        if node.kind != "count" or not collection.is_const or node.where is None:
            raise Unsupported(f"{node.kind} over a collection that depends on the record")
        if isinstance(collection.const, Unknown):
            return C(pl.lit(None, pl.Int64), collection.fb, "integer", mis=collection.mis)
        where = node.where
        if isinstance(where, model.SetMembership) and not where.negated and isinstance(where.element, model.Var) \
                and where.element.name == node.variable.name and all(isinstance(e, str) for e in collection.const):
            # count x in S where x in <a set of the record>: the size of the intersection
            inner = self.expr(where.collection, env)
            if inner.items is not None:
                shared = pl.lit(pl.Series(sorted(collection.const), dtype=pl.Utf8)).implode()
                return C(inner.items.list.set_intersection(shared).list.len().cast(pl.Int64), inner.fb, "integer",
                         mis=inner.mis)
        keeps = [self._boolean(self.expr(node.where, {**env, node.variable.name: element}))
                 for element in _ordered(collection.const)]
        if not keeps:
            return _literal(0)
        if any(k.is_const and isinstance(k.const, Unknown) and not k.const.missing for k in keeps):
            raise Unsupported("an unknown with nothing missing")  # skipped by the interpreter, not unknown
        count = pl.sum_horizontal([k.expr.fill_null(False).cast(pl.Int64) for k in keeps])
        unknown = pl.any_horizontal([k.expr.is_null() for k in keeps])
        return C(pl.when(~unknown).then(count), _or(*(k.fb for k in keeps)), "integer",
                 mis=M.where(unknown, M.union(*(k.mis for k in keeps))))

    def _TableMembership(self, node, env):
        pl = _pl()
        site = self._site(node, env)
        found = pl.col(site.idx).is_not_null()
        return C(pl.when(site.found).then(~found if node.negated else found), site.fb, "boolean", mis=site.mis)

    def _RowField(self, node, env):
        pl = _pl()
        if not isinstance(node.row, model.TableLookup):
            raise Unsupported("a table row other than a lookup")
        site = self._site(node.row, env)
        column = site.table.table.column(node.column)
        kind = column.type.kind
        if kind not in ("boolean", "integer", "text", "enum", "date") + _DECIMAL_KINDS:
            raise Unsupported(f"table column `{node.column}` is {column.type.article}")
        name, scale = site.column(node.column, kind)
        value = pl.col(name)
        # The interpreter raises where there is no row, or no value in the column.
        failed = site.found & value.is_null()
        return C(pl.when(site.found).then(value), _or(site.fb, failed), kind, scale, mis=site.mis)

    def _site(self, node, env) -> "_LookupSite":
        pl = _pl()
        key = self.expr(node.key, env)
        if key.kind not in ("text", "enum", "any"):
            raise Unsupported("a table key that is not text")
        if not self.session.program.tables[node.table].table.needs_date:
            when = _literal(dt.date(1, 1, 1))  # an undated table never needs a date: any will do
        elif node.as_of is not None:
            when = self.expr(node.as_of, env)
        else:
            value = self.session.as_of_value
            when = C(pl.lit(None, pl.Date), None, "date", const=value, is_const=True,
                     mis=self.sites.names(value.missing)) if isinstance(value, Unknown) else _literal(value)
        identity = (node.table, str(key.expr), str(when.expr))
        site = self._sites.get(identity)
        if site is None:
            number = len(self._sites)
            site = self._sites[identity] = _LookupSite(number, self.session.program.tables[node.table], key, when)
            site.mis = M.union(M.where(site.unknown_here, self.sites.mask(("column", site.text))),
                               M.union(key.mis, when.mis))
            self._stages.append(site)
        return site

    def _Call(self, node, env):
        pl = _pl()
        name = node.function
        if not name.startswith("round_") or len(node.args) != 2:
            raise Unsupported(f"function {name}")
        value = self.expr(node.args[0], env)
        places = self.expr(node.args[1], env)
        if not places.is_const or not isinstance(places.const, int) or places.const < 0:
            raise Unsupported("rounding to a varying number of places")
        if value.kind not in ("integer",) + _DECIMAL_KINDS:
            raise Unsupported("rounding this kind")
        p = places.const
        kind = "decimal" if value.kind == "integer" else value.kind
        x = value.expr
        if value.scale <= p:
            factor = 10 ** (p - value.scale)
            big = _beyond(x.cast(pl.Float64).abs() * factor)
            return C(x * factor, _or(value.fb, big), kind, p, mis=value.mis)
        d = 10 ** (value.scale - p)
        magnitude = x.abs()
        q, r = magnitude // d, magnitude % d
        if name == "round_half_up":
            rounded = q + (2 * r >= d).cast(pl.Int64)
        elif name == "round_half_even":
            rounded = q + ((2 * r > d) | ((2 * r == d) & (q % 2 == 1))).cast(pl.Int64)
        elif name == "round_down":
            rounded = q
        elif name == "round_up":
            rounded = q + (r > 0).cast(pl.Int64)
        else:
            raise Unsupported(f"function {name}")
        signed = pl.when(x < 0).then(-rounded).otherwise(rounded)
        # Negative zero (-0.00) prints differently: decide those rows row by row.
        return C(signed, _or(value.fb, ((x < 0) & (rounded == 0)).fill_null(False)), kind, p, mis=value.mis)

    def _align(self, a: C, b: C) -> tuple[C, C]:
        """Bring two decimals to one scale (an integer is a decimal of scale 0); a native value
        meeting an interned one is interned too."""
        pl = _pl()
        if "list" in (a.kind, b.kind) and a.kind != b.kind and "any" not in (a.kind, b.kind):
            raise Unsupported("a set computed by polars meeting another value")
        if (a.kind == "py") != (b.kind == "py") and "any" not in (a.kind, b.kind):
            return (a, self.box(b)) if a.kind == "py" else (self.box(a), b)
        numeric = ("integer",) + _DECIMAL_KINDS
        if a.kind == "any" and b.kind != "any":
            a = attrs.evolve(a, expr=a.expr.cast(_dtype(b.kind)) if a.is_const else a.expr, kind=b.kind, scale=b.scale)
        if b.kind == "any" and a.kind != "any":
            b = attrs.evolve(b, expr=b.expr.cast(_dtype(a.kind)) if b.is_const else b.expr, kind=a.kind, scale=a.scale)
        if a.kind in numeric and b.kind in numeric and a.scale != b.scale:
            if a.scale < b.scale:
                factor = 10 ** (b.scale - a.scale)
                a = attrs.evolve(a, expr=a.expr * factor, scale=b.scale,
                                 fb=_or(a.fb, _beyond(a.expr.cast(pl.Float64).abs() * factor)))
            else:
                factor = 10 ** (a.scale - b.scale)
                b = attrs.evolve(b, expr=b.expr * factor, scale=a.scale,
                                 fb=_or(b.fb, _beyond(b.expr.cast(pl.Float64).abs() * factor)))
        return a, b
