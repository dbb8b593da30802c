"""Same rules + same facts give byte-identical JSON, across processes and hash seeds."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    completed = subprocess.run(
        [sys.executable, "-m", "cli.main", "eval", "rules/ramsa", "rules/ramsa/examples/imports_2026.yaml",
         "--format", "json", "--explain"],
        cwd=ROOT, env=env, capture_output=True, check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode()
    return completed.stdout


def test_json_output_is_byte_identical_across_runs():
    first, second = _run("1"), _run("4242")
    assert first == second
    assert b'"citations"' in first
