"""A diagnostic code means one thing: `rules test` (scenarios) and `rules batch` use separate codes
(E620-E624 and E600-E614), and docs/language.md lists each code once, under the stage that reports it."""
import os
import re

from interpreter import api

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAMSA = os.path.join(ROOT, "rules", "ramsa")


def _codes_in(*folders_or_files: str) -> set[str]:
    found = set()
    for item in folders_or_files:
        path = os.path.join(ROOT, item)
        files = [path] if path.endswith(".py") else [os.path.join(path, f) for f in os.listdir(path) if f.endswith(".py")]
        for file in files:
            found.update(re.findall(r'"(E6\d\d)"', open(file, encoding="utf-8").read()))
    return found


def test_scenario_and_batch_codes_are_disjoint_and_documented_under_their_stage():
    scenario = _codes_in("interpreter/evaluation/scenarios.py")
    batch = _codes_in("interpreter/batch", "interpreter/engines")
    assert scenario and batch and not scenario & batch, scenario & batch
    table = open(os.path.join(ROOT, "docs", "language.md"), encoding="utf-8").read()
    rows = re.findall(r"^\| (E6\d\d) \| (\w+) \|", table, re.MULTILINE)
    assert len(rows) == len({code for code, _ in rows}), "a code listed twice"
    documented = dict(rows)
    assert {code: documented.get(code) for code in scenario} == {code: "scenario" for code in scenario}
    assert {code: documented.get(code) for code in batch} == {code: "batch" for code in batch}


def test_malformed_scenarios_get_the_scenario_codes(tmp_path):
    scenarios = tmp_path / "scenarios.yaml"
    scenarios.write_text(
        "scenarios:\n"
        "  - just a string\n"
        "  - scenario: nothing expected\n    facts: {}\n"
        "  - scenario: a bad date\n    facts: {}\n    as_of: someday\n    expect: {annual_report_due_dates: []}\n",
        encoding="utf-8")
    results = api.run_scenarios(api.load(RAMSA), [str(scenarios)])
    assert [[d.code for d in result.diagnostics] for result in results] == [["E622"], ["E623"], ["E624"]]
