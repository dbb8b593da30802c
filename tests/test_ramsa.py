"""The shipped RAMSA rule set: it checks clean, its scenarios pass, and every rule in it
is exercised (gives a value) in at least one scenario."""
import os

import pytest
from click.testing import CliRunner

from cli.main import main
from interpreter import load
from interpreter.evaluation.scenarios import run_scenarios

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAMSA = os.path.join(ROOT, "rules", "ramsa")


@pytest.fixture(scope="module")
def ramsa():
    loaded = load(RAMSA)
    assert loaded.ok, [f"{d.location}: {d.message}" for d in loaded.diagnostics]
    return loaded


def test_ramsa_checks_clean():
    result = CliRunner().invoke(main, ["check", RAMSA])
    assert result.exit_code == 0, result.output


def test_every_scenario_passes(ramsa):
    results = run_scenarios(ramsa)
    assert len(results) >= 10
    failures = [(r.file, r.name, r.mismatches, [d.message for d in r.diagnostics]) for r in results if not r.passed]
    assert not failures


def test_every_encoded_rule_is_exercised_by_a_scenario(ramsa):
    exercised = set()
    for result in run_scenarios(ramsa):
        exercised.update(result.citations)
    encoded = {str(rule.citation) for rule in ramsa.ruleset.rules.values()}
    assert sorted(encoded - exercised) == []


def test_rules_test_command_reports_and_exits_zero():
    result = CliRunner().invoke(main, ["test", RAMSA])
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output


def test_a_wrong_expectation_fails(ramsa, tmp_path):
    scenario = tmp_path / "wrong.yaml"
    scenario.write_text(
        "scenario: deliberately wrong\n"
        "facts_file: " + os.path.join(RAMSA, "examples", "eligibility.yaml") + "\n"
        "expect:\n  countries[IND].eligible_for_alliance: true\n",
        encoding="utf-8",
    )
    [result] = run_scenarios(ramsa, [str(scenario)])
    assert not result.passed
    assert result.mismatches[0].expected == "true" and result.mismatches[0].actual == "false"
