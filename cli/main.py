"""The `rules` command: argument parsing and output routing only.

Every decision is made by `interpreter` (the public API and its report module); this
module turns command-line options into API calls and API results into exit codes:
    0  success
    1  the answer is "no": `check` found errors, a `test` scenario failed
    2  usage error (unknown option, missing argument)
    3  invalid input: a rule set that does not load, a bad fact file, an unknown target
    4  evaluation finished, but some decision is in conflict or in error
   70  internal error (a bug: please report it; RULES_DEBUG=1 shows the traceback)
"""
from __future__ import annotations

import gc
import os
import sys

# Importing makes some 40,000 container objects that live as long as the process: the cyclic
# collector would walk them ~45 times meanwhile (~7 ms of a 200 ms start-up) and again in every
# full collection after. It is paused while importing, and what was imported is set aside (frozen).
_collecting = gc.isenabled()
gc.disable()
import click  # noqa: E402
from rich.console import Console  # noqa: E402

from cli import completion  # noqa: E402
from cli.lazy_group import LazyGroup  # noqa: E402
from cli.pager import paged  # noqa: E402
from interpreter import api  # noqa: E402
from interpreter.api import Loaded, UserError, report  # noqa: E402

if _collecting:
    gc.freeze()
    gc.enable()

EXIT_OK, EXIT_NO, EXIT_USAGE, EXIT_INPUT, EXIT_DECISION, EXIT_INTERNAL = 0, 1, 2, 3, 4, 70


def _console(stream) -> Console:
    # On a terminal rich wraps to the window; piped output is never cropped or wrapped.
    width = None if stream.isatty() else 100_000
    return Console(file=stream, highlight=False, width=width)


def _out() -> Console:
    return _console(sys.stdout)


def _err() -> Console:
    return _console(sys.stderr)


def _fail_input(loaded: Loaded | None, error: UserError, fmt: str = "text") -> None:
    if fmt == "json":
        click.echo(report.dumps(report.diagnostics_json(error.diagnostics)), nl=False)
    else:
        report.print_diagnostics(_err(), error.diagnostics, loaded.sources if loaded else None)
    sys.exit(EXIT_INPUT)


def _load_or_exit(ruleset: str, fmt: str = "text") -> Loaded:
    loaded = api.load(ruleset)
    if not loaded.ok:
        if fmt == "json":
            click.echo(report.dumps(report.diagnostics_json(loaded.diagnostics)), nl=False)
        else:
            report.print_diagnostics(_err(), loaded.diagnostics, loaded.sources)
            if "parse" in loaded.stages:
                _err().print("the rule set has errors; `rules check` lists them")
        sys.exit(EXIT_INPUT)
    return loaded


FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                      help="text for people, json for programs (stable, keys sorted)")
AS_OF = click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
                     help="evaluate as of this date (YYYY-MM-DD); overrides `as_of` in the facts")


# Commands kept in their own modules are imported only when run (or listed by `rules --help`).
LAZY_COMMANDS = {"batch": "cli.batch_command:batch", "diff": "cli.diff_command:diff", "init": "cli.init_command:init",
                 "schema": "cli.service_command:schema", "replay": "cli.service_command:replay",
                 "serve": "cli.service_command:serve", "fmt": "cli.fmt_command:fmt", "lsp": "cli.lsp_command:lsp",
                 "compile": "cli.compile_command:compile_command"}


@click.group(cls=LazyGroup, lazy_commands=LAZY_COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="legal-rules")
def main() -> None:
    """Encode legislation as rules, and get cited, explained decisions from facts."""


@main.command()
@click.argument("ruleset", type=click.Path())
@FORMAT
def check(ruleset: str, fmt: str) -> None:
    """Parse, resolve and check RULESET (and its quotes of the bill kept in bill/); print located diagnostics."""
    loaded = api.check(ruleset)
    if fmt == "json":
        click.echo(report.dumps(report.diagnostics_json(loaded.diagnostics)), nl=False)
    else:
        report.print_diagnostics(_err() if not loaded.ok else _out(), loaded.diagnostics, loaded.sources)
        if loaded.ok:
            ruleset_model = loaded.ruleset
            _out().print(f"{ruleset_model.title}: {len(ruleset_model.values)} values and decisions, "
                         f"{len(ruleset_model.rules)} rules in {len(ruleset_model.files)} files — no errors "
                         f"(stages: {' -> '.join(loaded.stages)})")
    sys.exit(EXIT_OK if loaded.ok else EXIT_NO)


DEPTH = click.option("--depth", type=click.IntRange(min=0), default=None, metavar="N",
                     help="text: levels of values shown below each decision (default 2)")
FULL = click.option("--full", is_flag=True, help="text: every value read, not only those that decided the result")
NO_PAGER = click.option("--no-pager", is_flag=True, help="never page long output on a terminal (as git: $PAGER, less)")


def _view(depth: int | None, full: bool):
    return api.explain_text.View(depth=depth if depth is not None else (None if full else 2), full=full)


@main.command(name="eval")
@click.argument("ruleset", type=click.Path())
@click.argument("facts", type=click.Path())
@AS_OF
@FORMAT
@click.option("--explain", "with_explanations", is_flag=True, help="include the explanation of every decision shown")
@click.option("--only", "patterns", multiple=True, metavar="PATTERN", shell_complete=completion.complete_pattern,
              help="only the decisions matching PATTERN (repeatable): `imports[L05]`, `treatment`, "
                   "`imports[L05].treatment`; `*` matches any characters")
