"""Property: mutated rule sets and fact files (tests/hostile_inputs.py) through the public API give
diagnostics or a result, never another exception, and each within SECONDS (a hang detector, not a
benchmark: typical inputs take 0.01-0.5 s). About 350 inputs, well under a minute in CI (about 8 s of test time here);
benchmarks/fuzz.py runs the same mutators for as long as asked.
"""
import os
import tempfile
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from interpreter import api
from tests import hostile_inputs as H

SECONDS = 20
PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def loaded_acts():
    return {act: api.load(os.path.join(H.ROOT, "rules", act)) for act in ("ramsa", "cmtsa", "secure")}


def _answered(run) -> str:
    began = time.perf_counter()
    outcome = run()
    elapsed = time.perf_counter() - began
    assert outcome in ("result", "diagnostics")
    assert elapsed < SECONDS, f"took {elapsed:.1f} s"
    return outcome


@PROPERTY
@given(rng=st.randoms(use_true_random=False), act=st.sampled_from(["ramsa", "ramsa", "cmtsa", "secure"]))
def test_mutated_fact_files_are_answered(loaded_acts, rng, act):
    with tempfile.TemporaryDirectory() as directory:
        facts = H.write_fact_file(rng, directory, act)
        rule_set = os.path.join(H.ROOT, "rules", act)
        _answered(lambda: H.exercise(rule_set, facts, loaded_acts[act]))


@PROPERTY
@given(rng=st.randoms(use_true_random=False))
def test_mutated_rule_sets_are_answered(rng):
    with tempfile.TemporaryDirectory() as directory:
        rule_set = H.write_rule_set(rng, directory)
        beside = os.path.join(directory, "facts.yaml")
        _answered(lambda: H.exercise(rule_set, beside if os.path.isfile(beside) else None))


@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(rng=st.randoms(use_true_random=False))
def test_mutated_fact_files_as_batch_globals_are_answered(loaded_acts, rng):
    """The same fact files as `rules batch --facts`: refused with diagnostics or bound, never a crash."""
    from interpreter.batch.job import facts_for

    with tempfile.TemporaryDirectory() as directory:
        facts = H.write_fact_file(rng, directory, "ramsa")

        def run():
            try:
                facts_for(loaded_acts["ramsa"], facts)
            except api.UserError:
                return "diagnostics"
            return "result"
        _answered(run)
