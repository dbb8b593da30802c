"""Diff report: a `DiffResult` -> terminal text (old and new side by side) or a JSON document.

Guarantees: JSON has sorted keys and exact values as strings (as `rules eval --format
json`); lists keep the order of the result (citations in statutory order, fact files
sorted). Text quotes statute text and rule source of both versions in two columns,
names every provision by citation, and gives both explanations of every decision the
corpus flips. Nothing is recomputed here.
"""
from __future__ import annotations

import difflib
import textwrap

import yaml
from rich.console import Console
from rich.text import Text

from interpreter.amendments.changes import ProvisionChange, RuleChange, ValueChange
from interpreter.amendments.declarations import text_edits
from interpreter.amendments.diff import DecisionChange, DiffResult
from interpreter.evaluation import explain_text, report

COLUMN = 62
_MARK = {"added": "+", "removed": "-", "changed": "~", "renumbered": ">", "moved": ">", "relabelled": ">"}
_STYLE = {"added": "green", "removed": "red", "changed": "yellow", "renumbered": "cyan", "moved": "cyan",
          "relabelled": "cyan"}
_ASPECT = {"consequence": "value given", "condition": "condition", "exception_to": "exception", "notes": "notes",
           "target": "target", "citation": "citation", "label": "label", "kind": "kind", "type": "type",
           "description": "description", "heading": "heading", "text": "statute text",
           "non_operative": "non-operative note", "rules": "rules"}


# ---------------------------------------------------------------- JSON


def _claim(status: str) -> str:
    """What a witness status shows, and no more: a difference, a proof that none can exist, or a search miss."""
    if status in ("found", "shown_by_corpus"):
        return "differs"
    if status == "no_decision":
        return "proved_no_difference"  # no decision reads the change: no fact set can differ
    if status in ("exhausted", "not_found"):
        return "none_found_among_candidates"
    return "not_searched" if status == "not_searched" else "not_comparable"


def _rule_json(change: RuleChange) -> dict:
    return {
        "change": change.change, "label": change.label, "old_label": change.old_label, "target": change.target,
        "old_citation": change.old_citation, "new_citation": change.new_citation, "aspects": list(change.aspects),
        "behavioural": change.behavioural,
        "old": {"source": change.old_source, "location": change.old_location},
        "new": {"source": change.new_source, "location": change.new_location},
    }


def _value_json(change: ValueChange) -> dict:
    return {
        "change": change.change, "id": change.id, "kind": change.kind,
        "old_citation": change.old_citation, "new_citation": change.new_citation, "aspects": list(change.aspects),
        "old": {**dict(change.old), "location": change.old_location},
        "new": {**dict(change.new), "location": change.new_location},
    }


def _provision_json(change: ProvisionChange) -> dict:
    return {
        "change": change.change, "citation": change.citation,
        "old_citation": change.old_citation, "new_citation": change.new_citation, "level": change.level,
        "aspects": list(change.aspects), "text_only": change.text_only, "behavioural": change.behavioural,
        "old": {"heading": change.old_heading, "text": change.old_text, "notes": list(change.old_notes),
                "non_operative": change.old_non_operative, "location": change.old_location},
        "new": {"heading": change.new_heading, "text": change.new_text, "notes": list(change.new_notes),
                "non_operative": change.new_non_operative, "location": change.new_location},
        "text_edits": list(text_edits(change.old_text, change.new_text)) if "text" in change.aspects else [],
        "values": [_value_json(v) for v in change.values],
        "rules": [_rule_json(r) for r in change.rules],
        "renumbered_with_it": list(change.moved_along),
        "merged_into": change.merged_into,
    }


