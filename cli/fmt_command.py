"""`rules fmt PATH...`: option parsing and output routing for the formatter only.

The formatting is done (and checked to keep the rules' meaning) by `interpreter.editor`;
this module reads options, writes or reports, and sets the exit code:
    0  every file is formatted (or, with --check, already was)
    1  --check or --diff: some file would change (they are named on standard error)
    3  invalid input: a path that does not exist, a file that does not parse
   70  internal error: the formatter would have changed a file's meaning (nothing is written)
"""
from __future__ import annotations

import sys

import click
from rich.console import Console

from interpreter.api import report

EXIT_OK, EXIT_CHANGED, EXIT_INPUT = 0, 1, 3


def _err() -> Console:
    return Console(file=sys.stderr, highlight=False, width=None if sys.stderr.isatty() else 100_000)


@click.command(name="fmt")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--check", is_flag=True, help="change nothing; exit 1 and name the files that would change")
@click.option("--diff", "show_diff", is_flag=True, help="change nothing; print the changes as a unified diff")
def fmt(paths: tuple[str, ...], check: bool, show_diff: bool) -> None:
    """Format rule files (PATH: a .rules file or a directory of them; `-` reads standard input)."""
    from interpreter import editor  # imported when used: the parser is not needed to start `rules`

    if paths == ("-",):
        text = sys.stdin.read()
        result = editor.format_text(text, "<stdin>")
        if not result.ok:
            report.print_diagnostics(_err(), result.diagnostics, None)
            sys.exit(EXIT_INPUT)
        click.echo(result.text, nl=False)
        sys.exit(EXIT_OK)
    found, problems = editor.rule_files_under(list(paths))
    results = [editor.format_file(path) for path in found]
    invalid = [d for r in results for d in r.diagnostics]
    if problems or invalid:
        report.print_diagnostics(_err(), problems + invalid, editor.sources_of(results))
    changed = [r for r in results if r.changed]
    if check or show_diff:
        for result in changed:
            if show_diff:
                click.echo(result.diff(), nl=False)
            _err().print(f"would reformat {result.path}")
    else:
        for result in changed:
            result.write()
            _err().print(f"reformatted {result.path}")
    _err().print(f"{len(changed)} of {len(results)} files {'would change' if check or show_diff else 'reformatted'}")
    if problems or invalid:
        sys.exit(EXIT_INPUT)
    sys.exit(EXIT_CHANGED if (check or show_diff) and changed else EXIT_OK)
