"""One explained decision through the public API, stage by stage (issue 11: median <= 50 µs).

    python benchmarks/latency.py [--count 2000]      # alone, in a few seconds
    (also called by benchmarks/run.py, after its public-API figures)

input: the RAMSA rule set and the line `run.py` times (imports_2026.yaml, line L05, target
`imports[L05].treatment`); output: the median µs of each stage and of the whole, printed.
Stages: bind (raw data -> FactBase), decide (api.decide without the explanation: bind, evaluate
what the target depends on, trace), explain tree (trace -> Explanation), explanation JSON
(decision + Explanation -> the dict `rules explain --format json` and `rules serve` write), and
the whole (api.decide with its explanation, turned into that dict: the full explanation is built
and read). Every call gets different facts (the line's customs value and entry date change from
call to call, cycling through COUNT variants), so no result can be reused from an earlier call;
what is reused is only what depends on the rule set alone. For comparison, the decide stage is
also timed through the traced generated program (`engines/generated.py`, `Session.decide_traced`).
"""
from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path[:0] = [ROOT, HERE]
RAMSA = os.path.join(ROOT, "rules", "ramsa")
EXAMPLE = os.path.join(RAMSA, "examples", "imports_2026.yaml")
TARGET_LINE = 4  # the line run.py times: L05, NdFeB magnets from China


def fact_sets(count: int) -> tuple[list[dict], str]:
    """`count` fact sets with one import line each, differing in its customs value and entry date."""
    import datetime as dt

    import yaml

    with open(EXAMPLE, encoding="utf-8") as handle:
        example = yaml.safe_load(handle)
    line = example["imports"][TARGET_LINE]
    sets = []
    for index in range(count):
        varied = copy.deepcopy(line)
        varied["customs_value"] = f"${10_000 + index:,}.{index % 100:02d}"
        varied["entry_date"] = line["entry_date"] + dt.timedelta(days=index % 90)
        sets.append({"as_of": example["as_of"], "enactment_date": example.get("enactment_date"),
                     "countries": example["countries"], "imports": [varied]})
    return sets, f"imports[{line['id']}].treatment"


def _median_us(count: int, function, inputs: list) -> float:
    times = []
    clock = time.perf_counter_ns
    for index in range(count):
        argument = inputs[index % len(inputs)]
        began = clock()
        function(argument)
        times.append((clock() - began) / 1000)
    return statistics.median(times)


def stages(loaded=None, count: int = 2000) -> dict[str, float]:
    """-> median µs by stage; prints them."""
    from interpreter import api
    from interpreter.evaluation import report
    from interpreter.evaluation.explain import explain
    from interpreter.evaluation.facts import bind_facts

    loaded = loaded or api.load(RAMSA)
    ruleset = loaded.ruleset
    sets, target = fact_sets(min(count, 256))
    decided = [api.decide(loaded, facts, target, with_explanation=False)[0] for facts in sets]
    explained = [(decision, explain(ruleset, decision.frame)) for decision in decided]
    for facts in sets[:50]:  # warm: per-rule-set caches filled, code paths taken once
        report.explain_json(ruleset, *api.decide(loaded, facts, target))
    figures = {
        "bind": _median_us(count, lambda facts: bind_facts(ruleset, facts, "<data>"), sets),
        "decide": _median_us(count, lambda facts: api.decide(loaded, facts, target, with_explanation=False), sets),
        "explain tree": _median_us(count, lambda decision: explain(ruleset, decision.frame), decided),
        "explanation JSON": _median_us(count, lambda pair: report.explain_json(ruleset, *pair), explained),
        "whole": _median_us(count, lambda facts: report.explain_json(ruleset, *api.decide(loaded, facts, target)), sets),
    }
    figures["generated decide"] = _median_us(count, lambda facts: generated_decision(loaded, facts, target), sets)
    print(f"one explained decision ({target}, facts varied on every call), median µs by stage: "
          + "; ".join(f"{name} {value:,.1f}" for name, value in figures.items() if name not in ("whole", "generated decide")))
    print(f"  whole: api.decide with its explanation + the explanation JSON: median {figures['whole']:,.1f} µs "
          f"(target 50 µs; decide includes bind)")
    print(f"  the decide stage through the traced generated program instead (bind, a session on the facts, "
          f"decide_traced, the frame tree): median {figures['generated decide']:,.1f} µs = "
          f"{figures['generated decide'] / figures['decide']:.2f}x the interpreter's (api.decide stays on the "
          f"interpreter while this is above 1)")
    return figures


def generated_decision(loaded, data, target: str):
    """What `decide` does, through the traced generated program (engines/generated.py) instead of the
    interpreter: bind, a session of the target's entity on the facts, the traced decision, its frame tree
    (which `explain` and the decision's basis and facts read). The program is built once per rule set."""
    from interpreter.engines.generated import Program
    from interpreter.evaluation.decide import resolve_target
    from interpreter.evaluation.facts import bind_facts
    from interpreter.language.derived import memo

    ruleset = loaded.ruleset
    facts, _ = bind_facts(ruleset, data, "<data>")
    value, record = resolve_target(ruleset, facts, target)
    program = memo(ruleset, f"benchmark program {value.owner}",
                   lambda r: Program(r, loaded.tables, value.owner, record_local=False))
    outcome, trace = program.session(facts).decide_traced(record, value.id)
    return outcome, trace.frame()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="calls timed per stage")
    stages(count=parser.parse_args().count)


if __name__ == "__main__":
    main()
