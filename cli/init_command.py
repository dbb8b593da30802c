"""`rules init NAME [--act ABBREV]`: options in, one API call (api.init), exit codes out.

Exit codes: 0 created; 2 usage; 3 the folder exists and is not empty, the act name is not a
name, or the folder cannot be written (a located message, nothing overwritten).
"""
from __future__ import annotations

import os
import sys

import click
from rich.console import Console

from interpreter import api
from interpreter.api import UserError, report

EXIT_OK, EXIT_INPUT = 0, 3


@click.command(name="init")
@click.argument("name", type=click.Path(file_okay=False))
@click.option("--act", "act", default=None, metavar="ABBREV",
              help="the act's short name that begins every citation (default: NAME in capitals)")
@click.option("--title", default=None, help="the act's title (default: from NAME)")
def init(name: str, act: str | None, title: str | None) -> None:
    """Create the rule set NAME: act.rules, a section, bill/, data/, an example and its test."""
    try:
        files = api.init(name, act, title)
    except UserError as error:
        err = Console(file=sys.stderr, highlight=False, width=None if sys.stderr.isatty() else 100_000)
        report.print_diagnostics(err, error.diagnostics, None)
        sys.exit(EXIT_INPUT)
    out = Console(highlight=False, width=None if sys.stdout.isatty() else 100_000)
    out.print(f"created {name}/", markup=False)
    for file in files:
        out.print(f"  {os.path.join(name, file)}", markup=False)
    out.print(f"next: rules check {name} && rules test {name}, then replace the example with your bill "
              "(docs/tutorial.md)", markup=False)
    sys.exit(EXIT_OK)
