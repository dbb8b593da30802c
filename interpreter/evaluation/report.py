"""Report: results, explanations and diagnostics -> JSON documents and terminal text.

Guarantees: JSON output has sorted keys and no timestamps or absolute paths, so the
same rules and facts give byte-identical output; exact values are written as strings
(`"3086.42"`, rate `"0.25"`), never as floats; text output uses rich (colour and
tree glyphs on a terminal, plain text when piped).
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from interpreter.evaluation.explain import Condition, Explanation, basis, facts_used
from interpreter.evaluation.facts import Record
from interpreter.evaluation.trace import frames_below
from interpreter.language.ast import Duration
from interpreter.language.diagnostics import Diagnostic
from interpreter.language.source import SourceRegistry
from interpreter.language.tables import Row
from interpreter.language.values import DATE_CONVENTION, Unknown, format_value, money_text, plain

OUTPUT_VERSION = 1


# ---------------------------------------------------------------- JSON

def json_value(value, kind: str | None = None):
    cls = value.__class__  # the commonest exact classes first: what the checks below give them
    if cls is str or cls is bool:
        return value
    if cls is dt.date:
        return value.isoformat()
    if value is None or isinstance(value, Unknown):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return money_text(value) if kind == "money" else plain(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Duration):
        return str(value)
    if isinstance(value, (frozenset, set, tuple, list)):
        return sorted((json_value(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, Record):
        return value.key if value.key is not None else value.path
    if isinstance(value, Row):
        return value.key
    return str(value)


def explanation_json(node: Explanation) -> dict:
    # Empty parts (most nodes have no rows, many no facts or rules not applied) skip their comprehensions.
    return {
        "target": node.target,
        "description": node.description,
        "status": node.status,
        "value": node.value,
        "citation": node.citation,
        "rule": node.rule,
        "rule_citations": list(node.rule_citations),
        "statute_text": node.statute_text,
        "notes": list(node.notes),
        "conditions": [{"condition": c.text, "citation": c.citation, "holds": c.holds} for c in node.conditions]
        if node.conditions else [],
        "rules_not_applied": [
            {"rule": r.label, "citation": r.citation, "status": r.status,
             "failed_conditions": [_condition_json(c) for c in r.failed]}
            for r in node.not_applied
        ] if node.not_applied else [],
        "facts": dict(node.facts),
        "reference_rows": [{"table": t, "key": k, "source": s} for t, k, s in node.rows] if node.rows else [],
        "missing_facts": list(node.missing),
        "message": node.message,
        "provisional": list(node.provisional),
        "because": [explanation_json(c) if c.__class__ is Explanation else {"see": c} for c in node.children]
        if node.children else [],
    }


def _condition_json(condition: Condition) -> dict:
    return {"condition": condition.text, "citation": condition.citation, "holds": condition.holds}


def why_not(node: Explanation) -> list[str]:
    """For a false or missing result, the deepest cited conditions that failed."""
    reasons: list[str] = []

    def walk(current: Explanation, seen: set):
        if current.target in seen:
            return
        seen.add(current.target)
        failing = [c for c in current.conditions if c.holds is False]
        deeper = False
        for condition in failing:
            child = next((c for c in current.children if isinstance(c, Explanation)
                          and condition.citation and c.citation == condition.citation and c.value == "false"), None)
            if child is not None and any(x.holds is False for x in child.conditions):
                walk(child, seen)
                deeper = True
            else:
                where = condition.citation or current.citation
                reasons.append(f"{where} not met: {condition.text}")
            if child is not None:
                reasons.extend(_rescues(child))
        if not failing and not deeper:
            for rule in current.not_applied:
                verdict = "may apply" if rule.status == "unknown" else "did not apply"
                for condition in rule.failed:
                    reasons.append(f"{rule.citation} (`{rule.label}`) "
                                   f"{verdict}: {condition.text} is {holds_text(condition.holds)}")

    walk(node, set())
    return list(dict.fromkeys(reasons))


def _rescues(node: Explanation) -> list[str]:
    """The exceptions that could have made a false value true, and why each did not apply."""
    out = []
    for rule in node.not_applied:
        if rule.status not in ("not_applied", "unknown") or not rule.failed:
            continue
        verdict = "might have applied (facts missing)" if rule.status == "unknown" else "could have applied but did not"
        out.append(f"{rule.citation} (`{rule.label}`) {verdict}: "
                   + "; ".join(f"{c.text} is {holds_text(c.holds)}" for c in rule.failed))
    return out


def decision_json(decision, explanation: Explanation | None, ruleset=None) -> dict:
    outcome = decision.outcome
    kind = decision.value.type.kind
    frames = frames_below(decision.frame)
    document = {
        "target": decision.target,
        "decision": decision.value.id,
        "description": decision.value.description,
        "entity": decision.record.label if decision.record is not None else None,
        "status": outcome.status,
        "value": json_value(outcome.value, kind) if outcome.decided else None,
        "display": format_value(outcome.value, kind) if outcome.decided else outcome.status,
        "type": str(decision.value.type),
        "citations": list(decision.citations),
        "basis": list(basis(decision.frame, frames, ruleset)),
        "facts": {path: json_value(value) for path, value in facts_used(decision.frame, frames).items()},
        "missing_facts": sorted(outcome.missing),
        "message": outcome.message,
        "provisional": list(decision.provisional(ruleset)) if ruleset is not None else [],
    }
    if explanation is not None:
        document["explanation"] = explanation_json(explanation)
        if outcome.decided and outcome.value is False or outcome.status != "decided":
            document["why_not"] = why_not(explanation)
    return document


def calendar(result) -> list[dict]:
    """Every deadline decision as dated obligations, earliest first; undetermined ones last."""
    entries = []
    for decision in result.decisions:
        if not decision.value.is_deadline:
            continue
        base = {"target": decision.target, "obligation": decision.value.description or decision.value.name,
                "citations": list(decision.citations) or [str(decision.value.citation)]}
        outcome = decision.outcome
        if outcome.status == "not_applicable":
            continue  # no rule applies: no obligation
        if outcome.decided:
            dates = outcome.value if isinstance(outcome.value, frozenset) else {outcome.value}
            entries.extend({**base, "due": day.isoformat(), "status": "decided"} for day in dates)
        else:
            entries.append({**base, "due": None, "status": outcome.status, "missing_facts": sorted(outcome.missing)})
    return sorted(entries, key=lambda e: (e["due"] is None, e["due"] or "", e["target"]))


def explain_json(ruleset, decision, explanation: Explanation) -> dict:
    """`rules explain --format json`: one decision, with the same envelope as `eval`."""
    return {
        "output_version": OUTPUT_VERSION,
        "act": ruleset.act,
        "as_of": decision.as_of.isoformat() if decision.as_of else None,
        "date_convention": DATE_CONVENTION,
        **decision_json(decision, explanation, ruleset),
    }


def result_json(result, explanations: dict | None = None) -> dict:
    counts: dict[str, int] = {}
    for decision in result.decisions:
        counts[decision.outcome.status] = counts.get(decision.outcome.status, 0) + 1
    return {
        "output_version": OUTPUT_VERSION,
        "act": result.ruleset.act,
        "title": result.ruleset.title,
        "as_of": result.as_of.isoformat() if result.as_of else None,
        "date_convention": DATE_CONVENTION,
        "decisions": [decision_json(d, (explanations or {}).get(d.target), result.ruleset) for d in result.decisions],
        "calendar": calendar(result),
        "summary": dict(sorted(counts.items())),
    }


def diagnostics_json(diagnostics) -> dict:
    return {
        "output_version": OUTPUT_VERSION,
        "diagnostics": [
            {
                "code": d.code,
                "severity": d.severity.value,
                "message": d.message,
                "location": _span_json(d.span),
                "fact_path": d.fact_path,
                "related": [{"location": _span_json(r.span), "message": r.message} for r in d.related],
                "suggestions": list(d.suggestions),
            }
            for d in diagnostics
        ],
        "errors": sum(1 for d in diagnostics if d.is_error),
        "warnings": sum(1 for d in diagnostics if not d.is_error),
    }


def _span_json(span):
    if span is None:
        return None
    return {"file": span.file, "line": span.line, "column": span.column,
            "end_line": span.end_line, "end_column": span.end_column}


def dumps(document) -> str:
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- text

STATUS_STYLE = {"decided": "green", "undetermined": "yellow", "conflict": "red", "error": "red",
                 "not_applicable": "dim"}


def value_style(status: str, shown: str) -> str:
    return "red" if status == "decided" and shown == "false" else STATUS_STYLE.get(status, "")


def holds_text(holds) -> str:
    if holds is True:
        return "true"
    if holds is False:
        return "false"
    return str(holds)


def decision_line(decision, ruleset=None) -> Text:
    outcome = decision.outcome
    kind = decision.value.type.kind
    line = Text()
    line.append(decision.target, style="bold")
    if outcome.decided:
        line.append(" = ")
        shown = format_value(outcome.value, kind)
        line.append(shown, style=value_style("decided", shown))
        line.append(f"   [{', '.join(decision.citations)}]", style="cyan")
    elif outcome.status == "undetermined":
        line.append(" is undetermined", style="yellow")
        line.append(f"; missing facts: {', '.join(sorted(outcome.missing)) or 'none'}")
    elif outcome.status == "not_applicable":
        line.append(" — no rule applies", style="dim")
    else:
        line.append(f" is in {outcome.status}", style="red")
        if outcome.message:
            line.append(f": {outcome.message}")
    if ruleset is not None and decision.provisional(ruleset):
        line.append("  (provisional)", style="magenta")
    return line


def print_diagnostics(console: Console, diagnostics, sources: SourceRegistry | None) -> None:
    for diagnostic in diagnostics:
        _print_diagnostic(console, diagnostic, sources)
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    if diagnostics:
        console.print(Text(f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}",
                           style="bold red" if errors else "bold yellow"))


def _print_diagnostic(console: Console, d: Diagnostic, sources: SourceRegistry | None) -> None:
    style = "red" if d.is_error else "yellow"
    head = Text()
    if d.span is not None or d.fact_path:
        head.append(f"{d.location}: ", style="bold")
    head.append(f"{d.severity.value}[{d.code}]", style=f"bold {style}")
    head.append(f": {d.message}")
    console.print(head)
    if d.span is not None and sources is not None and d.fact_path is None:
        _print_excerpt(console, d.span, sources, style)
    for related in d.related:
        console.print(Text(f"  {related.span}: {related.message}", style="dim"))
        if sources is not None:
            _print_excerpt(console, related.span, sources, "blue")
    for suggestion in d.suggestions:
        console.print(Text(f"  help: {suggestion}", style="green"))


EXCERPT_WIDTH = 160


def _print_excerpt(console: Console, span, sources: SourceRegistry, style: str) -> None:
    line = sources.line(span.file, span.line)
    if line is None:
        return
    gutter = f"{span.line:>4} | "
    width = max(1, (span.end_column - span.column) if span.end_line == span.line else len(line) - span.column + 1)
    column = span.column
    if len(line) > EXCERPT_WIDTH:  # a very long line is shown as a window around the span, not whole
        start = max(0, column - 1 - EXCERPT_WIDTH // 4)
        line = ("…" if start else "") + line[start:start + EXCERPT_WIDTH] + ("…" if start + EXCERPT_WIDTH < len(line) else "")
        column = column - start + (1 if start else 0)
        width = max(1, min(width, len(line) - column + 1))
    console.print(Text(gutter, style="dim") + Text(line))
    console.print(Text(" " * len(gutter) + " " * (column - 1) + "^" * width, style=f"bold {style}"))



# ---------------------------------------------------------------- scenarios

def scenarios_json(results) -> dict:
    return {
        "output_version": OUTPUT_VERSION,
        "scenarios": [
            {
                "file": r.file,
                "scenario": r.name,
                "passed": r.passed,
                "checks": r.checks,
                "mismatches": [{"target": m.target, "aspect": m.aspect, "expected": m.expected, "actual": m.actual}
                               for m in r.mismatches],
                "errors": diagnostics_json(r.diagnostics)["diagnostics"],
            }
            for r in results
        ],
        "passed": sum(1 for r in results if r.passed),
        "failed": sum(1 for r in results if not r.passed),
    }


def print_scenarios(console: Console, results, sources: SourceRegistry | None) -> None:
    for result in results:
        mark = Text("PASS ", style="bold green") if result.passed else Text("FAIL ", style="bold red")
        console.print(mark + Text(f"{result.file} :: {result.name}") + Text(f"  ({result.checks} check{'' if result.checks == 1 else 's'})", style="dim"))
        for mismatch in result.mismatches:
            console.print(Text(f"    {mismatch.target} {mismatch.aspect}:", style="bold"))
            console.print(Text(f"      - expected {mismatch.expected}", style="green"))
            console.print(Text(f"      + actual   {mismatch.actual}", style="red"))
        if result.diagnostics:
            print_diagnostics(console, result.diagnostics, sources)
    passed = sum(1 for r in results if r.passed)
    failed = len(results) - passed
    if not results:
        console.print(Text("no scenarios found (put them in RULESET/tests/*.yaml)", style="yellow"))
    console.print(Text(f"{passed} passed, {failed} failed", style="bold green" if not failed else "bold red"))


# ---------------------------------------------------------------- coverage and notes

def coverage_json(report_) -> dict:
    return {
        "output_version": OUTPUT_VERSION,
        "act": report_.act,
        "bill": report_.bill,
        "provisions": len(report_.entries),
        "accounted": report_.accounted,
        "percent": round(report_.percent, 1),
        "complete": report_.complete,
        "untested": [str(e.citation) for e in report_.untested],
        "not_in_bill": list(report_.not_in_bill),
        "provisional": report_.provisional,
        "entries": [
            {"citation": str(e.citation), "heading": e.heading, "status": e.status, "values": list(e.values),
             "rules": list(e.rules), "tests": list(e.tests), "reason": e.reason}
            for e in report_.entries
        ],
    }


_COVERAGE_STYLE = {"encoded": "green", "non_operative": "blue", "structural": "dim", "missing": "bold red"}


def print_coverage(console: Console, report_) -> None:
    if report_.provisional:
        console.print(Text(f"{report_.bill}: {report_.provisional}", style="bold yellow"))
    for entry in report_.entries:
        line = Text("  " * entry.depth)
        line.append(f"{entry.citation.short:<22}", style="bold")
        line.append(f"{entry.status:<14}", style=_COVERAGE_STYLE[entry.status])
        if entry.status == "encoded":
            line.append(", ".join(entry.values or entry.rules))
            tests = len(entry.tests)
            line.append(f"   {tests} scenario{'s' if tests != 1 else ''}", style="dim" if tests else "yellow")
        elif entry.status == "non_operative":
            line.append(entry.reason or "", style="dim")
        elif entry.heading:
            line.append(entry.heading, style="dim")
        console.print(line)
    for citation in report_.not_in_bill:
        console.print(Text(f"{citation}: encoded in the rule set but not a provision of the bill", style="bold red"))
    untested = report_.untested
    summary = Text(f"{report_.act}: {report_.accounted} of {len(report_.entries)} provisions accounted for "
                   f"({report_.percent:.1f}%)", style="bold green" if report_.complete else "bold red")
    if untested:
        summary.append(f"; {len(untested)} encoded provision{'s' if len(untested) != 1 else ''} without a scenario",
                       style="yellow")
    console.print(summary)


def notes_json(found) -> dict:
    return {"output_version": OUTPUT_VERSION, "notes": found}


def print_notes(console: Console, found) -> None:
    for note in found:
        head = Text(note["citation"], style="bold cyan")
        head.append(f"  ({note['on']}, {note['location']})", style="dim")
        console.print(head)
        console.print(Text(f"  {note['note']}"))
    console.print(Text(f"{len(found)} note{'s' if len(found) != 1 else ''}", style="bold"))
