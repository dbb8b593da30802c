"""Decision records: one decision + the rule set's content hash + the whole fact input -> one canonical JSON line.

A record is the decision object of `rules eval --format json` (value, status, citations,
basis, facts used, missing facts, provisional statements) plus what is needed to make the
decision again and to tell whether it still stands: the act and the rule set's content
hash, `as_of`, the interpretation notes of every rule that contributed, the whole fact
input and its hash, and a record id that is the sha256 of all of that. Guarantees:
identical input (rule set content, facts, as_of, target) gives byte-identical records; a
record carries no time stamp, host or path; `replay` re-decides a record from its stored
input and says whether the answer is identical, different (in value, or only in basis),
or was made by a different rule set (and then whether the answer still holds).
"""
from __future__ import annotations

import datetime as dt
import os

import attrs

from interpreter import api
from interpreter.api import Loaded, UserError, report
from interpreter.evaluation.facts import read_fact_file
from interpreter.evaluation.trace import walk_frames
from interpreter.language.diagnostics import error
from interpreter.language.fingerprint import content_hash
from interpreter.service.canonical import Native, Raw, canonical_text, loads, sha256_text

RECORD_VERSION = 1
# What a record holds besides the decision object; replay needs every one of them.
REQUIRED = ("record_version", "record_id", "act", "ruleset_hash", "as_of", "target", "status", "value", "input")


@attrs.frozen
class FactInput:
    """A fact document, encoded once, with its hash."""
    data: object
    text: str  # canonical JSON
    hash: str

    @classmethod
    def of(cls, data) -> "FactInput":
        text = canonical_text({} if data is None else data)
        return cls(data, text, sha256_text(text))


class Recorder:
    """Makes the records of one loaded rule set (its hash and provision index computed once)."""

    def __init__(self, loaded: Loaded, ruleset_hash: str | None = None):
        self.loaded = loaded
        self.ruleset = loaded.ruleset
        self.ruleset_hash = ruleset_hash or content_hash(loaded)
        self.provisions = {p.citation: p for p in self.ruleset.provisions}

    def notes(self, decision) -> list[dict]:
        """The interpretation notes of every provision and rule that contributed, by citation."""
        found = {}
        for frame in walk_frames(decision.frame):
            for rule in (frame.outcome.rules if frame.outcome is not None else ()):
                provision = self.provisions.get(rule.citation)
                for note in (provision.notes if provision else ()) + tuple(rule.notes):
                    found[(str(rule.citation), note)] = None
        return [{"citation": citation, "note": note} for citation, note in sorted(found)]

    def record(self, decision, fact_input: FactInput, decision_object: dict | None = None) -> str:
        """The canonical JSON text of the record of `decision` (no newline); `decision_object`:
        its `report.decision_json` without explanation, if the caller has made it already."""
        if decision_object is None:
            decision_object = report.decision_json(decision, None, self.ruleset)
        # The decision object holds JSON's own types only (exact values are strings).
        body = {key: Native(value) for key, value in decision_object.items()}
        body.update({
            "record_version": RECORD_VERSION,
            "act": self.ruleset.act,
            "ruleset_hash": self.ruleset_hash,
            "as_of": decision.as_of.isoformat() if decision.as_of else None,
            "notes": Native(self.notes(decision)),
            "input_hash": fact_input.hash,
            "input": Raw(fact_input.text),
        })
        body["record_id"] = record_id(canonical_text(body))
        return canonical_text(body)

    def records(self, result, fact_input: FactInput) -> list[str]:
        return [self.record(decision, fact_input) for decision in result.decisions]


def record_id(text_without_id: str) -> str:
    return sha256_text(text_without_id)


