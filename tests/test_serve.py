"""`rules serve` as a user runs it: a subprocess on a free loopback port, talked to with httpx."""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import httpx
import pytest

from interpreter import api

from tests.serve_helpers import ROOT, ServerProcess, yaml_as_json_text

QUADRATIC = '''act SLOW "Slow Demonstration Act"

entity Item as item from items key id "an item":
  id: text "its key"
  size: integer "its size"

section 1 "RANK":
  decision Item.rank: integer "how many items are smaller" = count other in items where other.size < item.size
'''


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=ROOT, capture_output=True, text=True)


def _wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    return condition()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("serve")


@pytest.fixture(scope="module")
def server(workdir):
    """RAMSA, CMTSA and a copy of SECURE (which the reload tests edit), with --admin and a decision log."""
    shutil.copytree(os.path.join(ROOT, "rules", "secure"), workdir / "secure")
    process = ServerProcess("rules/ramsa", "rules/cmtsa", str(workdir / "secure"),
                            "--admin", "--log", str(workdir / "decisions.jsonl"))
    yield process
    assert process.stop() == 0, "SIGTERM ends the server normally"
    assert "Traceback" not in "".join(process.stderr)


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def limited(workdir):
    """A server with tight limits: a slow rule set, a 1 s time limit, 100 kB bodies, a log on a full disk."""
    (workdir / "slow").mkdir()
    (workdir / "slow" / "act.rules").write_text(QUADRATIC, encoding="utf-8")
    process = ServerProcess(str(workdir / "slow"), "--timeout", "1", "--max-body", "100000", "--log", "/dev/full")
    with httpx.Client(base_url=process.url, timeout=30) as http:
        yield http
    process.stop()


def test_rulesets_schema_health_and_openapi(client):
    listing = client.get("/v1/rulesets").json()
    acts = {r["act"]: r for r in listing["rulesets"]}
    assert set(acts) == {"RAMSA", "CMTSA", "SECURE"}
    ramsa = acts["RAMSA"]
    assert ramsa["ruleset_hash"].startswith("sha256:") and ramsa["title"]
    assert "ImportLine.treatment" in {d["decision"] for d in ramsa["decisions"]}
    schema = client.get("/v1/rulesets/ramsa/schema")
    assert schema.status_code == 200 and schema.headers["content-type"].startswith("application/json")
    assert schema.text == _cli("schema", "rules/ramsa").stdout
    assert client.get("/healthz").json()["status"] == "ok"
    described = client.get("/openapi.json").json()
    assert described["openapi"].startswith("3.1") and "/v1/rulesets/{act}/decide" in described["paths"]
    assert "/v1/admin/reload" in described["paths"] and "RAMSAFacts" in described["components"]["schemas"]


BY_THE_CLI = ("rules/ramsa/examples/imports_2026.yaml", "rules/ramsa/examples/eligibility.yaml",
              "rules/cmtsa/examples/reports_2027.yaml")


def test_evaluate_answers_byte_for_byte_what_rules_eval_prints(client):
    runs = [(path, subprocess.Popen([sys.executable, "-m", "cli.main", "eval", os.path.dirname(os.path.dirname(path)),
                                     path, "--format", "json"], cwd=ROOT, stdout=subprocess.PIPE, text=True))
            for path in BY_THE_CLI]
    for path, run in runs:
        expected, _ = run.communicate()
        act = path.split("/")[1]
        answer = client.post(f"/v1/rulesets/{act}/evaluate", content=yaml_as_json_text(os.path.join(ROOT, path)))
        assert answer.status_code == 200, answer.text
        assert answer.content == expected.encode("utf-8"), path


