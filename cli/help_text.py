"""Help that teaches: a one-line summary, examples and exit codes for every `rules` command.

input <- the `rules` click group with its commands registered; output -> the same commands
with `short_help` (the summary the command list shows, never cut) and an epilog (examples,
exit codes) that click prints verbatim under `--help`. Kept apart from cli/main.py so the
commands' code stays about options and calls; tests/test_cli_help.py checks that every
registered command has all three.
"""
from __future__ import annotations

import attrs
import click

# Exit codes shared by the commands (cli/main.py); `diff` follows diff(1) instead.
USAGE = ("2", "usage error: unknown option, missing argument, malformed --as-of")
INPUT = ("3", "invalid input: the rule set does not load, a bad or missing fact file, an unknown target")
INTERNAL = ("70", "internal error, a bug in `rules` (RULES_DEBUG=1 shows the traceback)")


@attrs.frozen
class Help:
    summary: str  # one line, shown whole in `rules --help`
    examples: tuple[tuple[str, str], ...]  # (command, what it shows)
    exit_codes: tuple[tuple[str, str], ...]

    def epilog(self) -> str:
        # `\b` stops click rewrapping the paragraph that follows it.
        lines = ["\b", "Examples:"]
        for command, what in self.examples:
            lines += [f"  # {what}"] if what else []
            lines.append(f"  {command}")
        lines += ["", "\b", "Exit codes:"]
        lines += [f"  {code:>3}  {meaning}" for code, meaning in self.exit_codes]
        return "\n".join(lines)


RAMSA, IMPORTS = "rules/ramsa", "rules/ramsa/examples/imports_2026.yaml"

