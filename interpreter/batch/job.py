"""Batch job: the rule set, global facts and entity of a run -> one chunk's rows decided as an Arrow table.

A `Job` binds each row of a chunk as a record, decides it with the columnar engine where that engine
is exact and with the row-wise engine otherwise, and lays the results out in a fixed output schema
(key, each decision's value, status and citations, an error column). A row that cannot be read
becomes an error row; it never aborts the chunk.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from interpreter.batch import rowwise
from interpreter.batch.rowwise import _cell  # noqa: F401  (how a decided value is written in a cell)
from interpreter.batch.readers import RawChunk, refuse
from interpreter.engines.generated import Program
from interpreter.evaluation.facts import FactBase, Record, _Binder, load_facts, record_name
from interpreter.evaluation.supplied import with_supplied_rows
from interpreter.language import model
from interpreter.language.diagnostics import UserError, did_you_mean
from interpreter.language.limits import Refused
from interpreter.language.pipeline import Loaded


def facts_for(loaded: Loaded, facts_path: str | None) -> FactBase:
    if facts_path is None:
        return FactBase("<none>", None, {}, {})  # every global fact and other collection unknown
    facts, diagnostics = load_facts(loaded.ruleset, facts_path)
    if diagnostics or facts is None:
        raise UserError(diagnostics)
    return facts


def choose_entity(ruleset: model.RuleSet, facts: FactBase, wanted: str | None, columns=None) -> model.Entity:
    """--entity (a name or a collection), else the only entity whose collection the facts leave empty."""
    entities = list(ruleset.entities.values())
    if wanted:
        found = ruleset.entities.get(wanted) or ruleset.entity_by_collection(wanted)
        if found is None:
            refuse("E607", f"no entity `{wanted}` in this rule set",
                  suggestions=did_you_mean(wanted, [e.name for e in entities] + [e.collection for e in entities]))
        return found
    candidates = [e for e in entities if not facts.records.get(e.name) and any(v.owner == e.name for v in ruleset.decisions())]
    if len(candidates) > 1 and columns:
        fitting = [e for e in candidates if all(e.field(c) is not None for c in columns)]
        candidates = fitting or candidates
    if len(candidates) == 1:
        return candidates[0]
    names = ", ".join(e.name for e in candidates) or "none"
    refuse("E608", f"cannot tell which entity the input holds (candidates: {names})",
          suggestions=("name it with --entity, e.g. --entity ImportLine",))


class Job:
    """Everything needed to evaluate chunks: built once per process (and once per Dask worker)."""

    def __init__(self, loaded: Loaded, facts: FactBase, entity: model.Entity, explain: bool = False,
                 columnar: bool = True, group_cases: bool | None = None):
        self.loaded = loaded
        self.ruleset = loaded.ruleset
        self.facts = facts
        self.entity = entity
        self.explain = explain
        self.program = Program(loaded.ruleset, with_supplied_rows(loaded.tables, facts), entity.name)
        self.session = self.program.session(facts)
        self.decisions = self.program.decisions
        self.fields = {f.name: f for f in entity.fields}
        self.row_wise: dict[str, int] = {}  # of the last chunk: reason -> rows decided row by row
        self.row_reader = rowwise.RowReader(self)
        self.group_cases = group_cases  # None: where cases are many fewer than rows; True: always; False: never
        self.cases: int | None = None  # of the last chunk: distinct cases
        self.case_sample: tuple | None = None
        self._case_inputs = None
        self.columnar = None
        if columnar and not explain:
            from interpreter.engines.columnar import ColumnarProgram

            self.columnar = ColumnarProgram(self.session)

    # ------------------------------------------------------------ rows

    def record(self, raw: RawChunk, offset: int, binder: _Binder) -> tuple[Record | None, str | None]:
        """One row -> (Record, None) or (None, reason)."""
        if offset in raw.problems:
            return None, raw.problems[offset]
        index = raw.position(offset)
        path = f"{self.entity.collection}[{index}]"  # where the row is, for its diagnostics
        binder.diagnostics.clear()
        binder.references.clear()
        fields = {}
        for name, column in raw.columns.items():
            value = column[offset]
            if value is not None and not isinstance(value, (str, bool, int, float, Decimal, dt.date, list, dict, Refused)):
                value = value.as_py()  # an Arrow scalar
            if value is None:
                continue
            field = self.fields[name]
            converted = binder.convert(value, field.type, f"{path}.{name}")
            if converted is not None:
                fields[name] = converted
        for name in raw.extra.get(offset, {}):
            binder.report("E411", f"{self.entity.name} has no field `{name}`", f"{path}.{name}",
                          suggestions=did_you_mean(name, list(self.fields)))
        for entity, key, where in binder.references:
            if key not in self.session.by_key.get(entity, {}):
                binder.report("E413", f"no {entity} with key {key!r} in `{self.ruleset.entities[entity].collection}`", where)
        if binder.diagnostics:
            return None, "; ".join(f"{d.fact_path}: {d.message}" for d in binder.diagnostics)
        key = fields.get(self.entity.key)
        key = None if key is None else str(key)
        return Record(self.entity.name, index, key, record_name(self.entity.collection, index, key), fields), None

    def key_text(self, raw: RawChunk, offset: int):
        column = raw.columns.get(self.entity.key)
        if column is None:
            return None
        value = column[offset]
        if value is not None and not isinstance(value, (str, bool, int, float, Decimal, dt.date, list, dict, Refused)):
            value = value.as_py()
        if value is None or isinstance(value, (dict, list, bool, Refused)):
            return None
        return str(value)

    def decide_rows(self, raw: RawChunk, offsets) -> dict[int, tuple]:
        """Row by row through the generated program: offset -> (key, decisions | None, error, explanation);
        the decisions iterate as one `Outcome` per decision."""
        return rowwise.decide_rows(self, raw, offsets)

    def explain_record(self, record: Record) -> str:
        """The interpreter's explanation of every decision of one record (JSON text)."""
        from interpreter.evaluation.evaluate import Evaluator
        from interpreter.evaluation.explain import explain
        from interpreter.evaluation.report import explanation_json
        from interpreter.evaluation.trace import Tracer

        records = dict(self.facts.records)
        records[self.entity.name] = (record,)
        facts = FactBase(self.facts.file, self.facts.as_of, self.facts.globals, records, self.facts.supplied)
        tracer = Tracer()
        evaluator = Evaluator(self.ruleset, self.loaded.tables, facts, self.session.as_of, tracer)
        document = {}
        for value in self.decisions:
            evaluator.outcome(value, record)
            document[value.name] = explanation_json(explain(self.ruleset, tracer.frame_for(value, record)))
        return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    # ------------------------------------------------------------ chunks

    def evaluate(self, raw: RawChunk):
        """One chunk -> (its output table (pyarrow), rows in input order; the number of bad rows), each
        distinct case decided once (`by_case`). Afterwards `row_wise` says how many rows were decided
        row by row, and why, and `cases` how many distinct cases the chunk has (None: not counted;
        `case_sample`: (rows, cases) of its first rows, when those were nearly all distinct)."""
        self.cases, self.case_sample = None, None
        inputs = self.case_inputs()
        if inputs is None or inputs.off is not None:
            return self.decide(raw)
        from interpreter.batch.by_case import decide_by_case

        table, bad, grouping = decide_by_case(self, raw, inputs, self.decide, force=self.group_cases is True)
        self.cases, self.case_sample = grouping.cases, grouping.sampled
        return table, bad

    def case_inputs(self):
        """What rows must agree on to decide alike (`cases.inputs_of`), worked out once; None: no grouping."""
        if self.group_cases is False or self.explain:  # an explanation names the record and shows its dates
            return None
        if self._case_inputs is None:
            from interpreter.batch.cases import inputs_of
            from interpreter.evaluation.evaluate import Evaluator

            evaluator = Evaluator(self.ruleset, self.loaded.tables, self.facts, self.session.as_of)
            self._case_inputs = inputs_of(self.ruleset, self.entity, self.decisions, evaluator)
        return self._case_inputs

    def decide(self, raw: RawChunk):
        """One chunk -> (its output table, bad rows), every row decided by the engines."""
        if self.columnar is not None:
            return self.columnar.evaluate(self, raw)
        results = self.decide_rows(raw, range(raw.rows))
        why = "--explain: explanations are built row by row" if self.explain else "the columnar engine is off"
        self.row_wise = {why: raw.rows} if raw.rows else {}
        return self.assemble(raw, results), sum(1 for r in results.values() if r[1] is None)

    def fallback_reasons(self, results: dict) -> dict[str, int]:
        """Rows the columnar engine handed to the row-wise engine -> how many for each reason."""
        reasons: dict[str, int] = {}
        for _, outcomes, _, _ in results.values():
            if outcomes is None:
                why = "a value the row could not be read with (an error row)"
            else:
                statuses = {o.status for o in outcomes} & {"undetermined", "conflict", "error"}
                why = (f"a decision {' / '.join(sorted(statuses))} (missing facts or messages are found row by row)"
                       if statuses else "a value outside the vectorised form (e.g. more than 2 decimal places, "
                                        "negative money, a date not written YYYY-MM-DD)")
            reasons[why] = reasons.get(why, 0) + 1
        return reasons

    def output_schema(self):
        import pyarrow as pa

        text = pa.string_view()  # what polars produces: no conversion between the engines
        fields = [pa.field("row", pa.int64()), pa.field(self.entity.key, text)]
        for value in self.decisions:
            fields.append(pa.field(value.name, _arrow_type(value)))
            fields.append(pa.field(f"{value.name}_status", text))
            fields.append(pa.field(f"{value.name}_citations", text))
            fields.append(pa.field(f"{value.name}_missing", text))
        fields.append(pa.field("error", text))
        if self.explain:
            fields.append(pa.field("explanation", text))
        return pa.schema(fields)

    def row_columns(self, results: dict, offsets) -> dict[str, list]:
        """Row-by-row results -> Python lists per output column (for the given offsets, in order)."""
        return rowwise.row_columns(self, results, offsets)

    def assemble(self, raw: RawChunk, results: dict):
        import pyarrow as pa

        schema = self.output_schema()
        columns = self.row_columns(results, range(raw.rows))
        arrays = [pa.array(range(raw.start, raw.start + raw.rows), pa.int64()), pa.array(columns["key"], pa.string_view())]
        for field in list(schema)[2:]:
            name = field.name
            arrays.append(pa.array(columns[name], field.type))
        return pa.Table.from_arrays(arrays, schema=schema)


