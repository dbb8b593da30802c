"""Explanations as text for a reader: Explanation trees (and evaluation results) -> terminal text.

input <- `Explanation` trees (explain.py), a `View` (how much to show) and a `Seen` record
shared by everything printed in one output; output -> text on a rich Console.
Guarantees:
- each provision's statute text and each note is quoted once per output; later nodes of the
  same provision refer back to it, and a value explained once is not explained again;
- the compact view (the default) expands only the values that decided the result (the
  deciding path, and for a false or open result the conditions that failed: the why-not),
  `depth` levels deep, and names the other values read on one line; `View(full=True,
  depth=None)` shows every value read;
- the same lines with or without colour: on a terminal rich draws (and wraps) the tree; when
  the output is plain the lines are joined directly, which keeps text output fast.
"""
from __future__ import annotations

import re

import attrs
from rich.console import Console, Group
from rich.text import Text
from rich.tree import Tree

from interpreter.evaluation.explain import Explanation
from interpreter.evaluation.report import calendar, decision_line, holds_text, value_style, why_not

# A condition that held, one that failed, one not known; a decided false is not "good news" green.
_MARKS = {True: ("✓", "bold green"), False: ("✗", "bold red")}
_RULE_VERDICTS = {"overridden": "overridden by an exception", "not_applied": "did not apply",
                  "unknown": "may apply (facts missing)", "pending": "applies unless an exception does (facts missing)"}


@attrs.frozen
class View:
    depth: int | None = 2  # levels of values shown below the decision; None: no limit
    full: bool = False  # every value read, not only those that decided the result


FULL = View(depth=None, full=True)


@attrs.define
class Seen:
    """What one output has already shown, so that later mentions refer back instead of repeating."""
    texts: set = attrs.Factory(set)  # citations whose statute text was quoted
    notes: set = attrs.Factory(set)
    explained: set = attrs.Factory(set)  # targets whose explanation was expanded


@attrs.define
class _Node:
    label: Text
    children: list = attrs.Factory(list)


def _label(node: Explanation) -> Text:
    label = Text()
    label.append(node.target, style="bold")
    label.append(" = " if node.status == "decided" else " is ")
    label.append(node.value, style=value_style(node.status, node.value))
    if node.rule_citations:
        label.append(f"   by {', '.join(node.rule_citations)}", style="cyan")
    else:
        label.append(f"   ({node.citation})", style="cyan")
    if node.description:
        label.append(f" — {node.description}", style="dim")
    return label


def _short(node: Explanation) -> str:
    return f"{node.target} {'=' if node.status == 'decided' else 'is'} {node.value}"


def _deciding(node: Explanation) -> tuple[list[Explanation], list[Explanation]]:
    """The child values that decided `node` (or, for a false or open result, kept it so), and the others."""
    positive = node.status == "decided" and node.value != "false"
    negative = node.status == "not_applicable" or (node.status == "decided" and node.value == "false")
    holds = {}
    for condition in node.conditions:
        holds.setdefault(condition.text, condition.holds)
    failed = {c.text for rule in node.not_applied for c in rule.failed}
    deciding, others = [], []
    for child in node.children:
        if not isinstance(child, Explanation):
            continue
        text = child.description or child.target
        # whether the condition that reads the child (or its negation) held
        held = holds.get(text, holds.get(f"not: {text}"))
        if child.status not in ("decided", "not_applicable"):
            decided_it = True  # an open or failed dependency always matters
        elif held is not None:
            decided_it = held is True if positive else held is False if negative else held == "unknown"
        elif text in failed or f"not: {text}" in failed:
            decided_it = not positive
        elif child.value not in ("true", "false"):
            decided_it = True  # a value the result is computed from
        else:
            decided_it = child.value == ("true" if positive else "false") if (positive or negative) else False
        (deciding if decided_it else others).append(child)
    return deciding, others


