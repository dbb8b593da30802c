"""Scenarios: test files kept with a rule set -> pass/fail results with readable diffs.

input: `RULESET/tests/*.yaml`, each holding one scenario or a list under
`scenarios:`; a scenario names its facts (inline `facts:` or `facts_file:`), an
optional `as_of`, and `expect:` target -> value, or target -> {value, status,
citations, missing}. output: a `ScenarioResult` per scenario. Expected values are
read with the target's declared type, exactly as fact files are: a rate is written
`"25%"`, money `"$1,250.00"` or `1250.00`, a set as a list.
"""
from __future__ import annotations

import datetime as dt
import os

import attrs

from interpreter.evaluation.decide import decision_of, evaluate_data
from interpreter.evaluation.facts import read_fact_file
from interpreter.language.diagnostics import Diagnostic, UserError, error
from interpreter.language.pipeline import Loaded, inside, rule_set_directory
from interpreter.language.scalars import convert_scalar
from interpreter.language.values import format_value


@attrs.frozen
class Mismatch:
    target: str
    aspect: str  # value | status | citations | missing | target
    expected: str
    actual: str


@attrs.frozen
class ScenarioResult:
    file: str
    name: str
    checks: int
    mismatches: tuple[Mismatch, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    citations: tuple[str, ...] = ()  # every citation this scenario exercised

    @property
    def passed(self) -> bool:
        return not self.mismatches and not self.diagnostics


def scenario_files(root: str) -> list[str]:
    directory = os.path.join(root, "tests")
    if not os.path.isdir(directory):
        return []
    return sorted(os.path.join(directory, f) for f in os.listdir(directory) if f.endswith((".yaml", ".yml", ".json")))


def run_scenarios(loaded: Loaded, files: list[str] | None = None) -> list[ScenarioResult]:
    results = []
    home = rule_set_directory(loaded.root)
    for path in files if files is not None else scenario_files(loaded.root):
        shown = os.path.relpath(path)
        # Scenario files found in RULESET/tests/ must be the rule set's own; files a caller names
        # are the caller's, and may also read fact files next to themselves.
        homes = (home,) if files is None else (home, os.path.dirname(os.path.realpath(path)))
        if files is None and not inside(path, home):
            problems = [error("E620", f"{shown} leads outside the rule set's directory (a symbolic link); "
                                      "a rule set reads only its own files", fact_path=shown)]
        else:
            data, problems = read_fact_file(path)
        if problems:
            results.append(ScenarioResult(shown, os.path.basename(path), 0, (), tuple(problems)))
            continue
        scenarios = data.get("scenarios") if isinstance(data, dict) and "scenarios" in data else [data]
        if not isinstance(scenarios, list):
            scenarios = [scenarios]
        for index, scenario in enumerate(scenarios):
            results.append(_run_one(loaded, shown, path, index, scenario, homes))
    return results


def _run_one(loaded: Loaded, shown: str, path: str, index: int, scenario, homes: tuple[str, ...]) -> ScenarioResult:
    if not isinstance(scenario, dict):
        return ScenarioResult(shown, f"#{index}", 0, (), (error("E622", "a scenario is a mapping", fact_path=f"scenarios[{index}]"),))
    name = str(scenario.get("scenario") or scenario.get("name") or f"#{index}")
    facts = scenario.get("facts")
    if "facts_file" in scenario:
        facts_path = os.path.normpath(os.path.join(os.path.dirname(path), str(scenario["facts_file"])))
        if not any(inside(facts_path, home) for home in homes):
            return ScenarioResult(shown, name, 0, (), (error(
                "E620", f"facts_file {_cut(str(scenario['facts_file']))} is outside the rule set's directory; "
                        "a rule set reads only its own files", fact_path=f"{name}.facts_file",
                suggestions=("keep the fact files of scenarios in the rule set, e.g. under examples/ or tests/",)),))
        facts, problems = read_fact_file(facts_path)
        if problems:
            return ScenarioResult(shown, name, 0, (), tuple(problems))
        if facts is not None and not isinstance(facts, dict):
            return ScenarioResult(shown, name, 0, (), (error(
                "E621", f"facts_file {_cut(str(scenario['facts_file']))} holds a {_kind(facts)}, not a mapping of fact "
                        "names to values", fact_path=f"{name}.facts_file"),))
        inline = scenario.get("facts") or {}
        if not isinstance(inline, dict):
            return ScenarioResult(shown, name, 0, (), (error(
                "E621", f"`facts` holds a {_kind(inline)}, not a mapping of fact names to values", fact_path=f"{name}.facts"),))
        facts = dict(facts or {})
        facts.update(inline)
    as_of = scenario.get("as_of")
    if as_of is not None and not isinstance(as_of, dt.date):
        try:
            as_of = dt.date.fromisoformat(str(as_of))
        except ValueError:
            return ScenarioResult(shown, name, 0, (), (error("E624", f"`as_of` must be a date written YYYY-MM-DD, not {as_of!r}",
                                                             fact_path=f"{name}.as_of"),))
    try:
        result = evaluate_data(loaded, facts or {}, as_of=as_of, label=shown)
    except UserError as exc:
        return ScenarioResult(shown, name, 0, (), tuple(exc.diagnostics))
    expectations = scenario.get("expect") or {}
    if not isinstance(expectations, dict):
        return ScenarioResult(shown, name, 0, (), (error("E623", f"`expect` of scenario `{_cut(name)}` is a {_kind(expectations)}, "
                                                               "not a mapping of targets to values", fact_path=f"{name}.expect"),))
    if not expectations:
        return ScenarioResult(shown, name, 0, (), (error("E623", f"scenario `{name}` expects nothing", fact_path=f"{name}.expect"),))
    mismatches: list[Mismatch] = []
    citations: set[str] = set()
    checks = 0
    for target, expected in expectations.items():
        checks += 1
        try:
            decision = decision_of(result, str(target))
        except UserError as exc:
            mismatches.append(Mismatch(str(target), "target", "an existing target", exc.diagnostics[0].message))
            continue
        citations.update(decision.basis)
        wanted = expected if isinstance(expected, dict) else {"value": expected}
        mismatches.extend(_compare(decision, wanted, loaded.ruleset.enums))
    return ScenarioResult(shown, name, checks, tuple(mismatches), (), tuple(sorted(citations)))


def _cut(text: str, most: int = 80) -> str:
    return text if len(text) <= most else text[:most] + "…"


def _kind(data) -> str:
    return "list" if isinstance(data, list) else "mapping" if isinstance(data, dict) else "single value"


def _compare(decision, expected: dict, enums: dict) -> list[Mismatch]:
    outcome = decision.outcome
    kind = decision.value.type
    found: list[Mismatch] = []
    shown_actual = format_value(outcome.value, kind.kind) if outcome.decided else outcome.status
    if "status" in expected and expected["status"] != outcome.status:
        found.append(Mismatch(decision.target, "status", str(expected["status"]), outcome.status))
    if "value" in expected:
        wanted = expected["value"]
        element = kind.element if kind.kind == "set" else kind
        items = wanted if kind.kind == "set" and isinstance(wanted, list) else [wanted]
        converted_items = []
        for item in items:
            converted, problem = convert_scalar(item, element, enums)
            if problem:
                found.append(Mismatch(decision.target, "value", f"{item!r} ({problem})", shown_actual))
                return found
            converted_items.append(converted)
        converted = frozenset(converted_items) if kind.kind == "set" else converted_items[0]
        if not outcome.decided or outcome.value != converted:
            found.append(Mismatch(decision.target, "value", format_value(converted, kind.kind), shown_actual))
    if "citations" in expected:
        wanted = sorted(str(c) for c in expected["citations"])
        if wanted != sorted(decision.citations):
            found.append(Mismatch(decision.target, "citations", ", ".join(wanted), ", ".join(sorted(decision.citations)) or "none"))
    if "missing" in expected:
        wanted = sorted(str(m) for m in expected["missing"])
        if wanted != sorted(outcome.missing):
            found.append(Mismatch(decision.target, "missing", ", ".join(wanted), ", ".join(sorted(outcome.missing)) or "none"))
    return found