COMMANDS: dict[str, Help] = {
    "init": Help(
        "Start a new rule set: act, a section, facts, a scenario test.",
        (("rules init housing --act HA", "a rule set in ./housing that passes check and test"),
         ("rules check housing && rules test housing", "what to run next")),
        (("0", "created"), USAGE, ("3", "the folder exists and is not empty, or cannot be written"), INTERNAL)),
    "check": Help(
        "Check a rule set: parse, resolve, type-check; located errors.",
        ((f"rules check {RAMSA}", "one line when all is well"),
         (f"rules check {RAMSA} --format json", "the diagnostics as JSON")),
        (("0", "no errors (warnings may be printed)"), ("1", "errors, printed with file:line:column"), USAGE,
         INTERNAL)),
    "eval": Help(
        "Evaluate every decision of a rule set on a fact file.",
        ((f"rules eval {RAMSA} {IMPORTS}", "every decision, cited"),
         (f"rules eval {RAMSA} {IMPORTS} --only 'imports[L05]' --explain", "one record, explained"),
         (f"rules eval {RAMSA} {IMPORTS} --only treatment", "one decision, every record"),
         (f"rules eval {RAMSA} {IMPORTS} --as-of 2026-04-01 --format json", "another date, for programs"),
         (f"rules eval {RAMSA} {IMPORTS} --records decisions.jsonl", "and keep a record of each (rules replay)")),
        (("0", "every decision decided, undetermined or not applicable"), USAGE, INPUT,
         ("4", "some decision is in conflict or in error (all are still printed)"), INTERNAL)),
    "explain": Help(
        "Explain one decision: provisions, conditions, facts behind it.",
        ((f"rules explain {RAMSA} {IMPORTS} 'imports[L05].treatment'", "why, and why not"),
         (f"rules explain {RAMSA} {IMPORTS} 'imports[L05].duty_amount' --full", "every value it read"),
         (f"rules explain {RAMSA} rules/ramsa/examples/eligibility.yaml 'countries[IND].eligible_for_alliance'",
          "why a country is not eligible")),
        (("0", "explained; the decision is not in conflict or error"), USAGE, INPUT,
         ("4", "the decision is in conflict or in error (still explained)"), INTERNAL)),
    "test": Help(
        "Run the scenario tests kept in the rule set's tests/ folder.",
        ((f"rules test {RAMSA}", "PASS/FAIL per scenario, expected against actual"),),
        (("0", "every scenario passed"), ("1", "a scenario failed, or none was found"), USAGE,
         ("3", "the rule set does not load"), INTERNAL)),
    "coverage": Help(
        "Account for each provision of the bill: encoded, or why not.",
        ((f"rules coverage {RAMSA}", "one line per provision, then the totals"),),
        (("0", "every provision accounted for"), ("1", "a provision is missing, or a citation is not in the bill"),
         USAGE, ("3", "the rule set does not load, or it keeps no bill text in bill/"), INTERNAL)),
    "notes": Help(
        "List every interpretation note, with its citation and place.",
        ((f"rules notes {RAMSA}", "the choices made in reading the bill"),),
        (("0", "listed"), USAGE, ("3", "the rule set does not load"), INTERNAL)),
    "doc": Help(
        "Write the Act's Markdown page: decisions, facts, notes, tables.",
        ((f"rules doc {RAMSA} -o docs/acts/ramsa.md", "regenerate a shipped page"),
         (f"rules doc {RAMSA} | less", "read it")),
        (("0", "written"), USAGE, ("3", "the rule set does not load"), INTERNAL)),
    "diff": Help(
        "Compare two versions of a rule set, and which decisions change.",
        ((f"rules diff {RAMSA} examples/amendments/ramsa_committee_substitute", "structure and witnesses"),
         (f"rules diff {RAMSA} examples/amendments/ramsa_committee_substitute --facts examples/amendments/corpus",
          "+ decisions on a corpus"),
         (f"rules diff HEAD~1:{RAMSA} {RAMSA} --no-witnesses", "against the last commit")),
        (("0", "no differences of substance"), ("1", "differences found"),
         ("2", "any error, bad input included (as diff(1); other commands use 3)"))),
    "batch": Help(
        "Decide every record of a CSV, JSONL or Parquet file, compiled.",
        ((f"rules batch {RAMSA} rules/ramsa/examples/batch/import_lines.csv "
          "--facts rules/ramsa/examples/batch/globals.yaml -o decisions.csv", "3,000 import lines"),
         (f"rules batch {RAMSA} LINES.parquet --facts GLOBALS.yaml -o OUT.parquet --resume",
          "continue an interrupted run")),
        (("0", "every row decided without error"), USAGE,
         ("3", "bad input: rule set, GLOBALS, unreadable INPUT, a resume whose inputs changed"),
         ("4", "written, but some rows are bad or some decisions in conflict or error"),
         ("70", "internal error, or rows out != rows in (nothing is published)"), ("130", "interrupted (--resume)"))),
    "compile": Help(
        "Show the Python source the row-wise engine generates.",
        ((f"rules compile {RAMSA}", "per entity: values, lines of Python, constants, time"),
         (f"rules compile {RAMSA} --entity ImportLine --show", "the source `rules batch` runs for import lines")),
        (("0", "generated"), USAGE,
         ("3", "the rule set does not load, an unknown entity, or its records cannot be decided one at a time"),
         INTERNAL)),
    "schema": Help(
        "Print the JSON Schema of the rule set's fact files.",
        ((f"rules schema {RAMSA} > ramsa.schema.json", "for editors, validators and API clients"),),
        (("0", "printed"), USAGE, ("3", "the rule set does not load"), INTERNAL)),
    "replay": Help(
        "Decide recorded decisions again: identical, different, changed.",
        ((f"rules eval {RAMSA} {IMPORTS} --records decisions.jsonl", "first, record some decisions"),
         (f"rules replay {RAMSA} decisions.jsonl", "then replay them, now or after the rules change")),
        (("0", "every record of this act decided identically"),
         ("1", "a record differs, was made by another rule-set version, or is invalid"), USAGE,
         ("3", "the rule set does not load, or the records file cannot be read"), INTERNAL)),
    "serve": Help(
        "Serve decisions over HTTP: evaluate, decide, schema, records.",
        ((f"rules serve {RAMSA} rules/cmtsa rules/secure", "on http://127.0.0.1:8000 (docs/serve.md)"),
         (f"rules serve {RAMSA} --port 0 --log decisions.jsonl --admin", "any free port, a decision log, reload")),
        (("0", "stopped (Ctrl-C or SIGTERM)"), USAGE, ("3", "a rule set does not load, or the port cannot be bound"),
         INTERNAL)),
    "lsp": Help(
        "Run the language server (LSP over stdio) for editors.",
        (("rules lsp", "started by the editor: see docs/editor.md for VS Code and Neovim"),),
        (("0", "the editor shut the server down"), USAGE, INTERNAL)),
    "fmt": Help(
        "Format rule files in the one canonical layout, meaning kept.",
        (("rules fmt rules/ramsa", "rewrite every .rules file under the folder"),
         ("rules fmt --check rules/", "what CI runs: name the files that would change"),
         ("rules fmt --diff rules/ramsa/s4_alliance.rules", "show the change, write nothing")),
        (("0", "formatted, or nothing to change"), ("1", "--check/--diff: some file would change"), USAGE,
         ("3", "a path that does not exist, or a file that does not parse (left as it is)"),
         ("70", "internal error: formatting would have changed a file's meaning (nothing written)"))),
}

GROUP_EPILOG = """\b
Run `rules COMMAND --help` for a command's options, examples and exit codes.
Start with `rules init NAME`, or read docs/tutorial.md.

\b
Shell completion (commands, options, files; targets from the fact file):
  bash:  eval "$(_RULES_COMPLETE=bash_source rules)"   # in ~/.bashrc
  zsh:   eval "$(_RULES_COMPLETE=zsh_source rules)"    # in ~/.zshrc
  fish:  _RULES_COMPLETE=fish_source rules | source   # in ~/.config/fish/completions/rules.fish
"""


def teach_command(name: str, command: click.Command) -> None:
    """Give one command its summary and epilog (a command without an entry is left alone)."""
    entry = COMMANDS.get(name)
    if entry is not None:
        command.short_help = entry.summary
        command.epilog = entry.epilog()


def teach(group: click.Group) -> None:
    """Give every command of `group` its summary and epilog, those imported later (a LazyGroup's) included."""
    group.epilog = GROUP_EPILOG
    for name, command in group.commands.items():
        teach_command(name, command)
    if hasattr(group, "prepare"):
        group.prepare = teach_command
