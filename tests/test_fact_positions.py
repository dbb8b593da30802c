"""Fact-file diagnostics carry line:column, for YAML and JSON alike."""
import json
import os

from click.testing import CliRunner

from cli.main import main
from interpreter import api

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAMSA = os.path.join(ROOT, "rules", "ramsa")

YAML_TEXT = """\
as_of: 2026-09-01
contries: []
imports:
  - id: L1
    form: permanent_magnet
    customs_value: "lots"
  - id: L2
    entry_dat: 2026-05-01
"""


def _located(path):
    loaded = api.load(RAMSA)
    try:
        api.evaluate(loaded, str(path))
    except api.UserError as error:
        return {(d.code, d.fact_path): (d.span.line, d.span.column) for d in error.diagnostics}
    raise AssertionError("the fact file was accepted")


def test_yaml_diagnostics_point_at_the_value_or_the_unknown_key(tmp_path):
    path = tmp_path / "facts.yaml"
    path.write_text(YAML_TEXT, encoding="utf-8")
    assert _located(path) == {
        ("E411", "contries"): (2, 1),
        ("E412", "imports[0].customs_value"): (6, 20),
        ("E411", "imports[1].entry_dat"): (8, 5),
    }


def test_json_diagnostics_are_located_too(tmp_path):
    path = tmp_path / "facts.json"
    document = {"as_of": "2026-09-01", "imports": [{"id": "L1", "customs_value": "lots"}, {"id": "L2", "entry_dat": 1}]}
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    located = _located(path)
    line, column = located[("E412", "imports[0].customs_value")]
    assert lines[line - 1][column - 1:].startswith('"lots"')
    line, column = located[("E411", "imports[1].entry_dat")]
    assert lines[line - 1][column - 1:].startswith('"entry_dat"')


def test_the_cli_prints_file_line_column_and_the_fact_path(tmp_path, monkeypatch):
    (tmp_path / "facts.yaml").write_text(YAML_TEXT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["eval", RAMSA, "facts.yaml"])
    assert result.exit_code == 3
    assert "facts.yaml:6:20: imports[0].customs_value: error[E412]" in result.output
    assert "facts.yaml:2:1: contries: error[E411]" in result.output


def test_facts_given_in_memory_have_no_position_to_give():
    loaded = api.load(RAMSA)
    try:
        api.evaluate_data(loaded, {"imports": [{"id": "L1", "customs_value": "lots"}]})
    except api.UserError as error:
        [diagnostic] = error.diagnostics
        assert diagnostic.location == "<data>: imports[0].customs_value"
