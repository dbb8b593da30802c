"""The traced generated program (`Session.decide_traced`) and its compact trace give the interpreter's explanation.

For every decision of every shipped example of the three Acts, and of the semantics suite on generated
facts, `explain(ruleset, trace.frame())` serialises to the same JSON as the explanation `api.decide`
builds from the interpreter's trace, and the outcome, the basis and the facts used are the same.
"""
import os

import pytest
import yaml
from hypothesis import given, settings

from interpreter import api
from interpreter.engines.generated import Program
from interpreter.evaluation.explain import basis, explain, facts_used
from interpreter.evaluation.facts import bind_facts
from interpreter.evaluation.report import explanation_json
from interpreter.evaluation.supplied import with_supplied_rows
from interpreter.evaluation.trace import target_name
from tests.helpers import ruleset
from tests.test_engine_equivalence import SEMANTICS, SETTINGS, _act_cases, _key, acts, generated_facts  # noqa: F401

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def assert_explanations_agree(loaded, data) -> int:
    """Every decision of the facts: traced generated program against `api.decide`; -> decisions compared."""
    facts, problems = bind_facts(loaded.ruleset, data, "<data>")
    if problems:
        return 0
    rules = loaded.ruleset
    tables = with_supplied_rows(loaded.tables, facts)
    sessions = {}
    compared = 0
    for value in rules.decisions():
        entity = value.owner or next(iter(rules.entities))  # a global value is decided by any entity's program
        if entity not in sessions:
            sessions[entity] = Program(rules, tables, entity, record_local=False).session(facts)
        session = sessions[entity]
        for record in ([None] if value.owner is None else facts.records.get(value.owner, ())):
            decision, expected = api.decide(loaded, data, target_name(value, record))
            outcome, trace = session.decide_traced(record, value.id)
            assert _key(outcome) == _key(decision.outcome), decision.target
            frame = trace.frame()
            assert explanation_json(explain(rules, frame)) == explanation_json(expected), decision.target
            assert basis(frame) == basis(decision.frame) and facts_used(frame) == facts_used(decision.frame)
            compared += 1
    return compared


@pytest.mark.parametrize("act, example", list(_act_cases()))
def test_every_decision_of_the_shipped_examples_is_explained_as_the_interpreter_does(acts, act, example):
    with open(os.path.join(ROOT, "rules", act, "examples", example), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert assert_explanations_agree(acts[act], data) > 0


@pytest.mark.parametrize("name", sorted(SEMANTICS))
def test_the_semantics_suite_is_explained_as_the_interpreter_does(tmp_path, name):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "codes.csv").write_text("code,rate\nA,25%\nB,7.5%\n", encoding="utf-8")
    loaded = ruleset(tmp_path, SEMANTICS[name])
    assert loaded.ok

    @settings(SETTINGS, max_examples=12)
    @given(generated_facts(loaded))
    def check(data):
        assert_explanations_agree(loaded, data)
    check()


def test_the_trace_is_built_only_when_asked_and_shared_values_are_traced_once_per_session(acts):
    loaded = acts["ramsa"]
    with open(os.path.join(ROOT, "rules", "ramsa", "examples", "imports_2026.yaml"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    facts, _ = bind_facts(loaded.ruleset, data, "<data>")
    session = Program(loaded.ruleset, loaded.tables, "ImportLine").session(facts)
    record = facts.records["ImportLine"][4]
    first, trace = session.decide_traced(record, "ImportLine.treatment")
    again, second = session.decide_traced(record, "ImportLine.treatment")
    assert first == again and trace.memo is not second.memo  # the record's values: per call
    assert explanation_json(explain(loaded.ruleset, trace.frame())) == \
        explanation_json(explain(loaded.ruleset, second.frame()))
    assert trace.frame() is not trace.frame()  # built on demand, each time
