"""The single-decision path (`api.decide`, issue 11) gives what the full evaluation gives: for every
decision of every shipped example and scenario of the three Acts, the decision and its explanation
(the Explanation tree and the JSON `rules explain` and `rules serve` write) are those of
`evaluate_data` + `explain`; and the quick fact readers chosen once per rule set take a raw value
only where the full conversion would give the same value without a diagnostic."""
import datetime as dt
import glob
import os
from decimal import Decimal

import pytest
import yaml

from interpreter import api
from interpreter.evaluation import report
from interpreter.evaluation.facts import _SLOW, _Binder, _field_readers, _kept_classes
from interpreter.language.diagnostics import UserError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACTS = ("ramsa", "cmtsa", "secure")


def _scenario_facts(path: str, scenario: dict) -> dict:
    facts = scenario.get("facts") or {}
    if "facts_file" in scenario:
        with open(os.path.join(os.path.dirname(path), scenario["facts_file"]), encoding="utf-8") as handle:
            facts = {**(yaml.safe_load(handle) or {}), **facts}
    return facts


def act_cases(act: str):
    """(name, facts, as_of) for every example and every scenario kept with the Act."""
    root = os.path.join(ROOT, "rules", act)
    for path in sorted(glob.glob(os.path.join(root, "examples", "*.yaml"))):
        with open(path, encoding="utf-8") as handle:
            yield os.path.basename(path), yaml.safe_load(handle), None
    for path in sorted(glob.glob(os.path.join(root, "tests", "*.yaml"))):
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        scenarios = data["scenarios"] if isinstance(data, dict) and "scenarios" in data else [data]
        for index, scenario in enumerate(scenarios):
            as_of = scenario.get("as_of")
            if as_of is not None and not isinstance(as_of, dt.date):
                as_of = dt.date.fromisoformat(str(as_of))
            yield f"{os.path.basename(path)}#{index}", _scenario_facts(path, scenario), as_of


@pytest.fixture(scope="module")
def acts():
    return {act: api.load(os.path.join(ROOT, "rules", act)) for act in ACTS}


@pytest.mark.parametrize("act", ACTS)
def test_decide_gives_every_decision_and_explanation_of_the_full_evaluation(acts, act):
    loaded = acts[act]
    ruleset = loaded.ruleset
    compared = 0
    for name, facts, as_of in act_cases(act):
        try:
            result = api.evaluate_data(loaded, facts, as_of=as_of)
        except UserError:
            continue  # refused facts: the same diagnostics either way (tests/test_api.py)
        for reference in result.decisions:
            expected_decision, expected = api.explain(result, reference.target)
            decision, explanation = api.decide(loaded, facts, reference.target, as_of=as_of)
            assert explanation == expected, (name, reference.target)
            assert report.explain_json(ruleset, decision, explanation) == \
                report.explain_json(ruleset, expected_decision, expected), (name, reference.target)
            plain, none = api.decide(loaded, facts, reference.target, as_of=as_of, with_explanation=False)
            assert none is None
            assert report.decision_json(plain, None, ruleset) == report.decision_json(reference, None, ruleset)
            compared += 1
    assert compared > 20


RAW_VALUES = [None, True, False, "true", "", "x", "neodymium", "permanent_magnet", "complies", "$1,250.00", "25%",
              "90 days", "2026-01-05", 0, 7, 10 ** 40, 1.5, float("nan"), Decimal("2.50"), dt.date(2026, 1, 5),
              dt.datetime(2026, 1, 5, 12, 0), [], ["neodymium"], ["neodymium", "x"], ["permanent_magnet"], [1, "x"],
              [{"a": 1}], [["x"]], ["a", None], {"a": 1}, " 2026-01-05 ", "2026-02-30", "20260105", " true ",
              "1e999", "-0.5", "3", "$-1.00", "5 years", "1 month", "200%", "L01", "AUS", "$1,000,000,000,000,000.00"]


@pytest.mark.parametrize("act", ACTS)
def test_quick_fact_readers_take_only_what_the_full_conversion_gives(acts, act):
    ruleset = acts[act].ruleset
    readers = _field_readers(ruleset)
    kept = _kept_classes(ruleset)
    taken = declined = 0
    for entity in ruleset.entities.values():
        for field in entity.fields:
            read = readers[entity.name][field.name]
            classes = kept[entity.name].get(field.name, frozenset())
            for raw in RAW_VALUES:
                quick = raw if raw.__class__ in classes else read(raw)
                if quick is _SLOW:
                    declined += 1
                    continue
                binder = _Binder(ruleset, "<test>")
                full = binder.convert(raw, field.type, f"{entity.collection}[0].{field.name}")
                assert not binder.diagnostics, (field, raw)
                assert quick == full and type(quick) is type(full), (field, raw)
                taken += 1
    assert taken and declined


def test_an_explanation_holds_each_part_in_its_own_field(acts):
    """The explainer builds nodes positionally: each field holds what its name says."""
    from interpreter.evaluation.explain import Condition, Explanation
    from interpreter.language.values import DATE_CONVENTION

    loaded = acts["ramsa"]
    example = os.path.join(ROOT, "rules", "ramsa", "examples", "imports_2026.yaml")
    _, top = api.decide(loaded, example, "imports[L05].treatment")
    assert (top.target, top.status, top.value) == ("imports[L05].treatment", "decided", "section_301_matching")
    assert top.description == "the duty treatment of the line under the Act"
    assert (top.citation, top.rule, top.rule_citations) == ("RAMSA §5", "section_5_prevails_over_4g", ("RAMSA §5",))
    assert top.statute_text.startswith("Upon the entry into force of the first agreement")
    assert top.notes and top.notes[0].startswith("Interpretation:")
    assert top.conditions[0] == Condition("the good is a mined or processed critical mineral or a select "
                                          "derivative product", "RAMSA §4(g)", True)
    assert [r.label for r in top.not_applied][:1] == ["alliance_duty_free"]
    assert (top.facts, top.rows, top.missing, top.message, top.provisional) == ((), (), (), None, ())
    assert top.date_convention == DATE_CONVENTION
    first = top.children[0]
    assert isinstance(first, Explanation) and first.target == "imports[L05].covered_good"
    assert first.date_convention is None  # said once, at the top
    lines = [c for c in top.children if isinstance(c, Explanation)]
    line_facts = [fact for node in lines for child in node.children if isinstance(child, Explanation)
                  for fact in child.facts]
    assert ("imports[L05].form", "permanent_magnet") in line_facts