def evaluate_recorded(loaded: Loaded, facts_path: str, as_of: dt.date | None, records_path: str):
    """`rules eval --records FILE`: evaluate a fact file and append one record per decision."""
    data, problems = read_fact_file(facts_path)
    if problems:
        raise UserError(problems)
    result = api.evaluate_data(loaded, data, as_of, label=facts_path)
    lines = Recorder(loaded).records(result, FactInput.of(data))
    try:
        with open(records_path, "a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in lines))
    except OSError as exc:
        raise UserError([error("E810", f"cannot append records to {records_path}: {exc.strerror or exc}",
                               fact_path=records_path)]) from None
    return result


# ---------------------------------------------------------------- replay

@attrs.frozen
class Replayed:
    line: int
    target: str | None
    outcome: str  # identical | different | ruleset_changed | invalid | other_act (skipped)
    aspects: tuple[str, ...] = ()  # value | basis (what differs, for different and ruleset_changed)
    recorded: dict | None = None  # the stored decision (value, status, basis)
    now: dict | None = None  # the decision made again
    recorded_hash: str | None = None
    problem: str | None = None

    @property
    def same(self) -> bool:
        """Nothing to report: identical, or a record of another act (a shared decision log)."""
        return self.outcome in ("identical", "other_act")


_VALUE = ("status", "value", "display", "message")


def _differences(old: dict, new: dict) -> tuple[str, ...]:
    aspects = []
    if any(old.get(k) != new.get(k) for k in _VALUE):
        aspects.append("value")
    ignored = set(_VALUE) | {"record_id", "ruleset_hash"}
    if any(old.get(k) != new.get(k) for k in set(old) | set(new) if k not in ignored):
        aspects.append("basis")
    return tuple(aspects)


def _summary(record: dict) -> dict:
    return {k: record.get(k) for k in ("status", "value", "display", "citations", "basis")}


class _Evaluations:
    """The last few fact inputs evaluated, so that the records of one `eval` (one input, many
    decisions) cost one evaluation to replay, not one per record."""

    def __init__(self, loaded: Loaded, keep: int = 4):
        self.loaded = loaded
        self.keep = keep
        self.results: dict = {}

    def decision(self, data, as_of: dt.date | None, target: str):
        fact_input = FactInput.of(data)
        key = (fact_input.hash, as_of)
        if key not in self.results:
            if len(self.results) >= self.keep:
                self.results.pop(next(iter(self.results)))
            self.results[key] = (api.evaluate_data(self.loaded, data, as_of, label="record input"), fact_input)
        result, fact_input = self.results[key]
        return api.decision_of(result, target), fact_input


def replay_one(recorder: Recorder, line: int, text: str, evaluations: _Evaluations | None = None) -> Replayed:
    try:
        stored = loads(text)
    except (ValueError, RecursionError) as exc:
        return Replayed(line, None, "invalid", problem=f"not a JSON record: {exc}")
    if not isinstance(stored, dict) or any(k not in stored for k in REQUIRED):
        missing = [k for k in REQUIRED if not isinstance(stored, dict) or k not in stored]
        return Replayed(line, None, "invalid", problem=f"not a decision record (lacks {', '.join(missing)})")
    target = str(stored["target"])
    if stored["act"] != recorder.ruleset.act:
        return Replayed(line, target, "other_act", problem=f"a record of {stored['act']}, not {recorder.ruleset.act}")
    if stored["record_version"] != RECORD_VERSION:
        return Replayed(line, target, "invalid", problem=f"record_version {stored['record_version']} is not {RECORD_VERSION}")
    without_id = {k: v for k, v in stored.items() if k != "record_id"}
    try:
        intact = record_id(canonical_text(without_id)) == stored["record_id"]
    except ValueError as exc:
        return Replayed(line, target, "invalid", problem=str(exc))
    if not intact:
        return Replayed(line, target, "invalid", problem="the record was altered after it was made (its record_id does not match)")
    try:
        as_of = dt.date.fromisoformat(stored["as_of"]) if stored["as_of"] else None
    except (ValueError, TypeError) as exc:
        return Replayed(line, target, "invalid", problem=f"bad as_of: {exc}")
    try:
        decision, fact_input = (evaluations or _Evaluations(recorder.loaded)).decision(stored["input"], as_of, target)
    except UserError as exc:
        return Replayed(line, target, "invalid", problem="; ".join(f"{d.fact_path or ''} {d.message}".strip()
                                                                   for d in exc.diagnostics))
    fresh = loads(recorder.record(decision, fact_input))
    changed = stored["ruleset_hash"] != recorder.ruleset_hash
    aspects = _differences(stored, fresh)
    if changed:
        outcome = "ruleset_changed"
    elif fresh["record_id"] == stored["record_id"] and not aspects:
        outcome = "identical"  # equal ids of verified records: byte-identical records
    else:
        outcome = "different"
    return Replayed(line, target, outcome, aspects, _summary(stored), _summary(fresh), stored["ruleset_hash"])


def replay(loaded: Loaded, records_path: str) -> list[Replayed]:
    """Re-decide every record of a JSONL file with `loaded`; blank lines are skipped."""
    if not os.path.isfile(records_path):
        raise UserError([error("E811", f"no records file at {records_path}", fact_path=records_path)])
    recorder = Recorder(loaded)
    evaluations = _Evaluations(loaded)
    results = []
    try:
        with open(records_path, encoding="utf-8") as handle:
            for number, text in enumerate(handle, start=1):
                if text.strip():
                    results.append(replay_one(recorder, number, text, evaluations))
    except UnicodeDecodeError as exc:
        raise UserError([error("E811", f"{records_path} is not UTF-8 text ({exc.reason})", fact_path=records_path)]) from None
    return results


def replay_json(loaded: Loaded, results: list[Replayed]) -> dict:
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    return {
        "output_version": report.OUTPUT_VERSION,
        "act": loaded.ruleset.act,
        "ruleset_hash": content_hash(loaded),
        "records": [{"line": r.line, "target": r.target, "outcome": r.outcome, "aspects": list(r.aspects),
                     "recorded": r.recorded, "now": r.now, "recorded_ruleset_hash": r.recorded_hash,
                     "problem": r.problem} for r in results],
        "summary": dict(sorted(counts.items())),
    }
