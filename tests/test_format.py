"""`rules fmt`: the canonical layout, kept meaning, kept comments, idempotence and the CLI."""
import os
import textwrap

from click.testing import CliRunner

from cli.main import main
from interpreter.editor.format import WIDTH, format_text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fmt(text: str) -> str:
    result = format_text(textwrap.dedent(text))
    assert result.ok, result.diagnostics
    return result.text


def test_a_section_heading_gets_its_blank_line_above_the_comments_over_it():
    text = """\
    act DEMO "Demo"
    fact a: integer
    # Section one.
    section 1:
      value x: integer = a
    """
    # the only change: a blank line above the comment, not between it and the heading
    assert fmt(text) == textwrap.dedent(text).replace("integer\n# Section", "integer\n\n# Section")


def test_statute_text_is_filled_at_the_width_and_means_the_same():
    words = " ".join(f"word{i}" for i in range(60))
    text = f'act DEMO "Demo"\nsection 1:\n  text """{words}"""\n  non_operative "nothing"\n'
    formatted = fmt(text)
    lines = formatted.splitlines()
    body = [line for line in lines if "word" in line]
    assert len(body) > 2 and all(len(line) <= WIDTH for line in body)
    assert all(line.startswith("    word") for line in body[1:])  # two beyond the `text` line
    assert " ".join(" ".join(body).replace('text """', "").replace('"""', "").split()) == words


def test_long_when_conditions_break_before_top_level_and_or():
    condition = " and ".join(f"(fact_number_{i} > 1 or fact_number_{i} < 0)" for i in range(4))
    text = "act DEMO \"Demo\"\n" + "".join(f"fact fact_number_{i}: integer\n" for i in range(4)) + \
        f"section 1:\n  value x: boolean\n    = true\n    when {condition}\n"
    formatted = fmt(text)
    clause = formatted[formatted.index("    when"):].splitlines()
    assert len(clause) > 1 and all(len(line) <= WIDTH for line in clause)
    assert all(line.startswith("      and (") for line in clause[1:])
    assert fmt(formatted) == formatted


def test_a_file_that_does_not_parse_comes_back_unchanged_with_its_diagnostic():
    text = 'act DEMO "Demo"\nsection 1\n'
    result = format_text(text, "bad.rules")
    assert not result.ok and result.text == text
    assert result.diagnostics[0].code == "E100" and result.diagnostics[0].span.line == 2


def _shipped_rule_files():
    found = []
    for top in ("rules", "examples"):
        for directory, _, files in os.walk(os.path.join(ROOT, top)):
            found.extend(os.path.join(directory, f) for f in sorted(files) if f.endswith(".rules"))
    return sorted(found)


def test_every_shipped_rule_file_is_formatted():
    files = _shipped_rule_files()
    assert len(files) > 15
    for path in files:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        assert format_text(text, path).text == text, f"{path} is not formatted: run `rules fmt {path}`"


# ---------------------------------------------------------------- the command

def _run(*args, **kwargs):
    return CliRunner().invoke(main, list(args), **kwargs)


def test_fmt_check_and_diff_change_nothing_and_name_the_files(tmp_path):
    path = tmp_path / "act.rules"
    original = 'act DEMO "Demo"\nsection 1:\n    value x:integer=1\n'
    path.write_text(original, encoding="utf-8")
    tidy = tmp_path / "tidy.rules"
    tidy.write_text('act DEMO "Demo"\n', encoding="utf-8")
    result = _run("fmt", "--check", str(tmp_path))
    assert result.exit_code == 1
    assert f"would reformat {path}" in result.output and "tidy.rules" not in result.output
    result = _run("fmt", "--diff", str(path))
    assert result.exit_code == 1
    assert "-    value x:integer=1\n+  value x: integer = 1\n" in result.output
    assert path.read_text(encoding="utf-8") == original


def test_fmt_writes_the_formatted_file_and_a_second_run_is_clean(tmp_path):
    path = tmp_path / "act.rules"
    path.write_text('act DEMO "Demo"\nsection 1:\n    value x:integer=1\n', encoding="utf-8")
    result = _run("fmt", str(path))
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == 'act DEMO "Demo"\n\nsection 1:\n  value x: integer = 1\n'
    assert _run("fmt", "--check", str(path)).exit_code == 0


def test_fmt_reports_bad_input_with_exit_3(tmp_path):
    path = tmp_path / "bad.rules"
    path.write_text('act DEMO "Demo"\nsection 1\n', encoding="utf-8")
    result = _run("fmt", str(path))
    assert result.exit_code == 3
    assert f"{path}:2:10: error[E100]" in result.output and "Traceback" not in result.output
    assert path.read_text(encoding="utf-8") == 'act DEMO "Demo"\nsection 1\n'
    result = _run("fmt", str(tmp_path / "missing"))
    assert result.exit_code == 3 and "no file or directory" in result.output


def test_fmt_reads_standard_input():
    result = _run("fmt", "-", input='act DEMO "Demo"\nfact  x :date\n')
    assert result.exit_code == 0 and result.output == 'act DEMO "Demo"\nfact x: date\n'


def test_the_ci_check_of_the_shipped_rules_passes():
    result = _run("fmt", "--check", os.path.join(ROOT, "rules"), os.path.join(ROOT, "examples"))
    assert result.exit_code == 0, result.output


def test_a_new_rule_set_from_rules_init_is_already_formatted(tmp_path):
    target = tmp_path / "housing"
    assert _run("init", str(target), "--act", "HA").exit_code == 0
    result = _run("fmt", "--check", str(target))
    assert result.exit_code == 0 and "0 of 2 files would change" in result.output
