"""Columnar: the compiled rule set vectorised over a chunk of records with polars expressions.

input <- a `compile.Session` (rule set, tables and shared facts bound) and chunks of raw records
from `batch`; output -> the same output table `batch.job.Job.assemble` builds row by row, for a whole
chunk at once.

How it stays exact. Every expression of the entity's decisions becomes a polars expression
paired with a *fallback flag*. Invariant: on a row whose flag is false, the expression is null
exactly when the interpreter's value is unknown, and otherwise equals it (polars `&`/`|` are
Kleene like `and`/`or`); the flag is raised wherever the interpreter could raise an error
(a failed table lookup, a dependency in error), wherever a rule's result is undetermined or in
conflict, and wherever the vectorised form cannot promise the exact value (a number too large for
64-bit fixed point, a value that came in with more decimals than the fixed scale). Rows whose
flag is raised on any decision, and rows whose input could not be converted by the vectorised
readers, are decided again row by row by the compiled closures (`compile`), which are the exact
reference; so are undetermined rows, whose missing facts only the row-wise path lists.

- Sub-expressions that do not depend on the record (global values, `as_of`, values of other
  entities' records, e.g. `member.agreement_in_force`) are computed once with the closures and
  enter as literals; a quantifier over a shared collection is unrolled over its records.
- Decimals (money, rates) are 64-bit integers with a static scale; products add scales, rounding
  is integer arithmetic with the rule's rounding mode, so results are exact, not floats.
- Table lookups run `TableData.find` once per distinct (key, date) in the chunk.
- A decision that uses a construct not covered here (division, durations, sets of values,
  aggregates over the record, ...) makes the whole rule set run row by row
  (`ColumnarProgram.unsupported` says why); nothing is approximated.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from interpreter.engines.columns import (
    _DECIMAL_KINDS, _KINDS, INPUT_SCALE, MAX_SCALE, SAFE, C, R, Unsupported, _convert_column, _dtype, _format, _literal,
    _or, _pl, _product_kind,
)
from interpreter.engines.lookups import _LookupSite
from interpreter.evaluation.evaluate import _DependencyFailed, _ordered
from interpreter.language import model
from interpreter.language.values import EvaluationError, Unknown


class ColumnarProgram:
    def __init__(self, session):
        self.session = session
        self.program = session.program
        self.ruleset = self.program.ruleset
        self.entity = self.program.entity
        self.variable = self.entity.variable
        self.unsupported: str | None = None
        self._values: dict[str, R] = {}
        self._stages: list = []  # in dependency order: columns to add, or table lookups (frame -> frame)
        self._sites: dict = {}
        self._output_exprs = None
        self._references: dict[str, tuple[str, str]] = {}
        self._decisions: list[tuple[model.Value, R]] = []
        try:
            for value in self.program.decisions:
                self._decisions.append((value, self.value(value)))
                self._output_check(value)
        except Unsupported as reason:
            self.unsupported = str(reason)

    # ------------------------------------------------------------ values and rules

    def value(self, value: model.Value) -> R:
        known = self._values.get(value.id)
        if known is not None:
            return known
        if value.owner != self.entity.name:
            raise Unsupported(f"`{value.id}` is not a value of the record")
        order = self.program.rule_order
        if any(order[r.label] >= 62 for r in value.rules):
            raise Unsupported(f"`{value.id}` has too many rules")
        env = {self.variable: "record"}
        result = self._siblings([self._tree(rule, env) for rule in self.program.roots(value)], value)
        # Materialise the value as columns, so that expressions reading it stay small.
        pl = _pl()
        names = {part: f"{part}:{value.id}" for part in ("app", "val", "mask", "fb")}
        stage = [result.app.alias(names["app"]), result.val.expr.alias(names["val"]), result.mask.alias(names["mask"])]
        if result.fb is not None:
            stage.append(result.fb.alias(names["fb"]))
        self._stages.append(stage)
        # what another expression reads (`Evaluator.value_of`): the value where decided, and a flag
        # where it is not (undetermined, not applicable, error) or unsure
        reference = (f"ref:{value.id}", f"reffb:{value.id}")
        self._stages.append([pl.when(pl.col(names["app"])).then(pl.col(names["val"])).alias(reference[0]),
                             _or(pl.col(names["fb"]) if result.fb is not None else None,
                                 ~pl.col(names["app"])).alias(reference[1])])
        self._references[value.id] = reference
        result = R(pl.col(names["app"]), attrs.evolve(result.val, expr=pl.col(names["val"])), pl.col(names["mask"]),
                   pl.col(names["fb"]) if result.fb is not None else None)
        self._values[value.id] = result
        return result

    def _tree(self, rule: model.Rule, env) -> R:
        pl = _pl()
        below_results = [self._tree(r, env) for r in self.program.exceptions(rule)]
        value = self.ruleset.values[rule.value_id]
        below = self._siblings(below_results, value) if below_results else None
        consequence = self.expr(rule.consequence, env)
        self._check_kind(value, consequence)
        bit = pl.lit(1 << self.program.rule_order[rule.label], pl.Int64)
        # Undetermined (condition unknown, or consequence unknown while it applies), or an error
        # in what was evaluated -> row by row. Terms that cannot hold are left out.
        consequence_terms = [consequence.fb]
        if not (consequence.is_const and consequence.const is not None and not isinstance(consequence.const, Unknown)):
            consequence_terms.append(consequence.expr.is_null())
        consequence_fb = _or(*consequence_terms)
        if rule.condition is None:
            holds = applies = pl.lit(True)
            own_fb = consequence_fb
        else:
            condition = self.expr(rule.condition, env)
            holds = condition.expr
            applies = holds.fill_null(False)
            own_fb = _or(condition.fb, holds.is_null(), (applies & consequence_fb) if consequence_fb is not None else None)
        if below is None:
            return R(applies, consequence, pl.when(applies).then(bit).otherwise(pl.lit(0, pl.Int64)), own_fb)
        val = self._align(below.val, consequence)
        fb = _or(below.fb, (~below.app) & own_fb if own_fb is not None else None)
        return R(below.app | applies,
                 C(pl.when(below.app).then(val[0].expr).otherwise(val[1].expr), None, val[0].kind, val[0].scale),
                 pl.when(below.app).then(below.mask).when(applies).then(bit).otherwise(pl.lit(0, pl.Int64)),
                 fb)

    def _siblings(self, results: list[R], value) -> R:
        pl = _pl()
        if not results:
            raise Unsupported(f"`{value.id}` has no rules")
        acc = results[0]
        for other in results[1:]:
            left, right = self._align(acc.val, other.val)
            both = acc.app & other.app
            conflict = (both & (left.expr != right.expr)).fill_null(True)
            acc = R(acc.app | other.app,
                    C(pl.when(acc.app).then(left.expr).otherwise(right.expr), None, left.kind, left.scale),
                    pl.when(both).then(acc.mask | other.mask).when(acc.app).then(acc.mask).otherwise(other.mask),
                    _or(acc.fb, other.fb, conflict))
        return acc

    def _check_kind(self, value: model.Value, c: C) -> None:
        kind = value.type.kind
        if kind not in ("boolean", "integer", "text", "enum", "date") + _DECIMAL_KINDS:
            raise Unsupported(f"`{value.id}` is {value.type.article}")

    def _output_check(self, value: model.Value) -> None:
        if value.type.kind in _DECIMAL_KINDS and self._values[value.id].val.scale > MAX_SCALE:
            raise Unsupported(f"`{value.id}`: too many decimals")

    # ------------------------------------------------------------ expressions

    def depends(self, node, env) -> bool:
        return any(isinstance(n, model.Var) and env.get(n.name) == "record" for n in model.walk(node))

    def expr(self, node, env) -> C:
        if not self.depends(node, env):
            return self.constant(node, env)
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise Unsupported(f"{type(node).__name__} over the record")
        return method(node, env)

    def constant(self, node, env) -> C:
        pl = _pl()
        closure = self.program.expr(node)
        try:
            value = closure({k: v for k, v in env.items() if v != "record"}, self.session)
        except (EvaluationError, _DependencyFailed):
            return C(pl.lit(None), pl.lit(True), "any", 0, None, False)
        if isinstance(value, Unknown):
            return C(pl.lit(None), None, "any", 0, value, True)
        return _literal(value)

    def _Var(self, node, env):
        return C(None, record=True)

    def _FieldRef(self, node, env):
        pl = _pl()
        subject = self.expr(node.subject, env)
        if not subject.record:
            raise Unsupported("a field of something other than the record")
        field = self.entity.field(node.field)
        kind = field.type.kind
        if kind in _DECIMAL_KINDS:
            return C(pl.col(f"f:{node.field}"), None, kind, INPUT_SCALE[kind])
        if kind in ("boolean", "integer", "text", "enum", "date"):
            return C(pl.col(f"f:{node.field}"), None, kind)
        raise Unsupported(f"field `{node.field}` is {field.type.article}")

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
        return C(pl.col(reference[0]), pl.col(reference[1]), result.val.kind, result.val.scale)

    def _Not(self, node, env):
        operand = self.expr(node.operand, env)
        # an unknown constant operand is an untyped null, which polars cannot negate
        return C(~operand.expr.cast(_pl().Boolean), operand.fb, "boolean")

    def _Binary(self, node, env):
        pl = _pl()
        op = node.op
        left, right = self.expr(node.left, env), self.expr(node.right, env)
        if op in ("and", "or"):
            if op == "and":
                # `right` is evaluated unless `left` is false
                fb = _or(left.fb, (left.expr.fill_null(True) & right.fb) if right.fb is not None else None)
                return C(left.expr & right.expr, fb, "boolean")
            fb = _or(left.fb, ((~left.expr).fill_null(True) & right.fb) if right.fb is not None else None)
            return C(left.expr | right.expr, fb, "boolean")
        fb = _or(left.fb, right.fb)
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
            return C(expr, _or(fb, a.fb, b.fb), "boolean")
        numeric = ("integer",) + _DECIMAL_KINDS
        if left.kind == "date" and right.is_const and op in ("+", "-") and right.const is not None:
            return self._date_shift(left, right.const, op)
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
            big = (left.expr.cast(pl.Float64).abs() * right.expr.cast(pl.Float64).abs()) > SAFE
            return C(left.expr * right.expr, _or(fb, big), kind, scale)
        if op == "+":
            a, b = self._align(left, right)
            big = (a.expr.cast(pl.Float64).abs() + b.expr.cast(pl.Float64).abs()) > SAFE
            kind = a.kind if a.kind == b.kind else ("decimal" if "integer" in (a.kind, b.kind) else a.kind)
            return C(a.expr + b.expr, _or(fb, a.fb, b.fb, big), kind, a.scale)
        raise Unsupported(f"`{op}` on numbers")

    def _date_shift(self, left: C, duration, op: str) -> C:
        from interpreter.language.ast import Duration

        if not isinstance(duration, Duration):
            raise Unsupported("date arithmetic")
        amount = duration.amount * (1 if op == "+" else -1)
        unit = {"days": "d", "months": "mo", "years": "y"}[duration.unit]
        shifted = left.expr.dt.offset_by(f"{amount}{unit}")
        far = (left.expr.dt.year() < 1 + abs(duration.amount)) | (left.expr.dt.year() > 9998 - abs(duration.amount))
        return C(shifted, _or(left.fb, far), "date")

    def _SetMembership(self, node, env):
        element = self.expr(node.element, env)
        collection = self.expr(node.collection, env)
        if not collection.is_const:
            raise Unsupported("membership in a set that depends on the record")
        if isinstance(collection.const, Unknown):
            return C(_pl().lit(None, _pl().Boolean), _or(element.fb, collection.fb), "boolean")
        items = list(collection.const)
        if element.kind not in ("text", "enum", "date", "integer", "boolean") or any(
                isinstance(i, (Decimal, float)) for i in items):
            raise Unsupported("membership of this kind")
        found = element.expr.is_in(sorted(items, key=str))
        return C(~found if node.negated else found, element.fb, "boolean")

    def _If(self, node, env):
        pl = _pl()
        condition = self.expr(node.condition, env)
        then, otherwise = self._align(self.expr(node.then, env), self.expr(node.otherwise, env))
        c = condition.expr
        expr = pl.when(c).then(then.expr).when(~c).then(otherwise.expr).otherwise(
            pl.when(then.expr == otherwise.expr).then(then.expr))
        branch_fb = None
        if then.fb is not None or otherwise.fb is not None:
            t = then.fb if then.fb is not None else pl.lit(False)
            o = otherwise.fb if otherwise.fb is not None else pl.lit(False)
            branch_fb = pl.when(c).then(t).when(~c).then(o).otherwise(t | o)
        return C(expr, _or(condition.fb, branch_fb), then.kind, then.scale)

    def _AllAnyOf(self, node, env):
        items = [self.expr(item, env) for item in node.items]
        return self._fold(node.kind, items)

    def _fold(self, kind: str, items: list[C]) -> C:
        pl = _pl()
        if not items:
            return C(pl.lit(kind == "all"), None, "boolean")
        result = items[0].expr
        for item in items[1:]:
            result = (result & item.expr) if kind == "all" else (result | item.expr)
        return C(result, _or(*(i.fb for i in items)), "boolean")

    def _Quantifier(self, node, env):
        collection = self.expr(node.collection, env)
        if not collection.is_const:
            raise Unsupported("a quantifier over a collection that depends on the record")
        if isinstance(collection.const, Unknown):
            return C(_pl().lit(None, _pl().Boolean), collection.fb, "boolean")
        items = [self.expr(node.condition, {**env, node.variable.name: element})
                 for element in _ordered(collection.const)]
        return self._fold(node.kind, items)

    def _TableMembership(self, node, env):
        pl = _pl()
        site = self._site(node, env)
        found = pl.col(site.idx).is_not_null()
        return C(pl.when(site.known).then(~found if node.negated else found), site.fb, "boolean")

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
        failed = site.known & value.is_null()
        return C(pl.when(site.known).then(value), _or(site.fb, failed), kind, scale)

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
            when = C(pl.lit(None, pl.Date), None, "date", const=value, is_const=True) if isinstance(value, Unknown) \
                else _literal(value)
        identity = (node.table, str(key.expr), str(when.expr))
        site = self._sites.get(identity)
        if site is None:
            site = self._sites[identity] = _LookupSite(len(self._sites), self.session.program.tables[node.table], key, when)
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
            big = x.cast(pl.Float64).abs() * factor > SAFE
            return C(x * factor, _or(value.fb, big), kind, p)
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
        return C(signed, _or(value.fb, (x < 0) & (rounded == 0)), kind, p)

    def _align(self, a: C, b: C) -> tuple[C, C]:
        """Bring two decimals to one scale (an integer is a decimal of scale 0)."""
        pl = _pl()
        numeric = ("integer",) + _DECIMAL_KINDS
        if a.kind == "any" and b.kind != "any":
            a = attrs.evolve(a, expr=a.expr.cast(_dtype(b.kind)) if a.is_const else a.expr, kind=b.kind, scale=b.scale)
        if b.kind == "any" and a.kind != "any":
            b = attrs.evolve(b, expr=b.expr.cast(_dtype(a.kind)) if b.is_const else b.expr, kind=a.kind, scale=a.scale)
        if a.kind in numeric and b.kind in numeric and a.scale != b.scale:
            if a.scale < b.scale:
                factor = 10 ** (b.scale - a.scale)
                a = attrs.evolve(a, expr=a.expr * factor, scale=b.scale,
                                 fb=_or(a.fb, a.expr.cast(pl.Float64).abs() * factor > SAFE))
            else:
                factor = 10 ** (a.scale - b.scale)
                b = attrs.evolve(b, expr=b.expr * factor, scale=a.scale,
                                 fb=_or(b.fb, b.expr.cast(pl.Float64).abs() * factor > SAFE))
        return a, b

    # ------------------------------------------------------------ chunks

    def _outputs(self, job) -> list:
        """The output columns of a chunk as expressions (plus `__fallback`), built once."""
        if self._output_exprs is not None:
            return self._output_exprs
        pl = _pl()
        key = f"f:{self.entity.key}"
        exprs = [pl.col(key).cast(pl.Utf8).alias(job.entity.key)]
        fallbacks = [pl.col("__rowwise")]
        for value, result in self._decisions:
            name = value.name
            applies = result.app.fill_null(False)
            exprs.append(pl.when(applies).then(_format(result.val, value.type.kind)).alias(name))
            exprs.append(pl.when(applies).then(pl.lit("decided")).otherwise(pl.lit("not_applicable"))
                         .alias(f"{name}_status"))
            texts = self._all_citations(value)
            if texts is not None:
                citations = result.mask.replace_strict(texts, default="", return_dtype=pl.Utf8)
            else:
                citations = result.mask.map_elements(lambda m, v=value: self._citations(v, m), return_dtype=pl.Utf8)
            exprs.append(citations.alias(f"{name}_citations"))
            exprs.append(pl.lit("", pl.Utf8).alias(f"{name}_missing"))
            if result.fb is not None:
                fallbacks.append(result.fb)
        exprs.append(pl.lit(None, pl.Utf8).alias("error"))
        exprs.append(_or(*fallbacks).fill_null(True).alias("__fallback"))
        self._output_exprs = exprs
        return exprs

    def _all_citations(self, value: model.Value):
        """mask -> citation text for every combination of the value's rules (None if too many)."""
        rules = [r for r in self.ruleset.rules.values() if r.value_id == value.id]
        if len(rules) > 10:
            return None
        return {mask: self._citations(value, mask) for mask in range(1 << (max(
            [self.program.rule_order[r.label] for r in rules] or [0]) + 1))}

    def evaluate(self, job, raw):
        """A chunk -> (output table, bad rows): vectorised, with fallback rows decided row by row."""
        pl = _pl()
        if self.unsupported is not None:
            results = job.decide_rows(raw, range(raw.rows))
            job.row_wise = {f"the columnar engine does not cover this rule set: {self.unsupported}": raw.rows} \
                if raw.rows else {}
            return job.assemble(raw, results), sum(1 for r in results.values() if r[1] is None)
        frame = self.convert(job, raw)
        # Table lookups keyed by input fields only run first; the other stages run as one lazy
        # query, cut only by lookups whose keys are computed values (they map keys in Python).
        early = [stage for stage in self._stages if callable(stage) and stage.early]
        for stage in early:
            frame = stage(frame)
        lazy = frame.lazy()
        for stage in self._stages:
            if callable(stage):
                if not stage.early:
                    lazy = stage(lazy.collect()).lazy()
            else:
                lazy = lazy.with_columns(stage)
        out = lazy.select([pl.lit(0, pl.Int64).alias("row")] + self._outputs(job)).collect()
        out = out.with_columns(pl.int_range(raw.start, raw.start + raw.rows, dtype=pl.Int64).alias("row"))
        fallback = out.get_column("__fallback")
        offsets = fallback.arg_true().to_list()
        bad = 0
        schema = job.output_schema()
        job.row_wise = {}
        if offsets:
            results = job.decide_rows(raw, offsets)
            job.row_wise = job.fallback_reasons(results)
            bad = sum(1 for r in results.values() if r[1] is None)
            patch = job.row_columns(results, offsets)
            patch[job.entity.key] = patch.pop("key")
            columns = [out.get_column(f.name) for f in schema]
            for index, series in enumerate(columns):
                if series.name != "row":
                    columns[index] = series.clone().scatter(offsets, pl.Series(patch[series.name], dtype=series.dtype))
            out = pl.DataFrame(columns)
        table = out.select([f.name for f in schema]).to_arrow(compat_level=pl.CompatLevel.newest())
        return table.cast(schema), bad

    def _citations(self, value: model.Value, mask: int) -> str:
        order = self.program.rule_order
        rules = sorted((r for r in self.ruleset.rules.values()
                        if r.value_id == value.id and mask >> order[r.label] & 1), key=lambda r: order[r.label])
        return self.program.citation_text(tuple(rules))

    # ------------------------------------------------------------ input conversion

    def convert(self, job, raw):
        """Raw columns -> a frame of typed columns `f:<field>` and `__rowwise`, the rows to decide row by row."""
        pl = _pl()
        series, flags = [], []
        for field in self.entity.fields:
            column = raw.columns.get(field.name)
            if column is None:
                series.append(pl.repeat(None, raw.rows, dtype=_dtype(field.type.kind)
                                        if field.type.kind in _KINDS else pl.Utf8, eager=True).alias(f"f:{field.name}"))
                continue
            typed, failed = _convert_column(column, field, self.ruleset, raw.rows)
            series.append(typed.alias(f"f:{field.name}"))
            if failed is not None:
                flags.append(failed)
        special = set(raw.problems) | set(raw.extra)
        if special:
            marks = [False] * raw.rows
            for offset in special:
                marks[offset] = True
            flags.append(pl.Series(marks, dtype=pl.Boolean))
        rowwise = flags[0] if flags else pl.repeat(False, raw.rows, dtype=pl.Boolean, eager=True)
        for flag in flags[1:]:
            rowwise = rowwise | flag
        series.append(rowwise.alias("__rowwise"))
        return pl.DataFrame(series)
