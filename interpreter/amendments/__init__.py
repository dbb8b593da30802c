"""Amendments: two versions of a rule set -> what changed, which decisions change, and witness fact files.

revision (paths or git revisions -> two sides) -> structure (citation-keyed changes to provisions,
rules, declarations, table rows, files) -> clusters/reads (behaviour changes and what they touch) ->
candidates/witness (a bounded search for a minimal fact set on which the versions differ) -> diff
(the whole comparison) -> diff_report (text and JSON). This module is the façade the CLI uses.
May import: interpreter.language, interpreter.evaluation, interpreter.bill.
"""
from interpreter.amendments.diff import DiffError, compare
from interpreter.amendments.diff_report import diff_json, print_diff

__all__ = ["DiffError", "compare", "diff_json", "print_diff"]
