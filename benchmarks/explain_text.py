"""Benchmark: `rules eval --explain` as text against the same as JSON, measured in one run.

    python benchmarks/explain_text.py [--repeat 5]

Renders the explanations of every decision of rules/ramsa/examples/imports_2026.yaml (evaluated
and explained once; only the rendering is timed) as text (the compact default, and --full) and as
JSON, each `--repeat` times, into memory, and prints the medians, the ratios and the line counts.
The target (issue 14): text no slower than twice the JSON.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from rich.console import Console  # noqa: E402

from interpreter import api  # noqa: E402

RAMSA = os.path.join(ROOT, "rules", "ramsa")
FACTS = os.path.join(RAMSA, "examples", "imports_2026.yaml")


def _timed(render, repeat: int) -> tuple[float, str]:
    times, text = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        text = render()
        times.append(time.perf_counter() - start)
    return statistics.median(times), text


def _text(result, explanations, view) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=100_000, color_system=None, highlight=False)
    api.explain_text.print_result(console, result, explanations, view)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    loaded = api.load(RAMSA)
    result = api.evaluate(loaded, FACTS)
    explanations = api.explain_all(result)
    json_time, json_text = _timed(lambda: api.report.dumps(api.report.result_json(result, explanations)), args.repeat)
    compact_time, compact = _timed(lambda: _text(result, explanations, api.explain_text.View()), args.repeat)
    full_time, full = _timed(lambda: _text(result, explanations, api.explain_text.FULL), args.repeat)
    print(f"{len(result.decisions)} decisions explained; rendering only, median of {args.repeat}")
    print(f"  JSON            {json_time * 1000:8.1f} ms  {json_text.count(chr(10)):7d} lines")
    print(f"  text (compact)  {compact_time * 1000:8.1f} ms  {compact.count(chr(10)):7d} lines  "
          f"{compact_time / json_time:.2f}x JSON")
    print(f"  text (--full)   {full_time * 1000:8.1f} ms  {full.count(chr(10)):7d} lines  {full_time / json_time:.2f}x JSON")


if __name__ == "__main__":
    main()
