"""Columnar: the compiled rule set vectorised over a chunk of records with polars expressions.

input <- a `generated.Session` (rule set, tables and shared facts bound) and chunks of raw records
from `batch`; output -> the same output table `batch.job.Job.assemble` builds row by row, for a whole
chunk at once.

How it stays exact. Every expression of the entity's decisions becomes a polars expression
paired with a *fallback flag*. Invariant: on a row whose flag is false, the expression is null
exactly when the interpreter's value is unknown, and otherwise equals it (polars `&`/`|` are
Kleene like `and`/`or`), and its missing mask (`missing`) names the interpreter's missing facts;
rule trees follow `combine_rule`/`_siblings`, so statuses (decided, undetermined, not applicable),
citations and missing facts are computed here. The flag is raised wherever the interpreter could
raise an error (a failed table lookup, a dependency in error), where rules conflict, and wherever
the vectorised form cannot promise the exact value (a number too large for 64-bit fixed point, a
value that came in with more decimals than the fixed scale). Only the rows whose flag is raised,
and rows whose input the vectorised readers could not convert, are decided again row by row by
the generated row-wise program (`generated`), which is exact.

- Sub-expressions that do not depend on the record (global values, `as_of`, values of other
  entities' records, e.g. `member.agreement_in_force`) are computed once by the interpreter and
  enter as literals; a quantifier over a shared collection is unrolled over its records.
- Decimals (money, rates) are 64-bit integers with a static scale; products add scales, rounding
  is integer arithmetic with the rule's rounding mode, so results are exact, not floats.
- Table lookups run `TableData.find` once per distinct (key, date) in the chunk.
- An operation with no polars form (division, durations, set operations, builtins) runs once per
  distinct tuple of its operands with the interpreter's helpers (`pyvalues`); anything else once
  per distinct tuple of the record fields it reads (`escape`); nothing is approximated, and no
  rule set is decided row by row as a whole (`unsupported` stays None; `row_wise_constructs`
  would name a construct whose rows are).
"""
from __future__ import annotations

import attrs

from interpreter.engines import missing as M
from interpreter.engines.columnar_expr import Expressions, _listed
from interpreter.engines.pyvalues import Interned, PySite
from interpreter.evaluation.evaluate import Evaluator
from interpreter.evaluation.report import json_value
from interpreter.engines.columns import _DECIMAL_KINDS, _KINDS, MAX_SCALE, C, R, Unsupported, _convert_column, _dtype, \
    _format, _or, _pl, list_unsafe
from interpreter.language import model
from interpreter.language.values import Unknown


