"""Public API of the rule interpreter.

    loaded = load("rules/ramsa")                    # read, parse, resolve, check, tables
    result = evaluate(loaded, "facts.yaml")         # every decision, traced
    tree = explain(result, "imports[L01].treatment")  # why / why not

The CLI (`cli/`) calls only these functions and the renderers in `interpreter.report`.
"""
from interpreter.api import (  # noqa: F401
    DecisionResult, EvaluationResult, TargetError, decide, evaluate, evaluate_data, explain, explain_all, load,
)
