"""The server's parts on their own: the interruptible runner, the decision log, canonical JSON, replay outcomes."""
import asyncio
import json
import threading
import time
from decimal import Decimal

import pytest

from interpreter import api
from interpreter.service.canonical import Raw, canonical_text, loads
from interpreter.service.decision_log import DecisionLog
from interpreter.service.records import FactInput, Recorder, record_id, replay_one
from interpreter.service.runner import Runner, TimedOut


def _spin(seconds: float) -> str:
    deadline = time.perf_counter() + seconds
    count = 0
    while time.perf_counter() < deadline:
        count += 1
    return "done"


def test_a_job_over_its_limit_is_stopped_and_the_worker_serves_the_next():
    runner = Runner(workers=1)

    async def scenario():
        began = time.perf_counter()
        with pytest.raises(TimedOut):
            await runner.run(lambda: _spin(30), 0.2)
        assert time.perf_counter() - began < 2
        # one worker only: if the 30 s job were still running, this would time out too
        assert await runner.run(lambda: "next", 5) == "next"

    asyncio.run(scenario())
    assert runner.busy == 0 and runner.timeouts == 1
    runner.close()


def test_an_interrupt_never_lands_in_another_job():
    """Jobs that end right around their limit: each gives its own result or TimedOut, and the
    jobs after them are never hit by an interrupt meant for an earlier one."""
    runner = Runner(workers=2)
    outcomes = {"done": 0, "timed out": 0}

    async def scenario():
        for index in range(150):
            try:
                result = await runner.run(lambda: _spin(0.004), 0.004)
                assert result == "done"
                outcomes["done"] += 1
            except TimedOut:
                outcomes["timed out"] += 1
            assert await runner.run(lambda: sum(range(2000)), 5) == sum(range(2000)), index

    asyncio.run(scenario())
    assert sum(outcomes.values()) == 150
    runner.close()


def test_a_job_that_raises_hands_its_error_to_the_caller():
    runner = Runner(workers=1)

    async def scenario():
        with pytest.raises(ZeroDivisionError):
            await runner.run(lambda: 1 / 0, 5)
        assert await runner.run(lambda: 7, 5) == 7

    asyncio.run(scenario())
    runner.close()


def test_the_decision_log_writes_in_order_drops_when_full_and_reports_failures(tmp_path, monkeypatch):
    path = tmp_path / "log.jsonl"
    log = DecisionLog(str(path))
    log.submit([f'{{"n":{n}}}' for n in range(100)])
    log.close()
    assert [json.loads(line)["n"] for line in path.read_text().splitlines()] == list(range(100))
    assert log.healthy and log.status()["written"] == 100

    gate = threading.Event()
    slow = DecisionLog(str(tmp_path / "slow.jsonl"), max_queued=5)
    original = slow._write
    monkeypatch.setattr(slow, "_write", lambda batch: (gate.wait(5), original(batch)))
    began = time.perf_counter()
    slow.submit([str(n) for n in range(50)])  # the writer is stuck: most are dropped, none waits
    assert time.perf_counter() - began < 0.5
    assert slow.dropped >= 40 and not slow.healthy
    gate.set()
    slow.close()

    full = DecisionLog("/dev/full")
    full.submit(["{}"])
    full.close()
    assert full.failed == 1 and "No space left" in full.status()["last_error"] and not full.healthy


def test_canonical_json_keeps_exact_numbers_and_reads_back_to_itself():
    import datetime as dt

    data = {"b": [Decimal("1250.00"), 3, None, True, "é\n"], "a": dt.date(2026, 1, 2), 7: 0.1, "c": 1e20,
            "raw": Raw('{"x":1}'), "empty": {}, "none": []}
    text = canonical_text(data)
    assert text == ('{"7":0.1,"a":"2026-01-02","b":[1250.00,3,null,true,"é\\n"],"c":1E+20,"empty":{},'
                    '"none":[],"raw":{"x":1}}')
    assert canonical_text(loads(text)) == text
    with pytest.raises(ValueError):
        deep = []
        for _ in range(300):
            deep = [deep]
        canonical_text(deep)


def test_replay_says_different_when_the_same_rules_now_answer_otherwise(tmp_path):
    directory = tmp_path / "demo"
    directory.mkdir()
    (directory / "act.rules").write_text('act DEMO "Demo Act"\n\nfact limit: money "the limit"\n\n'
                                         'section 1 "LIMIT":\n  decision over: boolean "over the limit" = limit > $100\n')
    loaded = api.load(str(directory))
    recorder = Recorder(loaded)
    decision, _ = api.decide(loaded, {"limit": "$150"}, "over", with_explanation=False)
    stored = loads(recorder.record(decision, FactInput.of({"limit": "$150"})))
    # A record made by an interpreter that answered otherwise under the same rule-set hash:
    stored.update({"value": False, "display": "false"})
    stored["record_id"] = record_id(canonical_text({k: v for k, v in stored.items() if k != "record_id"}))
    result = replay_one(recorder, 1, canonical_text(stored))
    assert (result.outcome, result.aspects) == ("different", ("value",))
    stored.update({"value": True, "display": "true", "citations": ["DEMO §9"]})
    stored["record_id"] = record_id(canonical_text({k: v for k, v in stored.items() if k != "record_id"}))
    assert replay_one(recorder, 1, canonical_text(stored)).aspects == ("basis",)
