"""The public API: deciding one target gives exactly what evaluating everything gives."""
import os

import pytest

from interpreter import api

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAMSA = os.path.join(ROOT, "rules", "ramsa")


@pytest.mark.parametrize("example", ["imports_2026.yaml", "eligibility.yaml", "trust_fund_fy2027.yaml"])
def test_decide_one_target_agrees_with_evaluating_all(example):
    loaded = api.load(RAMSA)
    facts = os.path.join(RAMSA, "examples", example)
    everything = api.evaluate(loaded, facts)
    assert everything.decisions
    for decision in everything.decisions:
        alone, explanation = api.decide(loaded, facts, decision.target)
        assert alone.outcome == decision.outcome, decision.target
        assert alone.citations == decision.citations
        assert alone.basis == decision.basis
        assert explanation.target == decision.target


def test_decide_reports_an_unknown_target_as_a_user_error():
    loaded = api.load(RAMSA)
    with pytest.raises(api.TargetError) as raised:
        api.decide(loaded, {"imports": []}, "imports[L1].treatmnt")
    assert "did you mean `treatment`?" in raised.value.diagnostics[0].suggestions