def _decision_json(change: DecisionChange, explanations: bool) -> dict:
    document = {
        "file": change.file, "target": change.target, "change": change.kind, "caused_by": list(change.causes),
        "old": {"status": change.old_status, "value": change.old_json, "display": change.old_shown,
                "citations": list(change.old_citations), "basis": list(change.old_basis)},
        "new": {"status": change.new_status, "value": change.new_json, "display": change.new_shown,
                "citations": list(change.new_citations), "basis": list(change.new_basis)},
    }
    if explanations:
        document["old"]["explanation"] = report.explanation_json(change.old_explanation) if change.old_explanation else None
        document["new"]["explanation"] = report.explanation_json(change.new_explanation) if change.new_explanation else None
    return document


def summary(result: DiffResult) -> dict:
    s = result.structure
    counts = {
        "provisions_added": sum(1 for p in s.provisions if p.change == "added"),
        "provisions_removed": sum(1 for p in s.provisions if p.change == "removed"),
        "provisions_changed": sum(1 for p in s.provisions if p.change == "changed"),
        "provisions_renumbered": sum(1 for p in s.provisions if p.change == "renumbered"),
        "provisions_text_only": sum(1 for p in s.provisions if p.text_only),
        "declarations_changed": len(s.declarations),
        "reference_rows_changed": len(s.rows),
        "other_files_changed": len(s.files),
        "behaviour_changes": len(result.clusters),
        "witnesses_found": sum(1 for w in result.witnesses if w.status == "found"),
    }
    if result.impact is not None:
        changes = [c for f in result.impact for c in f.changes]
        counts.update({
            "fact_files": len(result.impact),
            "decisions_changed": sum(1 for c in changes if c.kind == "value"),
            "decisions_basis_changed": sum(1 for c in changes if c.kind == "basis"),
            "decisions_added_or_removed": sum(1 for c in changes if c.kind in ("added", "removed")),
            "decisions_one_version_only": sum(1 for c in changes if c.kind in ("only_old", "only_new")),
            "fact_files_not_valid_on_one_side": sum(1 for f in result.impact if f.problems),
        })
    return counts


def diff_json(result: DiffResult, explanations: bool = True) -> dict:
    s = result.structure
    return {
        "output_version": report.OUTPUT_VERSION,
        "act": result.act,
        "old": {"side": result.old, "title": result.old_title},
        "new": {"side": result.new, "title": result.new_title},
        "differences": result.differences,
        "provisions": [_provision_json(p) for p in s.provisions],
        "declarations": [{"category": d.category, "name": d.name, "change": d.change, "details": list(d.details),
                          "location": d.location} for d in s.declarations],
        "reference_rows": [{"table": r.table, "file": r.file, "key": r.key, "dated_from": r.dated_from,
                            "change": r.change, "behavioural": r.behavioural,
                            "columns": [{"column": c, "old": o, "new": n} for c, o, n in r.columns],
                            "old": {"source": r.old_source, "line": r.old_line},
                            "new": {"source": r.new_source, "line": r.new_line}} for r in s.rows],
        "other_files": [{"path": f.path, "change": f.change} for f in s.files],
        "layout_only": list(s.layout_only),
        "behaviour_changes": [
            {"id": w.cluster.id, "citations": list(w.cluster.citations), "values": list(w.cluster.values),
             "tables": list(w.cluster.tables), "decisions": list(w.cluster.decisions), "witness_status": w.status, "witness_candidates": w.candidates,
             "witness_claim": _claim(w.status),
             "new_vocabulary": list(w.cluster.new_vocabulary),
             "shown_by_fact_files": list(w.shown_by), "witness_file": w.file, "witness_facts": w.facts,
             "witness_decisions": [_decision_json(c, explanations) for c in w.changes]}
            for w in result.witnesses
        ],
        "impact": None if result.impact is None else [
            {"file": f.file, "not_valid": [{"side": side, "message": m} for side, m in f.problems],
             "decisions_changed": [_decision_json(c, explanations) for c in f.changes if c.kind == "value"],
             "basis_changed": [_decision_json(c, explanations) for c in f.changes if c.kind == "basis"],
             "decisions_added_or_removed": [_decision_json(c, False) for c in f.changes if c.kind in ("added", "removed")],
             "decisions_one_version_only": [_decision_json(c, False) for c in f.changes if c.kind in ("only_old", "only_new")]}
            for f in result.impact
        ],
        "witness_directory": result.witness_dir,
        "summary": summary(result),
    }


