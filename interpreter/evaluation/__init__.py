"""Evaluation: a checked model and fact files -> decisions, traces, explanations and reports.

facts (fact files -> typed records) -> evaluate (the reference tree-walking interpreter, three-valued,
default logic with exceptions) -> trace (what each rule read and decided) -> explain (why and why
not, as filters over the trace) -> report (text and stable JSON). `decide` runs them for a whole fact
file or one target; `scenarios` runs the tests kept with a rule set.
May import: interpreter.language.
"""