def _tree(node: Explanation, view: View, seen: Seen, level: int) -> _Node:
    item = _Node(_label(node))
    seen.explained.add(node.target)
    body = item.children
    for statement in node.provisional:
        body.append(_Node(Text(f"PROVISIONAL — {statement}", style="bold magenta")))
    new_notes = [note for note in node.notes if note not in seen.notes]
    if node.statute_text and node.citation in seen.texts:
        told = " and its notes" if node.notes and not new_notes else ""
        body.append(_Node(Text(f"(text of {node.citation}{told} quoted above)", style="dim italic")))
    elif node.statute_text:
        seen.texts.add(node.citation)
        body.append(_Node(Text(f"“{node.statute_text}”", style="italic")))
    elif node.notes and not new_notes:
        body.append(_Node(Text(f"(notes of {node.citation} above)", style="dim italic")))
    for note in new_notes:
        seen.notes.add(note)
        body.append(_Node(Text(f"note: {note}", style="magenta")))
    if node.message:
        body.append(_Node(Text(node.message, style="red")))
    if node.conditions:
        branch = _Node(Text("conditions"))
        for condition in node.conditions:
            mark, style = _MARKS.get(condition.holds, ("?", "yellow"))
            text = Text().append(mark, style=style).append(f" {condition.text}")
            if condition.citation:
                text.append(f"  ({condition.citation})", style="cyan")
            if condition.holds not in (True, False):
                text.append(f"  [{condition.holds}]", style="yellow")
            branch.children.append(_Node(text))
        body.append(branch)
    for rule in node.not_applied:
        verdict = _RULE_VERDICTS.get(rule.status, rule.status)
        branch = _Node(Text(f"{rule.citation} `{rule.label}` {verdict}", style="dim"))
        branch.children = [_Node(Text(f"{c.text} is {holds_text(c.holds)}", style="dim")) for c in rule.failed]
        body.append(branch)
    if node.facts:
        body.append(_Node(Text("facts"), [_Node(Text(f"{path} = {value}")) for path, value in node.facts]))
    for table, key, source in node.rows:
        body.append(_Node(Text(f"table {table} row {key}" + (f" — source: {source}" if source else ""), style="blue")))
    if node.missing:
        body.append(_Node(Text(f"missing facts: {', '.join(node.missing)}", style="yellow")))
    _children(node, view, seen, level, body)
    return item


def _children(node: Explanation, view: View, seen: Seen, level: int, body: list) -> None:
    if view.full:
        shown, others = [c for c in node.children], []
    else:
        shown, others = _deciding(node)
    if view.depth is not None and level >= view.depth:
        below = [c for c in shown if isinstance(c, Explanation) and c.target not in seen.explained]
        if below:
            names = ", ".join(_short(c) for c in below)
            body.append(_Node(Text(f"… depends on {names} (--depth {level + 1})", style="dim")))
        return
    for child in shown:
        if not isinstance(child, Explanation):
            if view.full:
                body.append(_Node(Text(f"{child} (explained above)", style="dim")))
        elif child.target in seen.explained:
            body.append(_Node(Text(f"{_short(child)} (explained above)", style="dim")))
        else:
            body.append(_tree(child, view, seen, level + 1))
    if others:
        names = ", ".join(_short(c) for c in others)
        body.append(_Node(Text(f"also read, not deciding: {names} (--full)", style="dim")))


def _plain_lines(node: _Node, prefix: str, out: list[str]) -> None:
    last = len(node.children) - 1
    for index, child in enumerate(node.children):
        out.append(prefix + ("└── " if index == last else "├── ") + child.label.plain)
        _plain_lines(child, prefix + ("    " if index == last else "│   "), out)


def _rich(node: _Node, tree: Tree) -> None:
    for child in node.children:
        _rich(child, tree.add(child.label))