# ---------------------------------------------------------------- text helpers


def _wrap(text: str, width: int) -> list[str]:
    out = []
    for line in (text or "").splitlines() or [""]:
        if len(line) <= width:
            out.append(line)
            continue
        indent = len(line) - len(line.lstrip())
        out.extend(textwrap.wrap(line, width, initial_indent="", subsequent_indent=" " * (indent + 4),
                                 break_long_words=True, break_on_hyphens=False) or [""])
    return out


def _columns(left: str | None, right: str | None, indent: int, width: int = COLUMN) -> list[Text]:
    a = _wrap(left, width) if left is not None else ["(none)"]
    b = _wrap(right, width) if right is not None else ["(none)"]
    rows = []
    for i in range(max(len(a), len(b))):
        line = Text(" " * indent)
        line.append(f"{a[i] if i < len(a) else '':<{width}}", style="red" if left != right else "")
        line.append(" │ ", style="dim")
        line.append(b[i] if i < len(b) else "", style="green" if left != right else "")
        rows.append(line)
    return rows


def _heading_line(indent: int, old_label: str, new_label: str, width: int = COLUMN) -> Text:
    line = Text(" " * indent)
    line.append(f"{old_label:<{width}}", style="bold")
    line.append(" │ ", style="dim")
    line.append(new_label, style="bold")
    return line


def _plain(text: str, indent: int = 0, style: str = "") -> Text:
    return Text(" " * indent + text, style=style)


def _rendered(node) -> list[str]:
    return explain_text.plain_lines(node)


def _explanation_lines(node, indent: int) -> list[Text]:
    return [Text(" " * indent + line) for line in _rendered(node)]


def _explanation_diff_lines(old, new, indent: int) -> list[Text]:
    """Both explanations compared as trees, value by value: a value whose explanation is the same on
    both sides is unchanged wherever its subtree now stands; the others show their changed lines."""
    a = explain_text.value_nodes(old) if old is not None else {}
    b = explain_text.value_nodes(new) if new is not None else {}
    out, unchanged = [], 0
    pad = " " * indent
    for target in list(b) + [t for t in a if t not in b]:
        if target in a and target in b and a[target] == b[target]:
            unchanged += 1
            continue
        if target not in b:
            out.append(Text(f"{pad}- {a[target][0]}", style="red"))
            continue
        if target not in a:
            out.append(Text(f"{pad}+ {b[target][0]}", style="green"))
            continue
        (old_label, old_body), (new_label, new_body) = a[target], b[target]
        if old_label != new_label:
            out.append(Text(f"{pad}- {old_label}", style="red"))
            out.append(Text(f"{pad}+ {new_label}", style="green"))
        else:
            out.append(Text(f"{pad}~ {new_label}", style="bold"))
        for line in difflib.ndiff(list(old_body), list(new_body)):
            if line.startswith("- "):
                out.append(Text(f"{pad}    - {line[2:]}", style="red"))
            elif line.startswith("+ "):
                out.append(Text(f"{pad}    + {line[2:]}", style="green"))
    if unchanged:
        out.append(Text(f"{pad}… {unchanged} value{'s' if unchanged != 1 else ''} explained alike on both sides",
                        style="dim"))
    return out


# ---------------------------------------------------------------- text


def print_diff(console: Console, result: DiffResult, explanations="diff") -> None:
    """explanations: "diff" (both trees as one diff, the default), "full" (both trees whole), or falsy.

    On a terminal the old/new columns share its width and long lines wrap; piped output keeps
    the fixed layout (COLUMN characters a side) and is never wrapped."""
    terminal = console.is_terminal
    lines = text_lines(result, explanations, width=console.width if terminal else None)
    for line in lines:
        console.print(line, soft_wrap=not terminal)


