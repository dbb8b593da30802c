"""Engines: faster ways to run the same semantics as `interpreter.evaluation.evaluate`.

compile (row-wise: the checked model -> a program of closures per record) and columnar (whole
columns at once with polars, exact scaled-integer decimals; rows it cannot decide exactly fall back
to the row-wise program). The interpreter is the reference; tests prove each engine equal to it.
May import: interpreter.language, interpreter.evaluation.
"""
