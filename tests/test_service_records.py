"""The fact schema (`rules schema`), the rule-set content hash and decision records
(`rules eval --records`, `rules replay`)."""
import glob
import json
import os
import shutil
import subprocess
import sys

import jsonschema
import pytest

from interpreter import api
from interpreter.evaluation.facts import bind_facts, read_fact_file
from interpreter.language.fingerprint import content_hash
from interpreter.service import fact_path, fact_schema
from interpreter.service.canonical import canonical_text, loads

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACTS = ["ramsa", "cmtsa", "secure"]


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=cwd, capture_output=True, text=True)


def _as_json(data):
    """A fact document as a client would send it: YAML dates as strings, exact numbers."""
    return loads(canonical_text(data if data is not None else {}))


def _schema_problems(schema, document) -> set:
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    return {path for error in validator.iter_errors(document) for path in fact_path(error)}


def _shipped_documents(act):
    """Every example fact file and every scenario's facts (facts_file merged with inline facts, as `rules test` does)."""
    directory = os.path.join(ROOT, "rules", act)
    for path in sorted(glob.glob(os.path.join(directory, "examples", "*.yaml"))
                       + glob.glob(os.path.join(directory, "tests", "fixtures", "*.yaml"))):
        data, problems = read_fact_file(path)
        assert not problems, path
        yield os.path.relpath(path, ROOT), data
    for path in sorted(glob.glob(os.path.join(directory, "tests", "*.yaml"))):
        data, problems = read_fact_file(path)
        assert not problems, path
        for index, scenario in enumerate(data.get("scenarios", [data])):
            facts = {}
            if "facts_file" in scenario:
                facts, problems = read_fact_file(os.path.join(os.path.dirname(path), scenario["facts_file"]))
                assert not problems
                facts = dict(facts or {})
            facts.update(scenario.get("facts") or {})
            yield f"{os.path.relpath(path, ROOT)}#{index}", facts


@pytest.mark.parametrize("act", ACTS)
def test_every_shipped_fact_document_validates(act, monkeypatch):
    monkeypatch.chdir(ROOT)
    loaded = api.load(os.path.join("rules", act))
    schema = fact_schema(loaded.ruleset)
    jsonschema.Draft202012Validator.check_schema(schema)
    checked = 0
    for name, data in _shipped_documents(act):
        assert _schema_problems(schema, _as_json(data)) == set(), name
        checked += 1
    assert checked >= 3


BAD_RAMSA = [
    {"imports": [{"id": "L1", "entry_date": "2026-02-30"}]},
    {"imports": [{"id": "L1", "form": "ingot"}]},
    {"imports": [{"id": "L1", "customs_value": "$12.5.0"}]},
    {"imports": [{"id": "L1", "nmae": "x"}]},
    {"enactment_date": "soon", "imprts": []},
    {"countries": [{"iso3": "AUS", "phase_in_period": "five years"}]},
    {"countries": [{"iso3": "AUS", "agreement_covered_select_products": ["permanent_magnet", "toaster"]}]},
    {"countries": {"iso3": "AUS"}},
    {"as_of": "2026-9-1"},
]


@pytest.mark.parametrize("document", BAD_RAMSA, ids=[json.dumps(d)[:40] for d in BAD_RAMSA])
def test_bad_documents_fail_the_schema_where_the_loader_fails_them(document, monkeypatch):
    monkeypatch.chdir(ROOT)
    loaded = api.load("rules/ramsa")
    _, diagnostics = bind_facts(loaded.ruleset, document, "bad.json")
    loader_paths = {d.fact_path for d in diagnostics}
    assert loader_paths, "the loader accepts this document: not a bad example"
    assert _schema_problems(fact_schema(loaded.ruleset), document) == loader_paths


