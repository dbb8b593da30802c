"""`rules schema`, `rules replay` and `rules serve`: options in, interpreter.service calls, exit codes out.

Exit codes as for the other commands (cli/main.py): 0 success (replay: every record
identical), 1 replay found a record that is different, made by another rule set or
invalid, 3 bad input (a rule set that does not load, an unreadable records file, a port
that cannot be bound).
"""
from __future__ import annotations

import sys

import click
from rich.console import Console

from interpreter import api, service
from interpreter.api import UserError, report

EXIT_OK, EXIT_NO, EXIT_INPUT = 0, 1, 3


def _err() -> Console:
    return Console(file=sys.stderr, highlight=False, width=None if sys.stderr.isatty() else 100_000)


def _load(ruleset: str):
    loaded = api.load(ruleset)
    if not loaded.ok:
        report.print_diagnostics(_err(), loaded.diagnostics, loaded.sources)
        sys.exit(EXIT_INPUT)
    return loaded


@click.command()
@click.argument("ruleset", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["json-schema"]), default="json-schema", show_default=True,
              help="the schema language (JSON Schema draft 2020-12)")
def schema(ruleset: str, fmt: str) -> None:
    """Print the JSON Schema of RULESET's fact files (for editors, validators and API clients)."""
    loaded = _load(ruleset)
    click.echo(report.dumps(service.fact_schema(loaded.ruleset)), nl=False)
    sys.exit(EXIT_OK)


@click.command()
@click.argument("ruleset", type=click.Path())
@click.argument("records", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people, json for programs (stable, keys sorted)")
def replay(ruleset: str, records: str, fmt: str) -> None:
    """Decide every record of RECORDS (JSONL from `eval --records` or `serve --log`) again with RULESET."""
    loaded = _load(ruleset)
    try:
        results = service.replay(loaded, records)
    except UserError as error:
        report.print_diagnostics(_err(), error.diagnostics, None)
        sys.exit(EXIT_INPUT)
    if fmt == "json":
        click.echo(report.dumps(service.replay_json(loaded, results)), nl=False)
    else:
        _print_replay(results)
    replayed = [r for r in results if r.outcome != "other_act"]
    sys.exit(EXIT_OK if replayed and all(r.same for r in replayed) else EXIT_NO)


def _print_replay(results) -> None:
    out = Console(file=sys.stdout, highlight=False, width=None if sys.stdout.isatty() else 100_000)
    changed_hashes = set()
    for result in results:
        line = f"line {result.line}: {result.target or '?'}: "
        if result.outcome == "identical":
            out.print(line + "identical", markup=False)
        elif result.outcome == "other_act":
            continue  # counted in the summary line
        elif result.outcome == "invalid":
            out.print(line + f"invalid: {result.problem}", markup=False)
        else:
            what = " and ".join(result.aspects) or "nothing"
            if result.outcome == "ruleset_changed":
                changed_hashes.add(result.recorded_hash)
                if not result.aspects:
                    out.print(line + f"rule set changed; same decision: {_shown(result.now)}", markup=False)
                    continue
                head = f"rule set changed; {what} differ{'s' if len(result.aspects) == 1 else ''}"
            else:
                head = f"different {what}"
            out.print(line + f"{head}: was {_shown(result.recorded)}, now {_shown(result.now)}", markup=False)
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    moved = sum(1 for r in results if r.outcome == "ruleset_changed" and r.aspects)
    summary = ", ".join(f"{n} {_OUTCOMES[outcome]}" for outcome, n in sorted(counts.items())) or "no records"
    out.print(summary + (f" ({moved} of them decided differently now)" if moved else ""), markup=False)
    if changed_hashes:
        out.print("the records were made by another version of the rule set "
                  f"({', '.join(sorted(h[:19] for h in changed_hashes if h))}); "
                  "`rules diff OLD NEW` shows what changed between the versions", markup=False)


_OUTCOMES = {"identical": "identical", "different": "different", "ruleset_changed": "made by another rule-set version",
             "invalid": "invalid", "other_act": "of other acts (skipped)"}


def _shown(decision: dict | None) -> str:
    if not decision:
        return "?"
    citations = decision.get("citations") or []
    return f"{decision.get('display') or decision['status']}" + (f" [{', '.join(citations)}]" if citations else "")


@click.command()
@click.argument("rulesets", nargs=-1, required=True, type=click.Path())
@click.option("--host", default="127.0.0.1", show_default=True,
              help="the address to listen on (the default answers this machine only)")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0 picks a free port")
@click.option("--timeout", type=click.FloatRange(min=0.001), default=2.0, show_default=True,
              help="seconds one evaluation may take before the server stops it and answers 503")
@click.option("--max-body", type=click.IntRange(min=1), default=1024 * 1024, show_default=True,
              help="largest request body in bytes (larger ones answer 413)")
@click.option("--workers", type=click.IntRange(1, 64), default=4, show_default=True,
              help="evaluation threads (one process; extra threads keep a slow request from queueing others)")
@click.option("--log", "log_path", type=click.Path(dir_okay=False), default=None,
              help="append one decision record per decision to this JSONL file (a decision log)")
@click.option("--admin", is_flag=True, help="enable POST /v1/admin/reload")
def serve(rulesets, host, port, timeout, max_body, workers, log_path, admin) -> None:
    """Serve decisions of the RULESETS over HTTP (see docs/serve.md). SIGHUP reloads them."""
    try:
        service.serve(list(rulesets), host, port, max_body=max_body, timeout=timeout, workers=workers, admin=admin,
                      log_path=log_path, announce=lambda line: click.echo(line, err=True))
    except UserError as error:
        report.print_diagnostics(_err(), error.diagnostics, None)
        sys.exit(EXIT_INPUT)
    sys.exit(EXIT_OK)
