"""The README's `rules batch` line runs as written on the shipped sample; the generator needs no NumPy."""
import csv
import os
import re
import shlex
import subprocess
import sys

from click.testing import CliRunner

from cli.main import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _readme_batch_command() -> list[str]:
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        text = handle.read().replace("\\\n", " ")
    [line] = [line for line in text.splitlines() if line.startswith("rules batch ")]
    return shlex.split(line.split("#")[0])


def test_the_readme_batch_line_runs_as_written(tmp_path, monkeypatch):
    words = _readme_batch_command()
    os.symlink(os.path.join(ROOT, "rules"), tmp_path / "rules")  # the repository's paths, from a clean folder
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, words[1:], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    output = words[words.index("-o") + 1]
    with open(output, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with open(words[3], encoding="utf-8") as handle:
        lines = sum(1 for _ in handle) - 1
    assert 2000 <= lines == len(rows) <= 10_000
    assert {row["treatment_status"] for row in rows} == {"decided"}
    assert re.search(r"3000 rows -> decisions.csv", result.output)


def test_the_generator_works_without_numpy_and_says_so(tmp_path):
    script = ("import sys; sys.modules['numpy'] = None; sys.argv = sys.argv[1:]; "
              "import runpy; runpy.run_path(sys.argv[0], run_name='__main__')")
    out = tmp_path / "lines.csv"
    completed = subprocess.run([sys.executable, "-c", script, os.path.join(ROOT, "benchmarks", "generate.py"), "200",
                                str(out), "--globals", str(tmp_path / "globals.yaml")],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "numpy is not installed" in completed.stderr and '.[bench]' in completed.stderr
    result = CliRunner().invoke(main, ["batch", os.path.join(ROOT, "rules", "ramsa"), str(out), "--facts",
                                       str(tmp_path / "globals.yaml"), "-o", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.output
    assert "200 rows" in result.output