def test_evaluate_answers_what_the_cli_code_prints_on_every_example(client, monkeypatch):
    """The other examples against the CLI's own code path in-process (a subprocess each would be slow)."""
    monkeypatch.chdir(ROOT)
    examples = sorted(glob.glob("rules/ramsa/examples/*.yaml") + glob.glob("rules/cmtsa/examples/*.yaml"))
    assert len(examples) >= 5
    loaded = {act: api.load(f"rules/{act}") for act in ("ramsa", "cmtsa")}
    for path in examples:
        act = path.split("/")[1]
        expected = api.report.dumps(api.report.result_json(api.evaluate(loaded[act], path)))
        answer = client.post(f"/v1/rulesets/{act}/evaluate", content=yaml_as_json_text(path))
        assert answer.text == expected, path


def test_evaluate_with_as_of_and_explanations(client):
    path = os.path.join(ROOT, "rules", "cmtsa", "examples", "reports_2027.yaml")
    expected = _cli("eval", "rules/cmtsa", "rules/cmtsa/examples/reports_2027.yaml", "--as-of", "2028-02-01",
                    "--explain", "--format", "json").stdout
    answer = client.post("/v1/rulesets/CMTSA/evaluate", params={"as_of": "2028-02-01", "explain": "true"},
                         content=yaml_as_json_text(path))
    assert answer.text == expected


def test_decide_gives_the_decision_its_record_and_the_explanation_of_rules_explain(client):
    path = "rules/ramsa/examples/imports_2026.yaml"
    target = "imports[L05].treatment"
    facts = json.loads(yaml_as_json_text(os.path.join(ROOT, path)))
    answer = client.post("/v1/rulesets/ramsa/decide", json={"facts": facts, "target": target, "explain": True})
    assert answer.status_code == 200, answer.text
    document = answer.json()
    explained = json.loads(_cli("explain", "rules/ramsa", path, target, "--format", "json").stdout)
    assert document["explanation"] == explained
    assert document["decision"] == {k: v for k, v in explained.items() if k not in ("explanation", "why_not")}
    record = document["record"]
    assert (record["target"], record["value"], record["act"]) == (target, explained["value"], "RAMSA")
    assert record["input"] == facts and record["basis"] == explained["basis"]
    again = client.post("/v1/rulesets/ramsa/decide", json={"facts": facts, "target": target}).json()
    assert "explanation" not in again and again["record"] == record  # same input, same record


def test_bad_facts_answer_422_with_the_cli_diagnostics(client, tmp_path):
    bad = {"imports": [{"id": "L1", "entry_date": "2026-02-30", "custom_value": 5}]}
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    cli = json.loads(_cli("eval", "rules/ramsa", str(tmp_path / "bad.json"), "--format", "json").stdout)
    answer = client.post("/v1/rulesets/ramsa/evaluate", content=json.dumps(bad))  # the same bytes as the file
    assert answer.status_code == 422
    served = answer.json()["diagnostics"]
    keep = ("code", "fact_path", "message", "suggestions")
    assert [{k: d[k] for k in keep} for d in served] == [{k: d[k] for k in keep} for d in cli["diagnostics"]]
    where = [(d["location"]["line"], d["location"]["column"]) for d in served]
    assert where == [(d["location"]["line"], d["location"]["column"]) for d in cli["diagnostics"]]
    assert {d["location"]["file"] for d in served} == {"request.json"} and all(column > 1 for _, column in where)
    in_decide = client.post("/v1/rulesets/ramsa/decide", content=json.dumps({"target": "x", "facts": bad}))
    assert [d["location"]["column"] for d in in_decide.json()["diagnostics"]] == \
        [column + len('{"target": "x", "facts": ') for _, column in where]
    assert {d["fact_path"] for d in served} == {"imports[0].entry_date", "imports[0].custom_value"}
    assert any("customs_value" in s for d in served for s in d["suggestions"])
    unknown_target = client.post("/v1/rulesets/ramsa/decide", json={"facts": {}, "target": "imports[X].treatment"})
    assert unknown_target.status_code == 422 and unknown_target.json()["diagnostics"][0]["code"] == "E503"
    shape = client.post("/v1/rulesets/ramsa/decide", json={"fact": {}, "target": 3})
    assert shape.status_code == 422 and {d["fact_path"] for d in shape.json()["diagnostics"]} == {"fact", "target"}
    not_json = client.post("/v1/rulesets/ramsa/evaluate", content=b"{not json")
    assert not_json.status_code == 422 and not_json.json()["diagnostics"][0]["code"] == "E403"
    nested = client.post("/v1/rulesets/ramsa/evaluate", content=b"[" * 100 + b"]" * 100)
    assert nested.status_code == 422 and nested.json()["diagnostics"][0]["code"] == "E402"


