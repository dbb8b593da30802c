"""Columnar: the compiled rule set vectorised over a chunk of records with polars expressions.

input <- a `compile.Session` (rule set, tables and shared facts bound) and chunks of raw records
from `batch`; output -> the same output table `batch.Job.assemble` builds row by row, for a whole
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

from interpreter import model
from interpreter.evaluate import _DependencyFailed, _ordered
from interpreter.values import EvaluationError, Unknown

# Fixed scales (decimal places) of input columns; values with more places are decided row by row.
INPUT_SCALE = {"money": 2, "decimal": 6, "rate": 6}
MAX_SCALE = 12
# Fixed-point magnitudes above this are decided row by row (headroom under 2**63).
SAFE = 4e18
_MONEY_PATTERN = r"^\s*(-)?\s*(?:\$|USD\s*)?\s*(-)?([0-9][0-9,]*)(?:\.([0-9]+))?\s*(?:USD)?\s*$"
_DECIMAL_KINDS = ("money", "decimal", "rate")


class Unsupported(Exception):
    """This construct has no columnar form: the rule set is decided row by row."""


@attrs.frozen
class C:
    """A columnar expression: `expr` (null = unknown), `fb` (fallback flag or None = never),
    the type kind and the fixed-point scale of decimals."""
    expr: object
    fb: object = None
    kind: str = "any"
    scale: int = 0
    const: object = None  # the Python value when the expression does not depend on the record
    is_const: bool = False
    record: bool = False  # the record itself (only as the subject of a field or value)


@attrs.frozen
class R:
    """A rule (tree) result per row: applies, value, mask of rules applied, fallback flag."""
    app: object
    val: C
    mask: object
    fb: object


def _pl():
    import polars as pl

    return pl


def _or(*flags):
    present = [f for f in flags if f is not None]
    if not present:
        return None
    result = present[0]
    for flag in present[1:]:
        result = result | flag
    return result.fill_null(True)


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
        return C(~operand.expr, operand.fb, "boolean")

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
        from interpreter.ast import Duration

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
        if self.session.program.tables[node.table].table.dated_from is None:
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
        if offsets:
            results = job.decide_rows(raw, offsets)
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


_KINDS = ("boolean", "integer", "text", "enum", "date") + _DECIMAL_KINDS


def _dtype(kind: str):
    pl = _pl()
    return {"boolean": pl.Boolean, "integer": pl.Int64, "text": pl.Utf8, "enum": pl.Utf8, "date": pl.Date,
            "money": pl.Int64, "decimal": pl.Int64, "rate": pl.Int64}.get(kind, pl.Utf8)


def _scale_of(value) -> int:
    if isinstance(value, int):
        return 0
    return max(0, -value.as_tuple().exponent)


def _scaled(value, scale: int) -> int:
    return int(Decimal(value).scaleb(scale))


def _literal(value) -> C:
    pl = _pl()
    if isinstance(value, bool):
        return C(pl.lit(value, pl.Boolean), None, "boolean", const=value, is_const=True)
    if isinstance(value, int):
        return C(pl.lit(value, pl.Int64), None, "integer", const=value, is_const=True)
    if isinstance(value, Decimal):
        if value < 0:
            raise Unsupported("a negative decimal")
        scale = _scale_of(value)
        if scale > MAX_SCALE or abs(value) > Decimal(10) ** 15:
            raise Unsupported("a decimal too large or too precise for fixed point")
        return C(pl.lit(_scaled(value, scale), pl.Int64), None, "decimal", scale, value, True)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return C(pl.lit(value, pl.Date), None, "date", const=value, is_const=True)
    if isinstance(value, str):
        return C(pl.lit(value, pl.Utf8), None, "text", const=value, is_const=True)
    # sets, records, rows, durations: usable only where a constant is expected
    return C(pl.lit(None), None, "any", const=value, is_const=True)


def _product_kind(a: str, b: str) -> str:
    pair = {a, b}
    if "money" in pair:
        return "money"
    if "rate" in pair:
        return "rate"
    return "decimal"


def _format(value: C, kind: str):
    """The output cell of a decided value, as `batch._cell` writes it."""
    pl = _pl()
    x = value.expr
    if kind in ("boolean", "integer", "text", "enum"):
        return x
    if kind == "date":
        return x.dt.strftime("%Y-%m-%d")
    scale = value.scale
    sign = pl.when(x < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    magnitude = x.abs()
    whole = (magnitude // (10 ** scale)).cast(pl.Utf8)
    if scale == 0:
        return pl.concat_str([sign, whole, pl.lit(".00")]) if kind == "money" else pl.concat_str([sign, whole])
    fraction = (magnitude % (10 ** scale)).cast(pl.Utf8).str.zfill(scale)
    trimmed = fraction.str.strip_chars_end("0")
    if kind == "money":  # values.money_text: trailing zeros dropped, at least two decimals
        return pl.concat_str([sign, whole, pl.lit("."), trimmed.str.pad_end(2, "0")])
    return pl.when(trimmed == "").then(pl.concat_str([sign, whole])).otherwise(
        pl.concat_str([sign, whole, pl.lit("."), trimmed]))


MAX_SLOTS = 16


class _LookupSite:
    """One `table[key as of date]` (or `key in table as of date`) over a chunk: the index of the
    row `TableData.find` gives, and the columns read from it, added to the frame as columns.

    With a fixed date, `find` runs once per distinct key (cached across chunks). With a date per
    record, each distinct key gets its candidate rows in `find`'s order (the longest matching
    prefix first, then shorter ones; table order within one): slot j holds the j-th candidate's
    prefix rank, start, end and index, mapped onto the records by key; the row chosen is, as in
    `find`, the latest-starting row in force on the record's date within the first rank that has
    one (the first of equal starts). Keys with more than MAX_SLOTS candidates use `find` per
    distinct (key, date)."""

    def __init__(self, number: int, table, key: C, when: C):
        pl = _pl()
        self.table = table
        self.prefix = f"lk{number}:"
        self.idx = self.prefix + "idx"
        self.key, self.when = key, when
        self.known = key.expr.is_not_null() & when.expr.cast(pl.Date).is_not_null()
        # keyed by input fields and constants only: can run before any value is computed
        self.early = all(name.startswith("f:") for c in (key, when) for name in c.expr.meta.root_names())
        self.dated = table.table.dated_from is not None
        self.fixed_date = when.is_const or not self.dated
        self.columns: dict[str, tuple] = {}  # column -> (frame column, kind, scale, values Series)
        self.fb = None
        self.index = {id(row): i for i, row in enumerate(table.rows)}
        self._cache: dict = {}
        self._slots: dict = {}  # key -> [(rank, from, until, index)] in find's order

    def column(self, name: str, kind: str):
        pl = _pl()
        known = self.columns.get(name)
        if known is None:
            values = [row.data.get(name) for row in self.table.rows]
            scale = 0
            if kind in _DECIMAL_KINDS:
                scales = [_scale_of(v) for v in values if v is not None]
                scale = max(scales or [0])
                if scale > MAX_SCALE or any(v < 0 for v in values if v is not None):
                    raise Unsupported("table decimals too precise for fixed point, or negative")
                values = [None if v is None else _scaled(v, scale) for v in values]
            series = pl.Series(values + [None], dtype=_dtype(kind))
            known = self.columns[name] = (f"{self.prefix}c:{name}", kind, scale, series)
        return known[0], known[2]

    def _find(self, key, when):
        wanted = (key, when)
        found = self._cache.get(wanted, -2)
        if found == -2:
            if len(self._cache) > 100_000:
                self._cache.clear()
            row = self.table.find(str(key), when if self.dated else None)
            found = self._cache[wanted] = None if row is None else self.index[id(row)]
        return found

    def _candidates(self, key):
        known = self._slots.get(key)
        if known is None:
            if len(self._slots) > 100_000:
                self._slots.clear()
            known = self._slots[key] = [(rank, row.dated_from, row.dated_until, self.index[id(row)])
                                        for rank, rows in enumerate(self.table.candidates(str(key))) for row in rows]
        return known

    def __call__(self, frame):
        pl = _pl()
        frame = frame.with_columns(self.key.expr.cast(pl.Utf8).alias(self.prefix + "k"),
                                   self.when.expr.cast(pl.Date).alias(self.prefix + "w"))
        keys, dates = frame.get_column(self.prefix + "k"), frame.get_column(self.prefix + "w")
        distinct = keys.drop_nulls().unique().to_list()
        # each record's key as a position in `distinct` (null key -> the extra null slot at the end)
        code = keys.replace_strict({k: i for i, k in enumerate(distinct)}, default=len(distinct),
                                   return_dtype=pl.Int64) if distinct else pl.repeat(0, len(keys), dtype=pl.Int64,
                                                                                       eager=True)

        def per_key(values, dtype):
            return pl.Series(values + [None], dtype=dtype).gather(code)

        if self.fixed_date:
            when = self.when.const if self.when.is_const and not isinstance(self.when.const, Unknown) else None
            usable = when is not None or not self.dated
            frame = frame.with_columns(per_key([self._find(k, when) if usable else None for k in distinct],
                                               pl.Int64).alias(self.idx))
        else:
            candidates = [self._candidates(k) for k in distinct]
            width = max((len(c) for c in candidates), default=0)
            if width > MAX_SLOTS:
                pairs = frame.select(keys, dates).unique().drop_nulls()
                mapping = pairs.with_columns(pl.Series(self.idx, [self._find(k, w) for k, w in pairs.iter_rows()],
                                                       dtype=pl.Int64))
                frame = frame.join(mapping, on=[self.prefix + "k", self.prefix + "w"], how="left",
                                   maintain_order="left")
            else:
                w = dates
                best = pl.repeat(None, len(keys), dtype=pl.Int64, eager=True)
                best_rank, best_from = best, pl.repeat(None, len(keys), dtype=pl.Date, eager=True)
                for j in range(width):
                    def slot(part, dtype):
                        return per_key([c[j][part] if len(c) > j else None for c in candidates], dtype)
                    rank, start, until, index = slot(0, pl.Int64), slot(1, pl.Date), slot(2, pl.Date), slot(3, pl.Int64)
                    live = index.is_not_null() & (start <= w) & (until.is_null() | (w < until))
                    better = (live & (best.is_null() | ((rank == best_rank) & (start > best_from)))).fill_null(False)
                    best = pl.select(pl.when(better).then(index).otherwise(best)).to_series()
                    best_from = pl.select(pl.when(better).then(start).otherwise(best_from)).to_series()
                    best_rank = pl.select(pl.when(better).then(rank).otherwise(best_rank)).to_series()
                frame = frame.with_columns(best.alias(self.idx))
        idx = frame.get_column(self.idx)
        gather = idx.fill_null(len(self.table.rows))  # the extra null at the end of each values Series
        return frame.with_columns([series.gather(gather).alias(name) for name, _, _, series in self.columns.values()])


# ---------------------------------------------------------------- vectorised input readers

def _convert_column(column, field: model.Field, ruleset, rows: int):
    """A raw column -> (typed Series, Series of rows to decide row by row | None). A value the
    vectorised reader cannot take exactly is left null and flagged: the row-wise reader decides
    whether it is valid (and how) or an error."""
    import pyarrow as pa

    pl = _pl()
    kind = field.type.kind
    if kind not in _KINDS:
        return pl.repeat(None, rows, dtype=pl.Utf8, eager=True), pl.repeat(True, rows, eager=True)
    if isinstance(column, list):
        try:
            source = pl.Series(column, strict=True)
        except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
            return pl.repeat(None, rows, dtype=_dtype(kind), eager=True), pl.Series([v is not None for v in column])
        if source.dtype == pl.Null:
            return pl.repeat(None, rows, dtype=_dtype(kind), eager=True), None
    else:
        source = pl.from_arrow(column) if isinstance(column, (pa.Array, pa.ChunkedArray)) else pl.Series(column)
    if source.dtype == pl.Categorical or isinstance(source.dtype, pl.Enum):  # dictionary-encoded text
        source = source.cast(pl.Utf8)
    dtype = source.dtype
    present = source.is_not_null()
    typed = None
    if kind in ("text", "enum"):
        if dtype == pl.Utf8 or dtype == pl.String:
            typed = source
        elif dtype.is_integer():
            typed = source.cast(pl.Utf8)
        if typed is not None and kind == "enum":
            variants = list(ruleset.enums[field.type.name].variants)
            typed = pl.select(pl.when(typed.is_in(variants)).then(typed)).to_series()
    elif kind == "boolean":
        if dtype == pl.Boolean:
            typed = source
        elif dtype == pl.Utf8:
            text = source.str.strip_chars().str.to_lowercase()
            typed = pl.select(pl.when(text == "true").then(True).when(text == "false").then(False)).to_series()
    elif kind == "date":
        if dtype == pl.Date:
            typed = source
        elif dtype == pl.Utf8:
            typed = source.str.strip_chars().str.strptime(pl.Date, "%Y-%m-%d", strict=False)
            # strptime accepts some forms fromisoformat does not (and the reverse): keep only YYYY-MM-DD
            shape = source.str.strip_chars().str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
            typed = pl.select(pl.when(shape).then(typed)).to_series()
    elif kind == "integer":
        if dtype.is_integer():
            typed = source.cast(pl.Int64)
        elif dtype == pl.Utf8:
            text = source.str.strip_chars()
            typed = pl.select(pl.when(text.str.contains(r"^-?[0-9]{1,17}$")).then(text.cast(pl.Int64, strict=False))).to_series()
    elif kind in _DECIMAL_KINDS:
        typed = _decimal_column(source, kind)
    if typed is None:
        return pl.repeat(None, rows, dtype=_dtype(kind), eager=True), present
    failed = present & typed.is_null()
    return typed.cast(_dtype(kind)), (failed if failed.any() else None)


def _decimal_column(source, kind: str):
    """Money/decimal/rate -> Int64 at the fixed input scale; null where not exactly representable."""
    pl = _pl()
    scale = INPUT_SCALE[kind]
    dtype = source.dtype
    if isinstance(dtype, pl.Decimal):
        unscaled = source.to_physical().cast(pl.Int64, strict=False)
        s = dtype.scale or 0
        if s <= scale:
            value = unscaled * (10 ** (scale - s))
        else:
            d = 10 ** (s - scale)
            value = pl.select(pl.when(unscaled % d == 0).then(unscaled // d)).to_series()
        ok = (value >= 0) & (value.cast(pl.Float64) < 1e15 * 10 ** scale)
        return pl.select(pl.when(ok).then(value.cast(pl.Int64, strict=False))).to_series()
    if dtype.is_integer() and kind != "rate":
        ok = (source >= 0) & (source < 10 ** 15)
        return pl.select(pl.when(ok).then(source.cast(pl.Int64) * 10 ** scale)).to_series()
    if dtype != pl.Utf8 or kind == "rate":
        return None  # floats, percentages written as text: row by row
    if kind == "money":
        parts = source.str.extract_groups(_MONEY_PATTERN)
        negative = parts.struct.field("1").is_not_null() | parts.struct.field("2").is_not_null()
        whole = parts.struct.field("3").str.replace_all(",", "", literal=True)
    else:
        parts = source.str.extract_groups(r"^\s*()()([0-9]+)(?:\.([0-9]+))?\s*$")
        negative = pl.repeat(False, len(source), eager=True)
        whole = parts.struct.field("3")
    fraction = parts.struct.field("4").fill_null("")
    ok = (~negative) & whole.is_not_null() & (whole.str.len_chars() <= 15) & (fraction.str.len_chars() <= scale)
    padded = (fraction + "0" * scale).str.slice(0, scale) if scale else fraction
    digits = pl.select(pl.when(ok).then(pl.concat_str([whole, padded]))).to_series()
    return digits.cast(pl.Int64, strict=False)
