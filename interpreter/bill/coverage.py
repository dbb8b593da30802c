"""Coverage: bill outline + rule set + scenario results -> how each provision is accounted for.

input: the bill text kept with the rule set (`RULESET/bill/*.txt`), the loaded rule set
and its scenario results; output: a `CoverageReport` listing every section and
subdivision of the bill with its status:
- `encoded`: values or rules stand at that citation (with the scenarios exercising them);
- `non_operative`: the rule set states why it decides nothing (inherited by subdivisions);
- `structural`: a heading whose subdivisions are all accounted for;
- `missing`: none of these.
Provisions of the rule set that the bill does not have (a mistyped citation) are listed
apart. Guarantees: the outline comes from the bill text, not from the rule set, so a
provision nobody encoded cannot hide.
"""
from __future__ import annotations

import os

import attrs

from interpreter.bill.outline import OutlineEntry, parse_outline
from interpreter.language.citation import Citation, citation_key
from interpreter.language.diagnostics import UserError, error
from interpreter.language.pipeline import Loaded


@attrs.frozen
class CoverageEntry:
    citation: Citation
    heading: str | None
    status: str  # encoded | non_operative | structural | missing
    values: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    reason: str | None = None

    @property
    def accounted(self) -> bool:
        return self.status != "missing"

    @property
    def depth(self) -> int:
        return len(self.citation.path)


@attrs.frozen
class CoverageReport:
    act: str
    bill: str
    entries: tuple[CoverageEntry, ...]
    not_in_bill: tuple[str, ...]
    provisional: str | None = None  # the bill file's own first line, when it says it is a provisional outline

    @property
    def accounted(self) -> int:
        return sum(1 for e in self.entries if e.accounted)

    @property
    def percent(self) -> float:
        return 100.0 * self.accounted / len(self.entries) if self.entries else 0.0

    @property
    def untested(self) -> tuple[CoverageEntry, ...]:
        return tuple(e for e in self.entries if e.status == "encoded" and not e.tests)

    @property
    def complete(self) -> bool:
        return self.accounted == len(self.entries) and not self.not_in_bill


def bill_text_path(root: str) -> str | None:
    directory = os.path.join(root, "bill")
    if not os.path.isdir(directory):
        return None
    texts = sorted(f for f in os.listdir(directory) if f.endswith(".txt"))
    return os.path.join(directory, texts[0]) if texts else None


def coverage(loaded: Loaded, scenario_results=()) -> CoverageReport:
    ruleset = loaded.ruleset
    path = bill_text_path(loaded.root)
    if path is None:
        raise UserError([error("E700", f"no bill text kept with the rule set: put it in {os.path.join(loaded.root, 'bill')}/",
                               suggestions=("coverage compares the rule set with the outline of the bill's own text",))])
    with open(path, encoding="utf-8") as handle:
        bill_text = handle.read()
    outline = parse_outline(bill_text, ruleset.act)
    provisions = {p.citation: p for p in ruleset.provisions}
    values_at: dict[Citation, list[str]] = {}
    for value in ruleset.values.values():
        values_at.setdefault(value.citation, []).append(value.id)
    rules_at: dict[Citation, list[str]] = {}
    for rule in ruleset.rules.values():
        rules_at.setdefault(rule.citation, []).append(rule.label)
    tests_at: dict[str, set[str]] = {}
    for result in scenario_results:
        for citation in result.citations:
            tests_at.setdefault(citation, set()).add(f"{os.path.basename(result.file)} :: {result.name}")

    def reason_for(citation: Citation) -> str | None:
        for enclosing in citation.ancestors():
            provision = provisions.get(enclosing)
            if provision is not None and provision.non_operative:
                return provision.non_operative
        return None

    statuses: dict[Citation, CoverageEntry] = {}
    # deepest first, so a heading can look at its subdivisions
    for entry in sorted(outline, key=lambda e: -len(e.citation.path)):
        statuses[entry.citation] = _classify(entry, outline, statuses, values_at, rules_at, tests_at, reason_for)
    entries = tuple(statuses[e.citation] for e in outline)
    in_bill = {e.citation for e in outline}
    not_in_bill = tuple(sorted(str(c) for c in provisions if c.section and c not in in_bill))
    first_line = bill_text.lstrip().splitlines()[0] if bill_text.strip() else ""
    provisional = first_line.strip() if first_line.upper().startswith("PROVISIONAL") else None
    return CoverageReport(ruleset.act, os.path.relpath(path), entries, not_in_bill, provisional)


def _classify(entry: OutlineEntry, outline, statuses, values_at, rules_at, tests_at, reason_for) -> CoverageEntry:
    citation = entry.citation
    values = tuple(sorted(values_at.get(citation, ())))
    rules = tuple(sorted(rules_at.get(citation, ())))
    if values or rules:
        tests = tuple(sorted(tests_at.get(str(citation), ())))
        return CoverageEntry(citation, entry.heading, "encoded", values, rules, tests)
    reason = reason_for(citation)
    if reason is not None:
        return CoverageEntry(citation, entry.heading, "non_operative", reason=reason)
    children = [e.citation for e in outline
                if len(e.citation.path) == len(citation.path) + 1 and citation.contains(e.citation)]
    if children and all(statuses[c].accounted for c in children):
        return CoverageEntry(citation, entry.heading, "structural")
    return CoverageEntry(citation, entry.heading, "missing")


def notes(loaded: Loaded) -> list[dict]:
    """Every interpretation note of the rule set, in citation order, with where it stands."""
    found = []
    for provision in loaded.ruleset.provisions:
        for note in provision.notes:
            found.append((provision.citation, "provision", note, provision.span))
    for rule in loaded.ruleset.rules.values():
        for note in rule.notes:
            found.append((rule.citation, f"rule {rule.label}", note, rule.span))
    found.sort(key=lambda n: (citation_key(n[0]), n[1], n[2]))
    return [{"citation": str(citation), "on": on, "note": note, "location": str(span) if span else None}
            for citation, on, note, span in found]
