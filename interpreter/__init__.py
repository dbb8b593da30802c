"""The rule interpreter: rule files and fact files -> decisions with traceable citations.

    from interpreter import api
    loaded = api.load("rules/ramsa")                    # read, parse, resolve, check, tables
    result = api.evaluate(loaded, "facts.yaml")         # every decision, traced
    decision, tree = api.explain(result, "imports[L01].treatment")  # why / why not

Packages, lowest layer first (each may import only the layers before it):
    language/    rule files -> checked model (parse, resolve, check, tables, values, diagnostics)
    evaluation/  model + facts -> decisions, traces, explanations, reports, scenarios
    engines/     the same semantics, faster (row-wise compiled, columnar)
    batch/       files of records -> decided files, checkpointed, local or Dask
    bill/        the bill beside the rules: outline, coverage, notes, the Act's page
    amendments/  two versions -> structural diff, decision impact, witnesses
    api.py       the public façade; the CLI calls it (and the batch and amendments façades)
"""
from interpreter.api import (  # noqa: F401
    DecisionResult, EvaluationResult, TargetError, decide, evaluate, evaluate_data, explain, explain_all, load,
)
