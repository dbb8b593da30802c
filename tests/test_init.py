"""`rules init x && rules check x && rules test x` passes; init never overwrites and refuses bad names."""
import os

from click.testing import CliRunner

from cli.main import main


def _rules(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_init_then_check_then_test_pass(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    created = _rules("init", "x")
    assert created.exit_code == 0, created.output
    for path in ("act.rules", "s1_example.rules", "bill/README.md", "data/SOURCES.md", "examples/applicants.yaml",
                 "tests/example.yaml"):
        assert os.path.isfile(os.path.join("x", path)), path
    checked = _rules("check", "x")
    assert checked.exit_code == 0, checked.output
    assert "X Act: 2 values and decisions, 2 rules in 2 files — no errors" in checked.output
    tested = _rules("test", "x")
    assert tested.exit_code == 0, tested.output
    assert "1 passed, 0 failed" in tested.output and "(4 checks)" in tested.output
    evaluated = _rules("eval", "x", "x/examples/applicants.yaml")
    assert "applicants[A1].eligible = true   [X §1]" in evaluated.output


def test_the_act_abbreviation_and_a_title_with_quotes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _rules("init", "housing", "--act", "HA", "--title", 'The "Fair" Housing Act \\ 2026').exit_code == 0
    checked = _rules("check", "housing")
    assert checked.exit_code == 0, checked.output
    assert 'The "Fair" Housing Act \\ 2026: ' in checked.output
    assert "[HA §1]" in _rules("eval", "housing", "housing/examples/applicants.yaml").output
    assert _rules("test", "housing").exit_code == 0


def test_init_never_overwrites_and_refuses_a_bad_act_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "act.rules").write_text("mine", encoding="utf-8")
    refused = _rules("init", "taken")
    assert refused.exit_code == 3
    assert "error[E750]" in refused.output and "never overwrites" in refused.output
    assert (tmp_path / "taken" / "act.rules").read_text(encoding="utf-8") == "mine"
    bad = _rules("init", "fresh", "--act", "2-bad")
    assert bad.exit_code == 3 and "error[E751]" in bad.output
    assert not (tmp_path / "fresh").exists()
    (tmp_path / "empty").mkdir()
    assert _rules("init", "empty").exit_code == 0  # an empty folder is fine
