"""Escape: an expression with no polars form -> a column computed per distinct input by the interpreter.

input <- a model node over the record that `columnar_expr.Expressions` could not vectorise (division,
durations, sets, aggregates over the record's own sets, builtins such as apportion, entity references);
output -> a `columns.C` whose column holds the interpreter's value (native, or an `Interned` id).

- A strict operation (arithmetic, comparison, negation, a builtin call, set membership), whose value
  is unknown exactly where an operand is: its operands stay columns and the operation runs once per
  distinct tuple of operand values (`pyvalues.PySite`); unknowns keep their missing masks.
- Anything else: the node is evaluated by the interpreter (`evaluate.Evaluator`) once per distinct
  tuple of the record fields it reads (through the record's values too), on a record holding just
  those fields; where that gives an unknown or an error the row's fallback flag is raised.
- What neither covers raises the fallback flag wherever the node is evaluated: those rows, and only
  those, are decided row by row, and `ColumnarProgram.row_wise_constructs` names the construct.
"""
from __future__ import annotations

import attrs

from interpreter.engines import missing as M
from interpreter.engines.columns import C, _or, _pl
from interpreter.engines.pyvalues import _FAILURES, PySite, to_python
from interpreter.evaluation.evaluate import Evaluator, _arithmetic, _compare, call_builtin
from interpreter.evaluation.facts import Record
from interpreter.language import model
from interpreter.language.values import Unknown

_STRICT = (model.Binary, model.Negate, model.Call, model.SetMembership)


def _kind_of(node) -> str:
    from interpreter.language.infer import infer

    try:
        return infer(node, None).kind
    except Exception:  # noqa: BLE001 - a node infer cannot type without declarations: kept as a Python value
        return "any"


def _operation(node):
    """The interpreter's operation of a strict node, on its operands' values."""
    if isinstance(node, model.Binary):
        op = node.op
        if op in ("=", "!=", "<", "<=", ">", ">="):
            return lambda left, right: _compare(op, left, right)
        return lambda left, right: _arithmetic(op, left, right)
    if isinstance(node, model.Negate):
        return lambda operand: -operand
    if isinstance(node, model.Call):
        return lambda *args: call_builtin(node.function, list(args))
    negated = node.negated
    return lambda element, collection: (element not in collection) if negated else (element in collection)


def _operands(node) -> list:
    if isinstance(node, model.Binary):
        return [node.left, node.right]
    if isinstance(node, model.Negate):
        return [node.operand]
    if isinstance(node, model.Call):
        return list(node.args)
    return [node.element, node.collection]


def _result(program, site, kind: str, fb, mis) -> C:
    pl = _pl()
    out = pl.col(site.out)
    if site.kind == "py":
        return C(out, _or(fb, pl.col(site.bad)), "py", mis=mis)
    return C(out, _or(fb, pl.col(site.bad)), kind, mis=mis)


def escape(program, node, env) -> C:
    if isinstance(node, _STRICT) and not (isinstance(node, model.Binary) and node.op in ("and", "or")):
        operands = []
        for child in _operands(node):
            operand = program.expr(child, env)
            if operand.is_const and operand.kind == "any" and operand.const is not None \
                    and not isinstance(operand.const, Unknown):
                operand = program.interned_literal(operand.const)
            operands.append(operand)
        kind = _kind_of(node)
        site = PySite(len(program._stages), operands, _operation(node), kind, program.interned)
        program._stages.append(site)
        return _result(program, site, kind, _or(*(o.fb for o in operands)), M.union(*(o.mis for o in operands)))
    if isinstance(node, (model.Aggregate, model.Quantifier)):
        lifted = _lift(program, node, env)
        if lifted is not None:
            return lifted
    fields = program.fields_read(node)
    if fields is None:
        program.row_wise_constructs.add(type(node).__name__)
        return C(_pl().lit(None), _pl().lit(True), "any")
    kind = _kind_of(node)
    site = RecordSite(program, len(program._stages), node, env, sorted(fields), kind)
    program._stages.append(site)
    return _result(program, site, kind, None, {})


_COLLECTION = "\x00collection"  # a name no rule can write


def _lift(program, node, env):
    """An aggregate or quantifier over a collection of the record (e.g. one of its sets) whose other
    parts do not read the record -> the interpreter's value once per distinct collection."""
    parts = [node.value, node.where] if isinstance(node, model.Aggregate) else [node.condition]
    inner = {**env, node.variable.name: None}
    if any(part is not None and program.depends(part, inner) for part in parts):
        return None
    collection = program.expr(node.collection, env)
    if collection.kind != "py":
        return None
    lifted = attrs.evolve(node, collection=model.Var(_COLLECTION, node.collection.type
                                                     if hasattr(node.collection, "type") else None))
    constants = {k: v for k, v in env.items() if v != "record"}
    evaluator = program.evaluator

    def function(value):
        return evaluator.eval(lifted, {**constants, _COLLECTION: value})
    kind = _kind_of(node)
    site = PySite(len(program._stages), [collection], function, kind, program.interned)
    program._stages.append(site)
    return _result(program, site, kind, collection.fb, collection.mis)


class RecordSite(PySite):
    """A node evaluated by the interpreter once per distinct tuple of the record fields it reads."""

    def __init__(self, program, number: int, node, env: dict, fields: list[str], kind: str):
        operands = [program.field_column(program.entity.field(name)) for name in fields]
        super().__init__(number, operands, None, kind, program.interned)
        self.program, self.node, self.fields = program, node, fields
        self.env = {k: v for k, v in env.items() if v != "record"}
        self.evaluator = None
        self._paths = 0

    def _one(self, cells: tuple):
        found = self._cache.get(cells)
        if found is not None:
            return found
        program = self.program
        if self.evaluator is None or self._paths > 10_000:
            session = program.session
            self.evaluator = Evaluator(program.ruleset, session.program.tables, session.facts, session.as_of)
            self._paths = 0
        self._paths += 1
        values = {name: to_python(c.kind, c.scale, self.interned, cell)
                  for name, c, cell in zip(self.fields, self.operands, cells) if cell is not None}
        key = values.get(program.entity.key)
        record = Record(program.entity.name, 0, None if key is None else str(key), f"\x00{len(self._cache)}", values)
        try:
            result = self.evaluator.eval(self.node, {**self.env, program.variable: record})
        except _FAILURES:
            result = Unknown(frozenset())
        found = self._cell_of(result)
        if len(self._cache) > 100_000:
            self._cache.clear()
        self._cache[cells] = found
        return found

    def __call__(self, frame):
        # every row gets a result (absent fields are given as absent), so nulls are kept as keys
        pl = _pl()
        frame = frame.with_columns([c.expr.alias(name) for c, name in zip(self.operands, self.args)])
        pairs = frame.select(self.args).unique()
        found = [self._one(cells) for cells in pairs.iter_rows()]
        mapping = pairs.with_columns(pl.Series(self.out, [f[0] for f in found], dtype=self.dtype()),
                                     pl.Series(self.bad, [f[1] for f in found], dtype=pl.Boolean))
        return frame.join(mapping, on=self.args, how="left", maintain_order="left", nulls_equal=True) \
            .with_columns(pl.col(self.bad).fill_null(True))