def test_unknown_act_path_and_method(client):
    unknown = client.post("/v1/rulesets/nope/evaluate", json={})
    assert unknown.status_code == 404 and "ramsa" in unknown.json()["diagnostics"][0]["suggestions"][0]
    assert client.get("/v2/whatever").status_code == 404
    assert client.get("/v1/rulesets/ramsa/evaluate").status_code == 405
    for answer in (unknown, client.get("/v2/whatever")):
        assert "Traceback" not in answer.text and answer.headers["content-type"].startswith("application/json")


def test_logged_records_replay_as_identical(client, server, workdir):
    facts = json.loads(yaml_as_json_text(os.path.join(ROOT, "rules", "ramsa", "examples", "eligibility.yaml")))
    for target in ("countries[AUS].eligible_for_alliance", "countries[KOR].eligible_for_alliance"):
        assert client.post("/v1/rulesets/ramsa/decide", json={"facts": facts, "target": target}).status_code == 200
    log = workdir / "decisions.jsonl"
    _wait_for(lambda: client.get("/healthz").json()["decision_log"]["queued"] == 0)
    health = client.get("/healthz").json()["decision_log"]
    assert health["written"] >= 2 and health["failed"] == health["dropped"] == 0
    lines = log.read_text().splitlines()
    assert any(json.loads(line)["target"] == "countries[KOR].eligible_for_alliance" for line in lines)
    run = _cli("replay", "rules/ramsa", str(log), "--format", "json")
    summary = json.loads(run.stdout)["summary"]
    assert run.returncode == 0 and summary["identical"] >= 2 and set(summary) <= {"identical", "other_act"}


def test_reload_swaps_the_rule_sets_and_keeps_the_old_ones_on_error(client, server, workdir):
    def secure_hash():
        return next(r["ruleset_hash"] for r in client.get("/v1/rulesets").json()["rulesets"] if r["act"] == "SECURE")

    before = secure_hash()
    rules_file = sorted((workdir / "secure").glob("*.rules"))[-1]
    original = rules_file.read_text()
    rules_file.write_text(original + "\n# reviewed\n")
    answer = client.post("/v1/admin/reload")
    assert answer.status_code == 200, answer.text
    after = secure_hash()
    assert after != before
    rules_file.write_text(original + "\nsection 99 \"BROKEN\":\n  decision x: boolean = nope\n")
    broken = client.post("/v1/admin/reload")
    assert broken.status_code == 422 and broken.json()["errors"] >= 1
    assert secure_hash() == after  # still serving the last good version
    assert client.get("/healthz").json()["status"] == "degraded"
    rules_file.write_text(original)
    os.kill(server.pid, signal.SIGHUP)
    assert _wait_for(lambda: secure_hash() == before), "SIGHUP reloads"
    assert client.get("/healthz").json()["status"] == "ok"


def test_oversized_body_413(limited):
    body = json.dumps({"items": [{"id": f"i{n}", "size": n} for n in range(5000)]})
    assert len(body) > 100000
    answer = limited.post("/v1/rulesets/slow/evaluate", content=body)
    assert answer.status_code == 413 and answer.json()["diagnostics"][0]["code"] == "E806"


