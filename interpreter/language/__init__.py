"""The language: rule files -> a checked model, with located diagnostics.

Stages (run in order by `pipeline.load`): parse (Lark grammar -> AST, citations stamped from the
headings) -> resolve (names, imports, types -> model) -> check (cycles, conflicts, units) -> tables
(reference data read and typed). Also the value domain every later stage shares: exact decimals,
durations and dates (`values`, `scalars`), and diagnostics as values (`diagnostics`).
May import: nothing outside this package.
"""