class ColumnarProgram(Expressions):
    def __init__(self, session):
        self.session = session
        self.program = session.program
        self.ruleset = self.program.ruleset
        self.entity = self.program.entity
        self.variable = self.entity.variable
        self.unsupported: str | None = None
        self.row_wise_constructs: set[str] = set()  # constructs whose rows are decided row by row
        self.sites = M.Sites()
        self.interned = Interned()
        self._cell_cache: dict = {}  # (interned id, kind) -> output text
        self._read: set | None = None
        self.evaluator = Evaluator(self.ruleset, session.program.tables, session.facts, session.as_of)
        self._values: dict[str, R] = {}
        self._heights: dict = {}  # id(expression node) -> how deeply it nests (columnar_expr._height)
        self._stages: list = []  # in dependency order: columns to add, or table lookups (frame -> frame)
        # the missing masks' columns, in dependency order: computed on undetermined rows only
        self._missing_stages: list = []
        self._sites: dict = {}
        self._output_exprs = None
        self._references: dict[str, tuple[str, str]] = {}
        self._reference_masks: dict[str, dict] = {}
        self._decisions: list[tuple[model.Value, R]] = []
        # Missing names start with the record's path (`imports[L1].hts`): exact for keys whose text
        # polars writes as Python's str() does; otherwise undetermined rows are decided row by row.
        key_kind = self.entity.field(self.entity.key).type.kind
        self._path_exact = key_kind in ("text", "enum", "integer", "date")
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
        result = self._resolve(self._siblings([self._tree(rule, env) for rule in self.program.roots(value)], value))
        # Materialise the value as columns, so that expressions reading it stay small.
        pl = _pl()
        names = {part: f"{part}:{value.id}" for part in ("app", "val", "mask", "fb", "und")}
        stage = [result.app.alias(names["app"]), result.val.expr.alias(names["val"]), result.mask.alias(names["mask"]),
                 result.und.alias(names["und"])]
        words = {word: f"mis{word}:{value.id}" for word in result.mis}
        self._missing_stages.append([result.mis[word].alias(name) for word, name in words.items()])
        if result.fb is not None:
            stage.append(result.fb.alias(names["fb"]))
        self._stages.append(stage)
        app, und = pl.col(names["app"]), pl.col(names["und"])
        fb = pl.col(names["fb"]) if result.fb is not None else None
        mis = {word: pl.col(name) for word, name in words.items()}
        # what another expression reads (`Evaluator.value_of`): the value where decided, unknown where
        # undetermined, and a flag where it is neither (not applicable, conflict, error) or unsure
        reference = (f"ref:{value.id}", f"reffb:{value.id}")
        self._stages.append([pl.when(app).then(pl.col(names["val"])).alias(reference[0]),
                             _or(fb, ~(app | und)).alias(reference[1])])
        self._references[value.id] = reference
        self._reference_masks[value.id] = mis
        result = R(app, attrs.evolve(result.val, expr=pl.col(names["val"])), pl.col(names["mask"]), fb, und, mis)
        self._values[value.id] = result
        return result

    def _tree(self, rule: model.Rule, env) -> R:
        """`Evaluator._rule_tree` + `combine_rule`, per row."""
        pl = _pl()
        below_results = [self._tree(r, env) for r in self.program.exceptions(rule)]
        value = self.ruleset.values[rule.value_id]
        below = self._materialise(self._resolve(self._siblings(below_results, value)), rule.label) \
            if below_results else None
        consequence = self._settle(self.expr(rule.consequence, env), f"then:{rule.label}")
        self._check_kind(value, consequence)
        bit = pl.lit(1 << self.program.rule_order[rule.label], pl.Int64)
        if consequence.is_const and consequence.const is not None and not isinstance(consequence.const, Unknown):
            known = pl.lit(True)
        else:
            known = consequence.expr.is_not_null()
        if rule.condition is None:
            condition = C(pl.lit(True), None, "boolean")
        else:
            condition = self._settle(self._boolean(self.expr(rule.condition, env)), f"when:{rule.label}")
        holds = condition.expr.fill_null(False)
        fails = (~condition.expr).fill_null(False)
        # The consequence is evaluated unless the condition is false; an error there when the
        # condition is unknown is an unknown with nothing missing: row by row (rare).
        own_fb = _or(condition.fb, (~fails) & consequence.fb if consequence.fb is not None else None)
        cons_mis = M.where(~fails, consequence.mis)
        if below is None:
            applies = holds & known
            und = (~fails) & ~applies
            return R(applies, consequence, pl.when(applies).then(bit).otherwise(pl.lit(0, pl.Int64)), own_fb, und,
                     M.where(und, M.union(condition.mis, cons_mis)), consequence.expr, known)
        poss, cons = self._align(below.val if below.poss is None else attrs.evolve(below.val, expr=below.poss),
                                 consequence)
        same = (below.pok & (poss.expr == cons.expr)).fill_null(False)
        applies = (~below.app) & holds & known & ((~below.und) | same)
        app = below.app | applies
        und = (~app) & (below.und | ~fails)
        val = self._align(below.val, consequence)
        return R(app,
                 C(pl.when(below.app).then(val[0].expr).otherwise(val[1].expr), None, val[0].kind, val[0].scale),
                 pl.when(below.app).then(below.mask).when(applies).then(bit).otherwise(pl.lit(0, pl.Int64)),
                 _or(below.fb, (~below.app) & own_fb if own_fb is not None else None),
                 und,
                 M.where(und, M.union(below.mis, condition.mis, cons_mis)),
                 pl.when(fails).then(poss.expr).otherwise(cons.expr),
                 pl.when(fails).then(below.pok).otherwise(known & ((~below.und) | same)))

    def _siblings(self, results: list[R], value) -> R:
        """`Evaluator._siblings` before its final step (`_resolve`): the applying part and the
        undecided part of the results, each accumulated; a conflict -> row by row."""
        pl = _pl()
        if not results:
            raise Unsupported(f"`{value.id}` has no rules")
        if len(results) > 1:
            results = [self._materialise(r, f"{value.id}#{i}:{id(results)}") for i, r in enumerate(results)]
        acc = results[0]
        for index, other in enumerate(results[1:]):
            if index:
                acc = self._materialise(acc, f"{value.id}#acc{index}:{id(results)}")
            left, right = self._align(acc.val, other.val)
            both = acc.app & other.app
            conflict = (both & (left.expr != right.expr)).fill_null(True)
            lp, rp = self._align(attrs.evolve(acc.val, expr=acc.poss), attrs.evolve(other.val, expr=other.poss))
            pok = ((~acc.und) | acc.pok) & ((~other.und) | other.pok) & \
                ((~(acc.und & other.und)) | (lp.expr == rp.expr)).fill_null(False)
            acc = R(acc.app | other.app,
                    C(pl.when(acc.app).then(left.expr).otherwise(right.expr), None, left.kind, left.scale),
                    pl.when(both).then(acc.mask | other.mask).when(acc.app).then(acc.mask).otherwise(other.mask),
                    _or(acc.fb, other.fb, conflict),
                    acc.und | other.und, M.union(acc.mis, other.mis),
                    pl.when(acc.und).then(lp.expr).otherwise(rp.expr), pok)
        return acc

    def _materialise(self, result: R, label: str) -> R:
        """Add a rule tree's result as columns: expressions reading it stay small (a tree that
        refers to its exceptions' results several times would otherwise grow exponentially)."""
        pl = _pl()
        parts = {"app": result.app, "val": result.val.expr, "mask": result.mask, "fb": result.fb, "und": result.und,
                 "poss": result.poss, "pok": result.pok}
        names = {part: f"tree{part}:{label}" for part, expr in parts.items() if expr is not None}
        self._stages.append([parts[part].alias(name) for part, name in names.items()])
        col = {part: pl.col(name) for part, name in names.items()}
        return R(col["app"], attrs.evolve(result.val, expr=col["val"]), col["mask"], col.get("fb"), col["und"],
                 self._missing_columns_of(result.mis, f"tree:{label}"), col.get("poss"), col.get("pok"))

    def _missing_columns_of(self, mis: dict, name: str) -> dict:
        """A missing mask as columns of the undetermined rows' pass."""
        pl = _pl()
        words = {word: f"mis{word}:{name}" for word in mis}
        self._missing_stages.append([mis[word].alias(column) for word, column in words.items()])
        return {word: pl.col(column) for word, column in words.items()}

    def _settle(self, c: C, name: str) -> C:
        """An expression the rule tree reads several times -> read from a column of its own."""
        pl = _pl()
        if c.is_const or c.expr.meta.is_column():
            return c
        fb = None
        stage = [c.expr.alias(f"x:{name}")]
        if c.fb is not None:
            stage.append(c.fb.alias(f"xfb:{name}"))
            fb = pl.col(f"xfb:{name}")
        self._stages.append(stage)
        return attrs.evolve(c, expr=pl.col(f"x:{name}"), fb=fb, mis=self._missing_columns_of(c.mis, name),
                            items=pl.col(f"x:{name}") if c.kind == "list" else c.items)

    def _resolve(self, acc: R) -> R:
        """The last step of `Evaluator._siblings`: undecided results whose possible values all equal the
        applying value decide it; otherwise undecided wins over applying."""
        pl = _pl()
        poss, val = self._align(attrs.evolve(acc.val, expr=acc.poss), acc.val)
        resolved = (acc.app & acc.und & acc.pok & (poss.expr == val.expr)).fill_null(False)
        app = acc.app & ((~acc.und) | resolved)
        und = acc.und & ~resolved
        return R(app, acc.val, pl.when(app).then(acc.mask).otherwise(pl.lit(0, pl.Int64)), acc.fb, und,
                 M.where(und, acc.mis), acc.poss, acc.pok & ~acc.app)

    def _check_kind(self, value: model.Value, c: C) -> None:
        """Values of kinds with no native column (sets, durations, ...) are interned (`pyvalues`)."""

    def box(self, c: C) -> C:
        """A native column -> the ids of its values (to meet interned values of the same value)."""
        pl = _pl()
        site = PySite(len(self._stages), [c], lambda v: v, "py", self.interned)
        self._stages.append(site)
        return attrs.evolve(c, expr=pl.col(site.out), kind="py", scale=0, fb=_or(c.fb, pl.col(site.bad)),
                            const=None, is_const=False)

    def _output_check(self, value: model.Value) -> None:
        if value.type.kind in _DECIMAL_KINDS and self._values[value.id].val.scale > MAX_SCALE:
            raise Unsupported(f"`{value.id}`: too many decimals")

    # ------------------------------------------------------------ chunks

    def _outputs(self, job) -> list:
        """The output columns of a chunk as expressions (plus `__fallback`, and the columns the
        missing-facts texts of undetermined rows are built from), built once."""
        if self._output_exprs is not None:
            return self._output_exprs
        pl = _pl()
        key = f"f:{self.entity.key}"
        exprs = [pl.col(key).cast(pl.Utf8).alias(job.entity.key)]
        fallbacks = [pl.col("__rowwise")]
        for value, result in self._decisions:
            name = value.name
            applies = result.app.fill_null(False)
            cell = pl.col(f"cell:{value.id}") if result.val.kind == "py" else _format(result.val, value.type.kind)
            exprs.append(pl.when(applies).then(cell).alias(name))
            exprs.append(pl.when(applies).then(pl.lit("decided")).when(result.und).then(pl.lit("undetermined"))
                         .otherwise(pl.lit("not_applicable")).alias(f"{name}_status"))
            texts = self._all_citations(value)
            if texts is not None:
                citations = result.mask.replace_strict(texts, default="", return_dtype=pl.Utf8)
            else:
                citations = result.mask.map_elements(lambda m, v=value: self._citations(v, m), return_dtype=pl.Utf8)
            exprs.append(citations.alias(f"{name}_citations"))
            exprs.append(pl.lit("", pl.Utf8).alias(f"{name}_missing"))
            if result.fb is not None:
                fallbacks.append(result.fb)
            if result.val.kind == "list":
                fallbacks.append(applies & list_unsafe(result.val))
            if not self._path_exact:
                fallbacks.append(result.und)
        exprs.append(pl.lit(None, pl.Utf8).alias("error"))
        exprs.append(_or(*fallbacks).fill_null(True).alias("__fallback"))
        self._output_exprs = exprs
        return exprs

    def _missing_texts(self, frame, out):
        """The `_missing` columns of undetermined rows: their missing masks computed and turned
        into text on those rows only (`frame`: every column the stages added)."""
        pl = _pl()
        if not self._decisions:
            return out
        undetermined = frame.select(pl.any_horizontal([result.und for _, result in self._decisions])).to_series()
        count = undetermined.sum()
        if not count:
            return out
        rows = frame.lazy().filter(pl.lit(undetermined))
        for stage in self._missing_stages:
            rows = rows.with_columns(stage)
        masks, exprs = {}, []
        for index, (value, result) in enumerate(self._decisions):
            # a mask of 0 where the decision is not undetermined: no names
            words = {f"__mask{word}:{index}": pl.when(result.und).then(expr).otherwise(pl.lit(0, pl.Int64))
                     for word, expr in result.mis.items()}
            masks[f"{value.name}_missing"] = list(words)
            exprs += [expr.alias(name) for name, expr in words.items()]
        texts = self.sites.text_columns(rows.select(exprs + [pl.col(c) for c in self.sites.columns()]).collect(), masks)
        # row -> its place among the undetermined rows (null elsewhere)
        positions = pl.select(pl.when(pl.lit(undetermined)).then(pl.lit(undetermined).cast(pl.Int64).cum_sum() - 1)
                              ).to_series()
        return out.with_columns([texts[name].gather(positions).fill_null("").alias(name) for name in texts])

    def _cells(self, frame):
        """The output text of interned decision values, written once per distinct value (`batch._cell`)."""
        pl = _pl()
        cells = []
        for value, result in self._decisions:
            if result.val.kind != "py":
                continue
            ids = frame.get_column(f"val:{value.id}")
            texts = {}
            for i in ids.drop_nulls().unique().to_list():
                text = self._cell_cache.get((i, value.type.kind))
                if text is None:
                    text = self._cell_cache[(i, value.type.kind)] = _cell_text(self.interned.values[i], value.type.kind)
                texts[i] = text
            cells.append(ids.replace_strict(texts, default=None, return_dtype=pl.Utf8).alias(f"cell:{value.id}")
                         if texts else pl.Series(f"cell:{value.id}", [None] * frame.height, dtype=pl.Utf8))
        return frame.with_columns(cells) if cells else frame

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
        outputs = [pl.lit(0, pl.Int64).alias("row")] + self._outputs(job)
        if any(result.val.kind == "py" for _, result in self._decisions):
            frame = self._cells(lazy.collect())  # interned values' texts are written in Python first
            out = frame.select(outputs)
        else:  # one query computes the values and the output columns
            frame = lazy.with_columns(outputs).collect()
            out = frame.select([e.meta.output_name() for e in outputs])
        out = self._missing_texts(frame, out)
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

    def _columns_read(self, job) -> set:
        """The frame columns the stages and outputs read (found once)."""
        if self._read is None:
            exprs = list(self._outputs(job))
            for stage in self._stages:
                if isinstance(stage, list):
                    exprs += stage
                else:
                    exprs += [c.expr for c in getattr(stage, "operands", ())]
                    exprs += [c.expr for c in (getattr(stage, "key", None), getattr(stage, "when", None)) if c is not None]
            self._read = {name for e in exprs for name in e.meta.root_names()}
        return self._read

    def _set_column(self, column, field, job):
        """A set of text or enum given as lists of strings -> (ids, flags, list column), vectorised:
        each distinct set (its items deduplicated and sorted, joined) is interned once. None: not
        lists of strings (the row-by-row reader is asked value by value instead)."""
        import pyarrow as pa

        pl = _pl()
        try:
            if not isinstance(column, (pa.Array, pa.ChunkedArray)):
                column = pa.array(column, type=pa.list_(pa.string()))  # strings only: anything else raises
            source = pl.from_arrow(column)
        except (TypeError, ValueError, OverflowError, pa.ArrowException, pl.exceptions.PolarsError):
            return None
        if isinstance(source, pl.DataFrame) or source.dtype != pl.List(pl.Utf8):
            return None
        frame = pl.DataFrame({"items": source})
        item = pl.element()
        odd = item.is_null() | item.str.contains("\x1e", literal=True) | item.str.contains("\x1f", literal=True)
        if field.type.element.kind == "enum":
            odd = odd | ~item.is_in(list(self.ruleset.enums[field.type.element.name].variants))
        items = pl.col("items")
        if f"f:{field.name}" not in self._columns_read(job):
            # no operation reads the set's value as a whole: the list column alone serves
            flags = frame.select(items.list.eval(odd).list.any().fill_null(False)).to_series()
            listed = pl.select(pl.when(~pl.lit(flags)).then(pl.lit(source))).to_series()
            return pl.Series([None] * len(source), dtype=pl.Int64), (flags if flags.any() else None), listed
        keyed = frame.select(
            pl.when(items.list.len() == 0).then(pl.lit("\x1e")).otherwise(
                items.list.unique().list.sort().list.join("\x1f")).alias("key"),
            items.list.eval(odd).list.any().fill_null(False).alias("odd"))
        flags = keyed.get_column("odd")
        keys = keyed.get_column("key")
        ids = {key: self.interned.id(frozenset() if key == "\x1e" else frozenset(key.split("\x1f")))
               for key in keys.drop_nulls().unique().to_list()}
        typed = keys.replace_strict(ids, default=None, return_dtype=pl.Int64) if ids else \
            pl.Series([None] * len(keys), dtype=pl.Int64)
        typed = pl.select(pl.when(~pl.lit(flags)).then(pl.lit(typed))).to_series()
        listed = pl.select(pl.when(~pl.lit(flags)).then(pl.lit(source))).to_series()
        return typed, (flags if flags.any() else None), listed

    def _interned_column(self, column, field, job):
        """A field with no native column (duration, set, entity reference) -> (ids of its values, rows
        to decide row by row): each distinct raw value converted once by the fact binder, as
        `Job.record` converts it; a value it refuses, or a reference to no record, is flagged."""
        from interpreter.evaluation.facts import _Binder

        pl = _pl()
        if _listed(field):
            fast = self._set_column(column, field, job)
            if fast is not None:
                return fast
        if isinstance(column, list):
            raws = column
        elif hasattr(column, "to_pylist"):
            raws = column.to_pylist()
        else:
            raws = list(column)
        binder = _Binder(self.ruleset, "<batch>")
        known: dict = {}
        ids, failed = [], []
        for raw in raws:
            if raw is None:
                ids.append(None)
                failed.append(False)
                continue
            try:
                key = _hashable(raw)
                found = known.get(key)
            except TypeError:
                key, found = None, None
            if found is None:
                binder.diagnostics.clear()
                binder.references.clear()
                value = binder.convert(raw, field.type, field.name)
                bad = bool(binder.diagnostics) or value is None or any(
                    k not in self.session.by_key.get(entity, {}) for entity, k, _ in binder.references)
                found = (None, True) if bad else (self.interned.id(value), False)
                if key is not None:
                    known[key] = found
            ids.append(found[0])
            failed.append(found[1])
        listed = None
        if _listed(field):
            # the list column, where the value is a list of text (else flagged: decided row by row)
            items = []
            for raw, i, index in zip(raws, ids, range(len(raws))):
                plain = i is not None and type(raw) is list and all(type(item) is str for item in raw)
                items.append(raw if plain else None)
                if i is not None and not plain:
                    failed[index] = True
            listed = pl.Series(items, dtype=pl.List(pl.Utf8))
        return pl.Series(ids, dtype=pl.Int64), (pl.Series(failed, dtype=pl.Boolean) if any(failed) else None), listed

    def convert(self, job, raw):
        """Raw columns -> a frame of typed columns `f:<field>` and `__rowwise`, the rows to decide row by row."""
        pl = _pl()
        series, flags = [], []
        for field in self.entity.fields:
            column = raw.columns.get(field.name)
            if column is None:
                if _listed(field):
                    series.append(pl.repeat(None, raw.rows, dtype=pl.List(pl.Utf8), eager=True).alias(f"fl:{field.name}"))
                series.append(pl.repeat(None, raw.rows, dtype=_dtype(field.type.kind if field.type.kind in _KINDS
                                                                     else "py"), eager=True).alias(f"f:{field.name}"))
                continue
            if field.type.kind in _KINDS:
                typed, failed = _convert_column(column, field, self.ruleset, raw.rows)
            else:
                typed, failed, listed = self._interned_column(column, field, job)
                if listed is not None:
                    series.append(listed.alias(f"fl:{field.name}"))
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
        frame = pl.DataFrame(series)
        # the record's path, as missing-fact names start with it (`facts.record_name`)
        collection = self.entity.collection
        key = pl.col(f"f:{self.entity.key}").cast(pl.Utf8)
        index = (pl.int_range(raw.start, raw.start + raw.rows, dtype=pl.Int64) if raw.positions is None
                 else pl.lit(pl.Series(raw.positions, dtype=pl.Int64))).cast(pl.Utf8)  # a chunk of chosen rows
        return frame.with_columns(pl.concat_str([pl.lit(collection + "["), key.fill_null(index), pl.lit("]")])
                                  .alias("__path"))


def _hashable(raw):
    if type(raw) is list and all(type(item) is str for item in raw):
        return tuple(raw)  # the usual case (a set of text or enum), cheaply; no other key is a bare tuple
    if isinstance(raw, list):
        return ("list", tuple(_hashable(item) for item in raw))
    if isinstance(raw, dict):
        return ("dict", tuple(sorted((str(k), _hashable(v)) for k, v in raw.items())))
    return (type(raw).__name__, raw)


def _cell_text(value, kind: str):
    """A decided value as `batch.job._cell` writes it in an output cell (text kinds only here)."""
    import json

    shown = json_value(value, kind)
    if isinstance(shown, list):
        return json.dumps(shown, ensure_ascii=False, separators=(",", ":"))
    return None if shown is None else str(shown)
