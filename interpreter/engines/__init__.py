"""Engines: faster ways to run the same semantics as `interpreter.evaluation.evaluate`.

codegen (the checked model -> Python source text + a constants table, one function per value) and
generated (that source compiled once per rule set and entity: the row-wise `Program` and its
`Session`), and columnar (whole columns at once with polars, exact scaled-integer decimals; rows it
cannot decide exactly fall back to the row-wise program). The interpreter is the reference; tests
prove each engine equal to it.
May import: interpreter.language, interpreter.evaluation.
"""
