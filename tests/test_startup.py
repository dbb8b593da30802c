"""Start-up stays light: `rules eval` from the load cache imports neither the heavy libraries
(polars, pyarrow, dask, lark, pygls, jsonschema) nor the code of commands it does not run.
(How long start-up takes is measured in benchmarks/more.py, not here.)"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEAVY = ["polars", "pyarrow", "dask", "lark", "pygls", "jsonschema", "cli.batch_command", "cli.service_command",
         "cli.diff_command", "cli.fmt_command", "cli.init_command", "cli.lsp_command", "interpreter.batch",
         "interpreter.engines", "interpreter.service", "interpreter.editor", "interpreter.amendments",
         "interpreter.bill", "interpreter.language.parse", "interpreter.language.resolve",
         "interpreter.language.check", "interpreter.evaluation.scenarios"]
PROBE = """
import json, sys
from click.testing import CliRunner
from cli.main import main
arguments = ["eval", "rules/ramsa", "rules/ramsa/examples/imports_2026.yaml"] + sys.argv[1:]
result = CliRunner().invoke(main, arguments, catch_exceptions=False)
print(json.dumps({"exit": result.exit_code, "output": result.output,
                  "modules": sorted(m for m in sys.modules if m.split(".")[0] in ("cli", "interpreter", %r)
                                    or m in %r)}))
"""


def _eval_in_new_process(cache: str, *arguments: str) -> dict:
    probe = PROBE % (tuple(name for name in HEAVY if "." not in name), HEAVY)
    out = subprocess.run([sys.executable, "-c", probe, *arguments], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={**os.environ, "RULES_CACHE_DIR": cache})
    return json.loads(out.stdout)


def test_eval_from_the_load_cache_imports_only_what_it_uses(tmp_path):
    cache = str(tmp_path / "cache")
    fresh = _eval_in_new_process(cache)  # fills the cache (this one parses)
    cached = _eval_in_new_process(cache)
    assert fresh["exit"] == cached["exit"] == 0 and cached["output"] == fresh["output"]
    assert "imports[L01]" in cached["output"]
    assert "interpreter.language.parse" in fresh["modules"]  # the probe sees lazily imported modules
    assert [name for name in HEAVY if name in cached["modules"]] == []
    as_json = _eval_in_new_process(cache, "--format", "json", "--explain")
    assert as_json["exit"] == 0 and json.loads(as_json["output"])["decisions"]
    assert [name for name in HEAVY if name in as_json["modules"]] == []