def _arrow_type(value: model.Value):
    import pyarrow as pa

    kind = value.type.kind
    if kind == "boolean":
        return pa.bool_()
    if kind == "integer":
        return pa.int64()
    return pa.string_view()


def chunk_stats(job: Job, table, bad: int) -> dict:
    """Per decision, how many rows of a chunk have each status; and how many rows were bad."""
    import pyarrow.compute as pc

    statuses = {}
    for value in job.decisions:
        counts = pc.value_counts(table.column(f"{value.name}_status")).to_pylist()
        statuses[value.name] = {entry["values"]: entry["counts"] for entry in counts}
    return {"statuses": statuses, "bad": bad, "shared_missing": shared_missing(job, table), "row_wise": dict(job.row_wise)}


def shared_missing(job: Job, table) -> dict:
    """Facts not of the row (global facts, other collections, `as_of`) that undetermined rows
    name as missing -> how many rows of the chunk name each (the most over the decisions)."""
    import pyarrow.compute as pc

    own = f"{job.entity.collection}["
    found: dict = {}
    for value in job.decisions:
        per_value: dict = {}
        for entry in pc.value_counts(table.column(f"{value.name}_missing")).to_pylist():
            if not entry["values"]:
                continue
            for name in str(entry["values"]).split("; "):
                if not name.startswith(own):
                    per_value[name] = per_value.get(name, 0) + entry["counts"]
        for name, rows in per_value.items():
            found[name] = max(found.get(name, 0), rows)
    return dict(sorted(found.items()))
