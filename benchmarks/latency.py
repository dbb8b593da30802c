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
what is reused is only what depends on the rule set alone.
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
    print(f"one explained decision ({target}, facts varied on every call), median µs by stage: "
          + "; ".join(f"{name} {value:,.1f}" for name, value in figures.items() if name != "whole"))
    print(f"  whole: api.decide with its explanation + the explanation JSON: median {figures['whole']:,.1f} µs "
          f"(target 50 µs; decide includes bind)")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="calls timed per stage")
    stages(count=parser.parse_args().count)


if __name__ == "__main__":
    main()