def test_schema_command_prints_the_schema_with_descriptions():
    run = _cli("schema", "rules/ramsa")
    assert run.returncode == 0, run.stderr
    schema = json.loads(run.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    treatment = schema["$defs"]["Treatment"]
    assert {"const": "section_301_matching",
            "description": "subject to the Section 301 China rate in effect on January 1, 2026 (§5)"} in treatment["oneOf"]
    entry_date = schema["$defs"]["ImportLine"]["properties"]["entry_date"]
    assert {"type": "string", "format": "date"} in entry_date["anyOf"] and entry_date["description"]
    assert schema["properties"]["imports"]["items"] == {"$ref": "#/$defs/ImportLine"}
    assert _cli("schema", "rules/nowhere").returncode == 3


# ---------------------------------------------------------------- the content hash

def test_content_hash_is_stable_across_places_and_line_endings_and_sees_rule_changes(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    original = content_hash(api.load("rules/ramsa"))
    copy = tmp_path / "elsewhere" / "ramsa"
    shutil.copytree(os.path.join(ROOT, "rules", "ramsa"), copy)
    monkeypatch.chdir(tmp_path)
    assert content_hash(api.load(str(copy))) == original
    (copy / "examples" / "imports_2026.yaml").write_text("as_of: 2026-01-01\n")  # not content of the rule set
    act = copy / "act.rules"
    act.write_bytes(act.read_bytes().replace(b"\n", b"\r\n"))
    assert content_hash(api.load(str(copy))) == original
    table = next((copy / "data").glob("*.csv"))
    table.write_text(table.read_text() + "\n")
    assert content_hash(api.load(str(copy))) != original


# ---------------------------------------------------------------- records and replay

def _copy_ruleset(tmp_path, act="ramsa"):
    target = tmp_path / act
    shutil.copytree(os.path.join(ROOT, "rules", act), target)
    return target


def test_records_are_byte_identical_and_replay_as_identical(tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for path in (first, second):
        run = _cli("eval", "rules/cmtsa", "rules/cmtsa/examples/reports_2027.yaml", "--records", str(path))
        assert run.returncode == 0, run.stderr
    assert first.read_bytes() == second.read_bytes()
    records = [json.loads(line) for line in first.read_text().splitlines()]
    evaluated = json.loads(_cli("eval", "rules/cmtsa", "rules/cmtsa/examples/reports_2027.yaml", "--format", "json").stdout)
    assert [r["target"] for r in records] == [d["target"] for d in evaluated["decisions"]]
    record = records[0]
    assert record["ruleset_hash"].startswith("sha256:") and record["act"] == "CMTSA"
    assert record["input_hash"].startswith("sha256:") and record["input"]["as_of"] == evaluated["as_of"]
    assert {k: record[k] for k in ("value", "status", "citations", "basis", "facts")} == \
           {k: evaluated["decisions"][0][k] for k in ("value", "status", "citations", "basis", "facts")}
    run = _cli("replay", "rules/cmtsa", str(first))
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(records)} identical" in run.stdout


def test_eval_records_keep_the_as_of_override_and_notes(tmp_path):
    path = tmp_path / "r.jsonl"
    run = _cli("eval", "rules/ramsa", "rules/ramsa/examples/imports_2026.yaml", "--as-of", "2027-03-01", "--records", str(path))
    assert run.returncode in (0, 4), run.stderr
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert {r["as_of"] for r in records} == {"2027-03-01"}
    assert any(r["notes"] for r in records), "RAMSA's interpretation notes reach the records"
    assert all(set(n) == {"citation", "note"} for r in records for n in r["notes"])
    replayed = json.loads(_cli("replay", "rules/ramsa", str(path), "--format", "json").stdout)
    assert replayed["summary"] == {"identical": len(records)}


def test_replay_reports_a_changed_rule_set_a_different_answer_and_an_altered_record(tmp_path):
    ruleset = _copy_ruleset(tmp_path, "secure")
    path = tmp_path / "r.jsonl"
    assert _cli("eval", str(ruleset), "rules/secure/examples/reserve.yaml", "--records", str(path)).returncode in (0, 4)
    lines = path.read_text().splitlines()
    # Tamper with one record's value: replay sees the id no longer matches its content.
    tampered = json.loads(lines[0])
    tampered["value"] = "tampered"
    (tmp_path / "tampered.jsonl").write_text(json.dumps(tampered) + "\n")
    run = _cli("replay", str(ruleset), str(tmp_path / "tampered.jsonl"))
    assert run.returncode == 1 and "invalid: the record was altered" in run.stdout
    # Change a rule: every record now comes from another rule-set version.
    rules_file = next(p for p in sorted(ruleset.glob("*.rules")) if "decision" in p.read_text())
    text = rules_file.read_text()
    rules_file.write_text(text + "\n# a comment changes the content hash, not the answers\n")
    run = _cli("replay", str(ruleset), str(path), "--format", "json")
    assert run.returncode == 1
    report = json.loads(run.stdout)
    assert {r["outcome"] for r in report["records"]} == {"ruleset_changed"}
    assert all(r["aspects"] == [] for r in report["records"])  # same answers under the new version
    text_run = _cli("replay", str(ruleset), str(path))
    assert "rule set changed; same decision" in text_run.stdout and "rules diff" in text_run.stdout


def test_replay_tells_a_different_value_apart(tmp_path):
    from interpreter.service.records import Recorder, replay_one

    ruleset_dir = tmp_path / "demo"
    ruleset_dir.mkdir()
    (ruleset_dir / "act.rules").write_text(
        'act DEMO "Demo Act"\n\nfact limit: money "the limit"\n\n'
        'section 1 "LIMIT":\n  decision over: boolean "over the limit" = limit > $100\n')
    loaded = api.load(str(ruleset_dir))
    assert loaded.ok, [d.message for d in loaded.diagnostics]
    recorder = Recorder(loaded)
    decision, _ = api.decide(loaded, {"limit": "$150"}, "over", with_explanation=False)
    from interpreter.service.records import FactInput

    line = recorder.record(decision, FactInput.of({"limit": "$150"}))
    assert replay_one(recorder, 1, line).outcome == "identical"
    (ruleset_dir / "act.rules").write_text(
        'act DEMO "Demo Act"\n\nfact limit: money "the limit"\n\n'
        'section 1 "LIMIT":\n  decision over: boolean "over the limit" = limit > $200\n')
    changed = api.load(str(ruleset_dir))
    result = replay_one(Recorder(changed), 1, line)
    assert result.outcome == "ruleset_changed" and result.aspects == ("value",)
    assert (result.recorded["value"], result.now["value"]) == (True, False)


def test_replay_of_a_missing_or_garbled_file(tmp_path):
    assert _cli("replay", "rules/secure", str(tmp_path / "none.jsonl")).returncode == 3
    garbled = tmp_path / "g.jsonl"
    garbled.write_text("{not json\n{\"a\": 1}\n")
    run = _cli("replay", "rules/secure", str(garbled))
    assert run.returncode == 1 and run.stdout.count(": invalid: ") == 2 and "2 invalid" in run.stdout
    assert "Traceback" not in run.stderr
