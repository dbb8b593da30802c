"""Golden tests: each tests/cases/NAME/ holds its inputs, `case.yaml` (the command line
and the expected exit code) and `expected.txt`, the exact output (stdout then stderr).
Run `pytest tests/test_golden.py --update-goldens` to rewrite the expectations after an
intended change, then review the diff."""
import os

import pytest
import yaml
from click.testing import CliRunner

from cli.main import main

CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")


def case_names():
    return sorted(d for d in os.listdir(CASES) if os.path.isfile(os.path.join(CASES, d, "case.yaml")))


@pytest.mark.parametrize("name", case_names())
def test_case(name, monkeypatch, update_goldens):
    directory = os.path.join(CASES, name)
    with open(os.path.join(directory, "case.yaml"), encoding="utf-8") as handle:
        case = yaml.safe_load(handle)
    monkeypatch.chdir(directory)
    result = CliRunner().invoke(main, case["args"], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{name}: raised {result.exception!r}"
    )
    output = result.stdout + (("\n--- stderr ---\n" + result.stderr) if result.stderr else "")
    assert "Traceback" not in output
    expected_path = os.path.join(directory, "expected.txt")
    if update_goldens or not os.path.exists(expected_path):
        with open(expected_path, "w", encoding="utf-8") as handle:
            handle.write(output)
        with open(os.path.join(directory, "case.yaml"), "w", encoding="utf-8") as handle:
            yaml.safe_dump({**case, "exit": result.exit_code}, handle, sort_keys=False, allow_unicode=True)
        if not update_goldens:
            pytest.fail(f"{name}: wrote a new expectation; review it and run again")
        return
    with open(expected_path, encoding="utf-8") as handle:
        assert output == handle.read()
    assert result.exit_code == case["exit"], f"{name}: exit {result.exit_code}, expected {case['exit']}"
