"""The bill: a rule set beside the text it encodes -> outline, coverage, notes and the Act's page.

outline (the bill text in `bill/` -> its provisions, by citation) -> coverage (every provision
encoded, non-operative or missing; the notes the rule set takes) -> document (a Markdown page).
May import: interpreter.language, interpreter.evaluation.
"""
