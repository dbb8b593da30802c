"""`rules batch`: decide every record of a JSONL, CSV or Parquet file; options in, API calls, exit codes out.

Exit codes as for the other commands (cli/main.py): 0 every row decided without error, 3 bad
input (rule set, GLOBALS, INPUT unreadable, unknown column, a run that cannot resume), 4 the
output was written but some rows are bad or some decisions are in error or conflict, 70 an
internal error (including rows out != rows in, which is never published).
"""
from __future__ import annotations

import sys

import click
from rich.console import Console

from interpreter import api
from interpreter import batch as batch_api
from interpreter.api import UserError, report

EXIT_OK, EXIT_INPUT, EXIT_DECISION, EXIT_INTERNAL = 0, 3, 4, 70


def _err() -> Console:
    return Console(file=sys.stderr, highlight=False, width=None if sys.stderr.isatty() else 100_000)


@click.command()
@click.argument("ruleset", type=click.Path())
@click.argument("input_path", metavar="INPUT", type=click.Path())
@click.option("--facts", "facts", type=click.Path(), default=None,
              help="GLOBALS: a fact file (YAML or JSON) with the shared facts: as_of, facts, the other entities' records")
@click.option("-o", "--output", "output", type=click.Path(), required=True,
              help="the output file; its extension (.jsonl, .csv, .parquet) sets its format")
@click.option("--entity", default=None, help="the entity INPUT holds (name or collection), if it cannot be told")
@click.option("--explain", "with_explanations", is_flag=True,
              help="add an `explanation` column (JSON); uses the interpreter per row, so it is much slower")
@click.option("--resume", is_flag=True, help="continue an interrupted run from OUTPUT.partial/")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: this process; dask: tasks on a Dask cluster over partitioned Parquet")
@click.option("--scheduler", default=None, help="a Dask scheduler address (default: a LocalCluster)")
@click.option("--chunk-size", type=click.IntRange(min=1), default=batch_api.DEFAULT_CHUNK_SIZE, show_default=True,
              help="rows evaluated (and checkpointed) at a time")
def batch(ruleset, input_path, facts, output, entity, with_explanations, resume, engine, scheduler, chunk_size):
    """Decide every record of INPUT (JSONL, CSV or Parquet) with RULESET; one output row per input row."""
    loaded = api.load(ruleset)
    if not loaded.ok:
        report.print_diagnostics(_err(), loaded.diagnostics, loaded.sources)
        sys.exit(EXIT_INPUT)
    bar = _progress() if sys.stderr.isatty() else None
    try:
        summary = batch_api.run_batch(loaded, input_path, output, facts_path=facts, entity=entity,
                                      explain=with_explanations, resume=resume, engine=engine, scheduler=scheduler,
                                      chunk_size=chunk_size, progress=bar.update if bar else None)
    except UserError as error:
        if bar:
            bar.stop()
        report.print_diagnostics(_err(), error.diagnostics, loaded.sources)
        sys.exit(EXIT_INPUT)
    except OSError as error:  # a file that cannot be read or written: the user's to fix
        if bar:
            bar.stop()
        _err().print(f"error: {error}", markup=False)
        sys.exit(EXIT_INPUT)
    except batch_api.BatchIntegrityError as error:
        if bar:
            bar.stop()
        _err().print(f"internal error: {error}; no output was written (the parts are kept in {output}.partial/)")
        sys.exit(EXIT_INTERNAL)
    except KeyboardInterrupt:
        if bar:
            bar.stop()
        _err().print(f"interrupted: run the same command with --resume to continue from {output}.partial/")
        sys.exit(130)
    if bar:
        bar.stop()
    console = _err()
    console.print(f"{summary.rows} rows -> {summary.output} ({summary.engine}, {summary.seconds:.2f} s"
                  + (f", {summary.resumed_chunks} of {summary.chunks} chunks resumed" if summary.resumed_chunks else "")
                  + ")")
    for name, counts in summary.statuses.items():
        console.print(f"  {name}: " + ", ".join(f"{n} {status}" for status, n in counts.items()))
    if summary.cases is not None:
        console.print(f"  {summary.cases} distinct cases in {summary.rows} rows")
    elif summary.case_sample:
        rows, cases = summary.case_sample
        console.print(f"  distinct cases not counted: the rows are nearly all distinct ({cases} cases in the first "
                      f"{rows} rows of the chunks), so every row was decided")
    if summary.shared_missing:
        console.print("  undetermined for want of facts not in the rows (give them with --facts): "
                      + ", ".join(f"{name} ({rows} rows)" for name, rows in summary.shared_missing.items()), markup=False)
    if summary.row_wise:
        console.print(f"  {sum(summary.row_wise.values())} rows decided row by row: "
                      + "; ".join(f"{why} ({rows})" for why, rows in summary.row_wise.items()), markup=False)
    if summary.bad_rows:
        console.print(f"  {summary.bad_rows} rows with bad data became error rows")
    for problem in summary.problems:
        console.print(f"  {problem}", markup=False)
    sys.exit(EXIT_DECISION if summary.failed else EXIT_OK)


class _progress:
    """A rich progress bar on stderr (only on a terminal)."""

    def __init__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("deciding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=Console(file=sys.stderr), transient=True)
        self.task = None

    def update(self, done: int, total):
        if self.task is None:
            self.bar.start()
            self.task = self.bar.add_task("rows", total=total)
        if total is not None:
            self.bar.update(self.task, total=total)
        self.bar.update(self.task, completed=done)

    def stop(self):
        self.bar.stop()
