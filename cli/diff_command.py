"""`rules diff OLD NEW`: option parsing and output routing for the diff command only.

Every decision is made by the `interpreter.amendments` façade (compare, then diff_json or
print_diff for rendering); this module turns options into one API call and the result into an exit
code. Unlike the other commands, `diff` follows diff(1):
    0  no differences of substance
    1  differences (structure, decisions on the corpus, or witnesses found)
    2  any error: usage, a side that is missing or does not load, a bad git revision,
       a bad fact file, an unwritable witness directory, or an internal error
"""
from __future__ import annotations

import os
import sys

import click
from rich.console import Console

from interpreter.api import report

# The diff engine is imported when `rules diff` runs, so other commands start faster.

EXIT_SAME, EXIT_DIFFERENT, EXIT_ERROR = 0, 1, 2


def _console(stream) -> Console:
    width = None if stream.isatty() else 100_000
    return Console(file=stream, highlight=False, width=width)


HELP = """Compare two versions of a rule set: what changed by citation, which decisions change.

OLD and NEW are each a rule-set directory, or a git revision of one written REV:PATH
(e.g. HEAD~1:rules/ramsa, main:./rules/ramsa, or a tag of yours: v1.0:rules/ramsa): PATH is relative to the
top of the repository (or to the current directory when it starts with ./). A path that
exists on disk is always read as a directory.

The report names every changed provision by citation (added, removed, changed,
renumbered), quotes old and new statute text and rule source side by side, lists changed
declarations and reference-data rows (with their source), and groups the rule changes
into behaviour changes. With --facts, both versions are evaluated on each fact file and
every decision whose value changed is listed with both explanations, apart from those
whose value stayed but whose legal basis changed. For every behaviour change the corpus
does not show, a bounded search finds a minimal witness fact set on which the two versions
decide differently: written as a fact file under --witnesses DIR, or else shown in the report
(nothing is left in the temporary folder).
"""


@click.command(name="diff", help=HELP)
@click.argument("old")
@click.argument("new")
@click.option("--facts", "facts", multiple=True, type=click.Path(),
              help="a fact file or a directory of them (repeatable): evaluate both versions on each")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people, json for programs (stable, keys sorted)")
@click.option("--witnesses", "witness_dir", type=click.Path(file_okay=False), default=None,
              help="write witness fact files here (default: none are written; the report shows each witness's facts)")
@click.option("--no-witnesses", is_flag=True, help="do not search for witnesses")
@click.option("--no-explanations", is_flag=True, help="leave out the explanations of changed decisions")
@click.option("--full-explanations", is_flag=True,
              help="text: print both explanation trees whole (default: both as one diff, unchanged lines elided)")
@click.option("--seed", type=int, default=0, show_default=True, help="seed of the witness search (deterministic per seed)")
@click.option("--budget", type=click.IntRange(1, 1_000_000), default=None,
              help="fact sets the witness search may evaluate per behaviour change (default: the engine's, 2000)")
def diff(old: str, new: str, facts, fmt: str, witness_dir, no_witnesses: bool, no_explanations: bool,
         full_explanations: bool, seed: int, budget: int) -> None:
    from interpreter import amendments as diff_report
    from interpreter.amendments import DiffError, compare

    try:
        limits = {"budget": budget} if budget is not None else {}
        result = compare(old, new, facts=list(facts), witnesses=not no_witnesses, witness_dir=witness_dir,
                         seed=seed, **limits)
    except DiffError as error:
        _fail(error, fmt)
    except Exception as exc:  # noqa: BLE001 - diff reports every error as 2
        if os.environ.get("RULES_DEBUG"):
            raise
        _fail(DiffError(f"internal error: {type(exc).__name__}: {exc}. This is a bug in `rules diff`, not in your "
                        "input; set RULES_DEBUG=1 to see the traceback."), fmt)
    if fmt == "json":
        click.echo(report.dumps(diff_report.diff_json(result, explanations=not no_explanations)), nl=False)
    else:
        explanations = None if no_explanations else "full" if full_explanations else "diff"
        diff_report.print_diff(_console(sys.stdout), result, explanations=explanations)
    sys.exit(EXIT_DIFFERENT if result.differences else EXIT_SAME)


def _fail(error, fmt: str) -> None:
    if fmt == "json":
        document = {"output_version": report.OUTPUT_VERSION, "error": error.message,
                    "diagnostics": report.diagnostics_json(error.diagnostics)["diagnostics"]}
        click.echo(report.dumps(document), nl=False)
    else:
        console = _console(sys.stderr)
        console.print(f"rules diff: {error.message}", markup=False)
        if error.diagnostics:
            report.print_diagnostics(console, error.diagnostics, error.sources)
    sys.exit(EXIT_ERROR)