def column_width(width: int | None) -> int:
    """Characters per side of an old/new comparison on a screen `width` wide (the widest indent is 8)."""
    if width is None:
        return COLUMN
    return max(16, min(COLUMN * 2, (width - 8 - 3) // 2))


def text_lines(result: DiffResult, explanations="diff", width: int | None = None) -> list[Text]:
    column = column_width(width)
    s = result.structure
    out: list[Text] = [Text("rules diff", style="bold"),
                       _plain(f"old: {result.old}", 2), _plain(f"new: {result.new}", 2)]
    if result.old_title != result.new_title:
        out.append(_plain(f"title: “{result.old_title}” → “{result.new_title}”", 2))
    else:
        out.append(_plain(result.new_title, 2, "dim"))
    if not result.differences:
        out.append(Text(""))
        out.append(Text("no differences of substance", style="bold green"))
        if s.layout_only:
            out.append(_plain("rule files that differ only in layout and comments: " + ", ".join(s.layout_only), 2, "dim"))
        _impact_lines(out, result, explanations)
        return out

    if s.provisions:
        out += [Text(""), Text("PROVISIONS (keyed by citation)", style="bold")]
        for change in s.provisions:
            _provision_lines(out, change, column)
    if s.declarations:
        out += [Text(""), Text("DECLARATIONS (enums, entities, facts, tables)", style="bold")]
        for d in s.declarations:
            line = Text(f"{_MARK[d.change]} ", style=_STYLE[d.change])
            line.append(f"{d.category} {d.name} {d.change}", style="bold")
            if d.location:
                line.append(f"   {d.location}", style="dim")
            out.append(line)
            out.extend(_plain(detail, 4) for detail in d.details)
    if s.rows:
        out += [Text(""), Text("REFERENCE DATA (rows by table key)", style="bold")]
        current = None
        for row in s.rows:
            if row.table != current:
                current = row.table
                out.append(_plain(f"table {row.table}  ({row.file})", 0, "bold"))
            key = row.key + (f" (from {row.dated_from})" if row.dated_from else "")
            line = Text(f"  {_MARK[row.change]} row {key} {row.change}", style=_STYLE[row.change])
            if row.change in ("added", "removed"):
                line.append(": " + ", ".join(f"{c} {n if row.change == 'added' else o}" for c, o, n in row.columns
                                             if (n if row.change == "added" else o) is not None))
            elif row.columns:
                line.append(": " + "; ".join(f"{c} {o if o is not None else '(empty)'} → {n if n is not None else '(empty)'}"
                                             for c, o, n in row.columns))
            elif row.change == "changed":
                line.append(": source only")
            out.append(line)
            if row.change == "changed" and row.old_source != row.new_source:
                out.append(_plain(f"source old: {row.old_source or '(none)'}", 6, "dim"))
                out.append(_plain(f"source new: {row.new_source or '(none)'}", 6, "dim"))
            else:
                out.append(_plain(f"source: {row.new_source or row.old_source or '(none)'}", 6, "dim"))
    if s.files:
        out += [Text(""), Text("OTHER FILES (beside the rules; not rule files or declared tables)", style="bold")]
        out.extend(Text(f"{_MARK[f.change]} {f.path} {f.change}", style=_STYLE[f.change]) for f in s.files)

    out += [Text(""), Text("BEHAVIOUR CHANGES AND WITNESSES", style="bold")]
    if not result.witnesses:
        out.append(_plain("no rule or reference-data change can change a decision: every change above is "
                          "text, notes, citations or declarations", 2, "dim"))
    for witness in result.witnesses:
        cluster = witness.cluster
        head = Text(f"{cluster.id} ", style="bold")
        head.append(", ".join(cluster.citations), style="bold cyan")
        parts = list(cluster.values) + [f"table {t}" for t in cluster.tables]
        if parts:
            head.append(f"   changes {', '.join(parts)}", style="dim")
        out.append(head)
        if cluster.decisions:
            shown = ", ".join(cluster.decisions[:8]) + (f" and {len(cluster.decisions) - 8} more" if len(cluster.decisions) > 8 else "")
            out.append(_plain(f"can change: {shown}", 4, "dim"))
        if witness.status == "found":
            if witness.file:
                out.append(_plain(f"witness: {witness.file}", 4, "green"))
            else:
                out.append(_plain("witness (--witnesses DIR writes it as a fact file):", 4, "green"))
                facts = yaml.safe_dump(witness.facts, sort_keys=False, allow_unicode=True, default_flow_style=None)
                out.extend(_plain(line, 6, "green") for line in facts.rstrip("\n").split("\n"))
            own = [c for c in witness.changes if cluster.id in c.causes] or list(witness.changes)
            others = [c for c in witness.changes if c not in own]
            width = max(len(c.target) for c in own)
            for change in own:
                line = Text(" " * 6 + f"{change.target:<{width}}  ")
                line.append(f"old: {change.old_shown}", style="red")
                line.append("   ")
                line.append(f"new: {change.new_shown}", style="green")
                out.append(line)
            if others:
                out.append(_plain("also different on this fact set, because of other changes: "
                                  + ", ".join(f"{c.target} ({c.old_shown} → {c.new_shown})" for c in others), 6, "dim"))
            for label, command in (("old", result.commands[0]), ("new", result.commands[1])):
                if command and witness.file:
                    out.append(_plain(f"check: rules eval {command} {witness.file}", 6, "dim"))
        elif witness.status == "shown_by_corpus":
            out.append(_plain(f"shown by the fact corpus: {', '.join(witness.shown_by)}", 4, "green"))
        elif witness.status == "not_found":
            out.append(_plain(f"none found among {witness.candidates} candidate fact sets: the search budget ran out "
                              "(raise --budget, or add a case to --facts); this does not show that none exists",
                              4, "yellow"))
        elif witness.status == "exhausted":
            out.append(_plain(f"none found among {witness.candidates} candidate fact sets, every one built from the "
                              "rules' constants (not a proof: facts with other values, or more records, were not "
                              "tried; the change may touch only the legal basis, or cases that stay undetermined)",
                              4, "yellow"))
        elif witness.status == "not_searched":
            out.append(_plain("witness search skipped (--no-witnesses)", 4, "dim"))
        elif witness.status == "new_vocabulary":
            out.append(_plain(f"no witness valid in both versions: the new rules differ only for "
                              f"{', '.join(cluster.new_vocabulary)}, which the old version does not have "
                              "(a fact file using it is not valid for the old version)", 4, "yellow"))
        else:
            note = (f"; its new rules use {', '.join(cluster.new_vocabulary)}, which the old version does not have"
                    if cluster.new_vocabulary else "")
            out.append(_plain(f"no fact set can differ: no decision depends on this change{note}", 4, "dim"))
    _impact_lines(out, result, explanations)
    out += [Text(""), _summary_line(result)]
    return out


def _summary_line(result: DiffResult) -> Text:
    counts = summary(result)
    parts = []
    for key, label in (("provisions_changed", "changed"), ("provisions_added", "added"), ("provisions_removed", "removed"),
                       ("provisions_renumbered", "renumbered")):
        if counts[key]:
            parts.append(f"{counts[key]} {label}")
    text = "summary: provisions " + (", ".join(parts) if parts else "unchanged")
    if counts["provisions_text_only"]:
        text += f" ({counts['provisions_text_only']} in text only)"
    text += (f"; {counts['declarations_changed']} declaration(s), {counts['reference_rows_changed']} reference row(s), "
             f"{counts['other_files_changed']} other file(s); {counts['behaviour_changes']} behaviour change(s), "
             f"{counts['witnesses_found']} witness(es) written")
    if "decisions_changed" in counts:
        text += (f"; corpus of {counts['fact_files']} file(s): {counts['decisions_changed']} decision(s) changed, "
                 f"{counts['decisions_basis_changed']} changed basis only")
    return Text(text, style="bold")


def _provision_lines(out: list[Text], change: ProvisionChange, column: int = COLUMN) -> None:
    head = Text(f"{_MARK[change.change]} ", style=_STYLE[change.change])
    if change.change == "renumbered":
        head.append(f"{change.old_citation} → {change.new_citation}", style="bold")
    else:
        head.append(change.citation, style="bold")
    heading = change.new_heading or change.old_heading
    if heading:
        head.append(f" {heading}")
    what = change.change
    if change.text_only:
        what = "changed in text only (no rule changed): " + ", ".join(_ASPECT.get(a, a) for a in change.aspects)
    elif change.change == "changed":
        what = "changed: " + ", ".join(_ASPECT.get(a, a) for a in change.aspects)
    elif change.change == "renumbered" and change.aspects:
        what = "renumbered and changed: " + ", ".join(_ASPECT.get(a, a) for a in change.aspects)
    head.append(f" — {what}", style=_STYLE[change.change])
    out.append(head)
    if change.moved_along:
        out.append(_plain("its subdivisions moved with it: " + ", ".join(change.moved_along), 4, "dim"))
    if change.merged_into:
        out.append(_plain(f"its text now stands in {change.merged_into}", 4, "dim"))
    locations = [x for x in (change.old_location and f"old {change.old_location}",
                             change.new_location and f"new {change.new_location}") if x]
    if locations:
        out.append(_plain("   ".join(locations), 4, "dim"))
    if change.change in ("added", "removed"):
        text = change.new_text if change.change == "added" else change.old_text
        if text:
            out.extend(_plain(line, 4, _STYLE[change.change]) for line in _wrap(f"“{text}”", 2 * column))
    else:
        if "heading" in change.aspects:
            out.append(_plain(f"heading: “{change.old_heading}” → “{change.new_heading}”", 4))
        if "text" in change.aspects:
            out.append(_plain("statute text", 4, "bold"))
            out.append(_heading_line(6, "old", "new", column))
            out.extend(_columns(change.old_text, change.new_text, 6, column))
            for edit in text_edits(change.old_text, change.new_text):
                out.append(_plain(edit, 6, "magenta"))
        if "notes" in change.aspects:
            out.append(_plain("notes", 4, "bold"))
            out.extend(_columns("\n".join(change.old_notes) or None, "\n".join(change.new_notes) or None, 6, column))
        if "non_operative" in change.aspects:
            out.append(_plain("non-operative note", 4, "bold"))
            out.extend(_columns(change.old_non_operative, change.new_non_operative, 6, column))
    quoted = {(r.target, r.change) for r in change.rules if r.label == r.target and r.change in ("added", "removed")}
    for value in change.values:
        if (value.id, value.change) in quoted:
            continue  # the rule written with it is quoted below
        line = Text(" " * 4 + f"{_MARK[value.change]} {value.kind} {value.id} {value.change}", style=_STYLE[value.change])
        if value.change == "moved":
            line.append(f" from {value.old_citation}")
        elif value.change == "changed":
            line.append(": " + ", ".join(_ASPECT.get(a, a) for a in value.aspects))
        out.append(line)
        if value.change == "changed":
            old, new = dict(value.old), dict(value.new)
            for aspect in value.aspects:
                if aspect in ("kind", "type", "description"):
                    out.append(_plain(f"{aspect}: “{old.get(aspect)}” → “{new.get(aspect)}”", 8))
    for rule in change.rules:
        label = rule.label if rule.old_label is None else f"{rule.old_label} → {rule.label}"
        if rule.target != rule.label:
            label += f" (gives {rule.target})"
        line = Text(" " * 4 + f"{_MARK[rule.change]} rule {label} {rule.change}", style=_STYLE[rule.change])
        if rule.change in ("changed", "moved", "relabelled") and rule.aspects:
            line.append(": " + ", ".join(_ASPECT.get(a, a) for a in rule.aspects))
        if rule.change == "moved":
            line.append(f" from {rule.old_citation}")
        out.append(line)
        if rule.change in ("added", "removed"):
            source = rule.new_source if rule.change == "added" else rule.old_source
            where = rule.new_location if rule.change == "added" else rule.old_location
            if where:
                out.append(_plain(where, 8, "dim"))
            out.extend(_plain(text, 8, _STYLE[rule.change]) for text in _wrap(source or "", 2 * column))
        elif rule.change == "changed":
            out.append(_heading_line(8, f"old  {rule.old_location or ''}", f"new  {rule.new_location or ''}", column))
            out.extend(_columns(rule.old_source, rule.new_source, 8, column))


def _impact_lines(out: list[Text], result: DiffResult, explanations: bool) -> None:
    if result.impact is None:
        return
    out += [Text(""), Text("DECISION IMPACT ON THE FACT CORPUS", style="bold")]
    causes = {c.id: ", ".join(c.citations) for c in result.clusters}
    for item in result.impact:
        out.append(_plain(item.file, 0, "bold"))
        for side, message in item.problems:
            out.append(_plain(f"not a valid fact file for the {side} version: {message}", 2, "yellow"))
        flipped = [c for c in item.changes if c.kind == "value"]
        basis = [c for c in item.changes if c.kind == "basis"]
        other = [c for c in item.changes if c.kind in ("added", "removed")]
        one_side = [c for c in item.changes if c.kind in ("only_old", "only_new")]
        if one_side:
            which = "new" if one_side[0].kind == "only_new" else "old"
            out.append(_plain(f"what the {which} version decides on it ({len(one_side)} decided):", 2, "bold"))
            for change in one_side:
                shown = change.new_shown if which == "new" else change.old_shown
                citations = change.new_citations if which == "new" else change.old_citations
                out.append(_plain(f"{change.target} = {shown}   [{', '.join(citations)}]", 4))
        if not item.changes and not item.problems:
            out.append(_plain("no decision changed", 2, "dim"))
        if flipped:
            out.append(_plain(f"decisions whose value or status changed ({len(flipped)})", 2, "bold"))
            for change in flipped:
                _decision_lines(out, change, causes, explanations)
        if basis:
            out.append(_plain(f"decisions whose value stayed but whose legal basis changed ({len(basis)})", 2, "bold"))
            for change in basis:
                _decision_lines(out, change, causes, explanations)
        if other:
            out.append(_plain(f"decisions that exist in one version only ({len(other)})", 2, "bold"))
            for change in other:
                shown = change.new_shown if change.kind == "added" else change.old_shown
                out.append(_plain(f"{'+' if change.kind == 'added' else '-'} {change.target} = {shown}", 4,
                                  _STYLE[change.kind]))


def _decision_lines(out: list[Text], change: DecisionChange, causes: dict, explanations: bool) -> None:
    line = Text(" " * 4 + change.target + ": ", style="bold")
    if change.kind == "value":
        line.append(change.old_shown, style="red")
        line.append(" → ")
        line.append(change.new_shown, style="green")
    else:
        line.append(f"{change.new_shown} (unchanged)")
    if change.causes:
        line.append(f"   caused by {'; '.join(f'{c} {causes.get(c, c)}' for c in change.causes)}", style="cyan")
    out.append(line)
    if change.kind == "basis" or change.old_citations != change.new_citations:
        gone = [c for c in change.old_basis if c not in change.new_basis]
        came = [c for c in change.new_basis if c not in change.old_basis]
        if gone or came:
            out.append(_plain("basis: " + "; ".join([f"no longer {c}" for c in gone] + [f"now {c}" for c in came]), 6, "cyan"))
    if explanations == "full":
        if change.old_explanation is not None:
            out.append(_plain("old explanation:", 6, "dim"))
            out.extend(_explanation_lines(change.old_explanation, 8))
        if change.new_explanation is not None:
            out.append(_plain("new explanation:", 6, "dim"))
            out.extend(_explanation_lines(change.new_explanation, 8))
    elif explanations:
        out.append(_plain("explanations compared value by value, old (-) against new (+):", 6, "dim"))
        out.extend(_explanation_diff_lines(change.old_explanation, change.new_explanation, 8))