@DEPTH
@FULL
@NO_PAGER
@click.option("--records", type=click.Path(dir_okay=False), default=None,
              help="append one decision record per decision to this JSONL file (see `rules replay`)")
def eval_command(ruleset: str, facts: str, as_of, fmt: str, with_explanations: bool, patterns, depth, full,
                 no_pager: bool, records: str | None) -> None:
    """Evaluate every decision of RULESET on the FACTS file (YAML or JSON)."""
    loaded = _load_or_exit(ruleset, fmt)
    try:
        if records:
            from interpreter.service import evaluate_recorded
            result = evaluate_recorded(loaded, facts, as_of.date() if as_of else None, records)
        else:
            result = api.evaluate(loaded, facts, as_of.date() if as_of else None)
        if patterns:
            result = api.select(result, patterns)
    except UserError as error:
        _fail_input(loaded, error, fmt)
    explanations = api.explain_all(result) if with_explanations else None
    if fmt == "json":
        click.echo(report.dumps(report.result_json(result, explanations)), nl=False)
    else:
        console = _out()
        with paged(console, enabled=not no_pager):
            api.explain_text.print_result(console, result, explanations, _view(depth, full))
    failed = any(d.outcome.status in ("conflict", "error") for d in result.decisions)
    sys.exit(EXIT_DECISION if failed else EXIT_OK)


@main.command()
@click.argument("ruleset", type=click.Path())
@click.argument("facts", type=click.Path())
@click.argument("target", shell_complete=completion.complete_target)
@AS_OF
@FORMAT
@DEPTH
@FULL
@NO_PAGER
def explain(ruleset: str, facts: str, target: str, as_of, fmt: str, depth, full, no_pager: bool) -> None:
    """Explain one decision: TARGET is `name` or `collection[KEY].name` (e.g. imports[L01].treatment).

    The text shows the values that decided it (and, for a false or open result, why not),
    two levels deep; --depth N shows more or fewer levels, --full every value it read.
    Each provision's text and notes are quoted once; later mentions refer back."""
    loaded = _load_or_exit(ruleset, fmt)
    try:
        decision, explanation = api.decide(loaded, facts, target, as_of.date() if as_of else None)
    except UserError as error:
        _fail_input(loaded, error, fmt)
    if fmt == "json":
        click.echo(report.dumps(report.explain_json(loaded.ruleset, decision, explanation)), nl=False)
    else:
        console = _out()
        with paged(console, enabled=not no_pager):
            api.explain_text.print_explanation(console, explanation, _view(depth, full))
    sys.exit(EXIT_DECISION if decision.outcome.status in ("conflict", "error") else EXIT_OK)


@main.command()
@click.argument("ruleset", type=click.Path())
@FORMAT
def test(ruleset: str, fmt: str) -> None:
    """Run the scenario tests kept in RULESET/tests/."""
    loaded = _load_or_exit(ruleset, fmt)
    results = api.run_scenarios(loaded)
    if fmt == "json":
        click.echo(report.dumps(report.scenarios_json(results)), nl=False)
    else:
        report.print_scenarios(_out(), results, loaded.ruleset.sources)
    sys.exit(EXIT_OK if results and all(r.passed for r in results) else EXIT_NO)


@main.command()
@click.argument("ruleset", type=click.Path())
@FORMAT
def coverage(ruleset: str, fmt: str) -> None:
    """Account for every provision of the bill kept in RULESET/bill/: encoded, non-operative or missing."""
    loaded = _load_or_exit(ruleset, fmt)
    try:
        found = api.coverage(loaded)
    except UserError as error:
        _fail_input(loaded, error, fmt)
    if fmt == "json":
        click.echo(report.dumps(report.coverage_json(found)), nl=False)
    else:
        report.print_coverage(_out(), found)
    sys.exit(EXIT_OK if found.complete else EXIT_NO)


@main.command()
@click.argument("ruleset", type=click.Path())
@FORMAT
def notes(ruleset: str, fmt: str) -> None:
    """List every interpretation note of RULESET, with its citation."""
    loaded = _load_or_exit(ruleset, fmt)
    found = api.notes(loaded)
    if fmt == "json":
        click.echo(report.dumps(report.notes_json(found)), nl=False)
    else:
        report.print_notes(_out(), found)
    sys.exit(EXIT_OK)


@main.command(name="doc")
@click.argument("ruleset", type=click.Path())
@click.option("-o", "--output", type=click.Path(), default=None, help="write the page here instead of printing it")
def doc(ruleset: str, output: str | None) -> None:
    """Write the Markdown page of the Act RULESET encodes: decisions, facts, notes, how to run."""
    loaded = _load_or_exit(ruleset)
    page = api.document(loaded)
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(page)
    else:
        click.echo(page, nl=False)
    sys.exit(EXIT_OK)


def run() -> None:
    """Console-script entry point: a bug never shows a traceback unless asked for."""
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence for users
        if os.environ.get("RULES_DEBUG"):
            raise
        _err().print(f"internal error: {type(exc).__name__}: {exc}\n"
                     "This is a bug in `rules`, not in your input. Set RULES_DEBUG=1 to see the traceback.")
        sys.exit(EXIT_INTERNAL)


from cli import help_text  # noqa: E402  (summaries, examples and exit codes of every command)
help_text.teach(main)


if __name__ == "__main__":
    run()