def _lines(node: Explanation, view: View, seen: Seen, header: bool) -> tuple[_Node, list[Text]]:
    """The explanation as lines (the tree, then why-not and the date convention)."""
    root = _tree(node, view, seen, 0)
    reasons = why_not(node) if node.value in ("false", "undetermined", "not_applicable") else []
    tail = [Text(f"why not: {reason}", style="yellow") for reason in reasons]
    if node.date_convention and header:
        tail.append(Text(f"dates: {node.date_convention}", style="dim"))
    return root, tail


def _emit(console: Console, root: _Node, tail: list[Text]) -> None:
    if console.color_system is None and not console.is_terminal:
        out = [root.label.plain]
        _plain_lines(root, "", out)
        out.extend(line.plain for line in tail)
        console.file.write("\n".join(out) + "\n")
        return
    tree = Tree(root.label)
    _rich(root, tree)
    console.print(tree)
    for line in tail:
        console.print(line)


def print_explanation(console: Console, node: Explanation, view: View = View(), seen: Seen | None = None,
                      header: bool = True) -> None:
    root, tail = _lines(node, view, seen if seen is not None else Seen(), header)
    _emit(console, root, tail)


def plain_lines(node: Explanation, view: View = FULL) -> list[str]:
    """The explanation as plain lines, no colour, never wrapped (for diffs of explanations)."""
    root, tail = _lines(node, view, Seen(), True)
    out = [root.label.plain]
    _plain_lines(root, "", out)
    return out + [line.plain for line in tail]


def value_nodes(node: Explanation) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every value explained in a tree, by target: (its label line, its own lines without the values below).

    Where a value stands in the tree, and how deep, plays no part: two trees that explain the same
    values the same way give equal maps, however their subtrees are arranged."""
    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    stack = [node]
    while stack:
        current = stack.pop()
        if current.target in found:
            continue
        root = _tree(current, View(depth=0, full=True), Seen(), 0)
        body = [child for child in root.children if not child.label.plain.startswith("… depends on")]
        lines: list[str] = []
        _plain_lines(_Node(root.label, body), "", lines)
        # without tree guides, so that a line does not differ only because a sibling was added after it
        own = tuple(re.sub(r"[├└]── |│   ", "    ", line[4:]) for line in lines)
        found[current.target] = (root.label.plain, own)
        stack.extend(child for child in reversed(current.children) if isinstance(child, Explanation))
    return found


def _print_lines(console: Console, lines: list[Text]) -> None:
    if lines:
        console.print(Group(*lines))
        lines.clear()


def print_result(console: Console, result, explanations: dict | None = None, view: View = View()) -> None:
    """Every decision of a result, one line each (with its explanation under it if given), the calendar, counts."""
    # Lines are printed in runs, one console.print per run: rich's cost is mostly per call.
    lines = [Text(f"{result.ruleset.title} — as of {result.as_of.isoformat() if result.as_of else 'unknown date'}",
                  style="bold")]
    seen = Seen()  # one output: each text, note and value explained once across all the decisions
    for decision in result.decisions:
        explanation = (explanations or {}).get(decision.target)
        if explanation is None:
            lines.append(decision_line(decision, result.ruleset))
        elif explanation.target in seen.explained:  # explained in full under an earlier decision
            lines.append(_label(explanation).append(" (explained above)", style="dim"))
        else:  # the tree's first line is the decision's line
            _print_lines(console, lines)
            print_explanation(console, explanation, view, seen, header=False)
    entries = calendar(result)
    if entries:
        lines.append(Text("Calendar of obligations", style="bold"))
        for entry in entries:
            line = Text(f"  {entry['due'] or entry['status']:<12} ", style="green" if entry["due"] else "yellow")
            line.append(f"{entry['obligation']} ")
            line.append(f"[{', '.join(entry['citations'])}]", style="cyan")
            line.append(f"  {entry['target']}", style="dim")
            lines.append(line)
    counts: dict[str, int] = {}
    for decision in result.decisions:
        counts[decision.outcome.status] = counts.get(decision.outcome.status, 0) + 1
    lines.append(Text(", ".join(f"{n} {status}" for status, n in sorted(counts.items())), style="dim"))
    _print_lines(console, lines)