def test_a_slow_evaluation_answers_503_and_is_stopped(limited):
    items = [{"id": f"i{n}", "size": n % 97} for n in range(2500)]  # ~6 million comparisons: many seconds
    started = time.monotonic()
    answer = limited.post("/v1/rulesets/slow/evaluate", json={"items": items})
    assert answer.status_code == 503 and answer.json()["diagnostics"][0]["code"] == "E804"
    assert time.monotonic() - started < 5
    # The evaluation was stopped, not left running: the worker is free again.
    assert _wait_for(lambda: limited.get("/healthz").json()["busy"] == 0, 5.0)
    small = limited.post("/v1/rulesets/slow/decide", json={"facts": {"items": items[:3]}, "target": "items[i2].rank"})
    assert small.status_code == 200 and small.json()["decision"]["value"] == 2
    assert limited.get("/healthz").json()["timeouts"] == 1


def test_a_full_disk_never_blocks_a_response_and_shows_on_healthz(limited):
    answer = limited.post("/v1/rulesets/slow/decide", json={"facts": {"items": [{"id": "a", "size": 1}]},
                                                             "target": "items[a].rank"})
    assert answer.status_code == 200
    health = _wait_for(lambda: (h := limited.get("/healthz").json())["decision_log"]["failed"] and h)
    assert health["status"] == "degraded" and "No space left" in health["decision_log"]["last_error"]


def test_admin_endpoints_are_off_without_admin(limited):
    assert limited.post("/v1/admin/reload").status_code == 404


# ---------------------------------------------------------------- docs/serve.md

def _console_examples(path):
    """(command, documented output lines) for every `$ curl` line of the page's console blocks."""
    text = open(path, encoding="utf-8").read()
    examples = []
    for block in text.split("```console\n")[1:]:
        lines = block.split("\n```")[0].splitlines()
        for index, line in enumerate(lines):
            if line.startswith("$ ") and "curl " in line:
                output = []
                for following in lines[index + 1:]:
                    if following.startswith("$ "):
                        break
                    output.append(following.rstrip())
                examples.append((line[2:], output))
    return examples


def _shows(documented, actual) -> bool:
    """Each documented line is in the actual output, in order; `...` skips, a trailing `...` is a prefix."""
    position = 0
    for line in documented:
        if line == "...":
            continue
        prefix = line[:-3] if line.endswith("...") else None
        while position < len(actual) and not (actual[position].startswith(prefix) if prefix is not None
                                              else actual[position] == line):
            position += 1
        if position == len(actual):
            return False
        position += 1
    return True


def test_the_curl_examples_of_docs_serve_md_answer_as_documented(workdir):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    examples = _console_examples(os.path.join(ROOT, "docs", "serve.md"))
    assert len(examples) >= 8
    process = ServerProcess("rules/ramsa", "rules/cmtsa", "rules/secure", "--admin",
                            "--log", str(workdir / "docs-decisions.jsonl"))
    try:
        for command, documented in examples:
            runnable = command.replace("http://127.0.0.1:8000", process.url).replace("python -m", f"{sys.executable} -m")
            run = subprocess.run(["bash", "-c", f"set -o pipefail; {runnable}"], cwd=ROOT, capture_output=True,
                                 text=True, timeout=60)
            assert run.returncode == 0, f"{command}\n{run.stderr}"
            actual = [line.rstrip() for line in run.stdout.splitlines()]
            assert _shows(documented, actual), f"{command}\nshows:\n" + "\n".join(documented) + \
                "\nbut answers:\n" + "\n".join(actual[:80])
    finally:
        process.stop()


def test_the_docs_checker_sees_a_wrong_line():
    assert _shows(["{", "...", '  "b": 2'], ["{", '  "a": 1', '  "b": 2', "}"])
    assert not _shows(['  "b": 3'], ["{", '  "b": 2', "}"])
    assert not _shows(['  "b": 2', '  "a": 1'], ['  "a": 1', '  "b": 2'])  # order matters
    assert _shows(['  "hash": "sha256:...'], ['  "hash": "sha256:0f"'])
