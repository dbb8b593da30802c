"""Shell completion of targets: TARGET (and --only patterns) completed from the fact file on the line.

input <- the RULESET and FACTS already typed (click's completion context) and the word being
completed; output -> the targets that start with it. Completion never prints and never fails:
a rule set or fact file that does not load completes nothing. Enabled by click's own
mechanism (`_RULES_COMPLETE=bash_source rules`, see `rules --help`).
"""
from __future__ import annotations

import re

from click.shell_completion import CompletionItem

_RECORD = re.compile(r"^(?P<record>[A-Za-z_]\w*\[[^\]]+\])\.(?P<name>\w+)$")


def _targets(ctx) -> list[str]:
    ruleset, facts = ctx.params.get("ruleset"), ctx.params.get("facts")
    if not ruleset and len(ctx.args) >= 2:  # completing an option's value: click leaves the arguments unparsed
        ruleset, facts = ctx.args[0], ctx.args[1]
    if not ruleset or not facts:
        return []
    from interpreter import api  # imported when completing: defining the options must stay cheap

    try:
        loaded = api.load(ruleset)
        return api.targets(loaded, facts) if loaded.ok else []
    except Exception:  # noqa: BLE001 - a half-typed command line must not break the shell
        return []


def complete_target(ctx, param, incomplete: str) -> list[CompletionItem]:
    """`rules explain RULESET FACTS <TAB>`: every target of that fact file."""
    return [CompletionItem(name) for name in _targets(ctx) if name.startswith(incomplete)]


def complete_pattern(ctx, param, incomplete: str) -> list[CompletionItem]:
    """`--only <TAB>`: targets, records (`imports[L05]`) and value names (`treatment`)."""
    found: dict[str, None] = {}
    for name in _targets(ctx):
        match = _RECORD.match(name)
        candidates = (match.group("record"), match.group("name"), name) if match else (name,)
        for candidate in candidates:
            found.setdefault(candidate)
    return [CompletionItem(name) for name in found if name.startswith(incomplete)]
