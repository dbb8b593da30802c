"""Language-server latency on RAMSA: edit -> diagnostics, and hover/completion, over stdio.

    python benchmarks/lsp_latency.py [--edits 20]

Starts `rules lsp` as an editor would, opens rules/ramsa/s4_alliance.rules and sends whole-file
changes that alternately break and repair one name; for each it measures the wall time from
sending `didChange` to receiving the file's `publishDiagnostics` (the server re-loads the whole
rule set with the unsaved text: parse, resolve, check, tables). Then the time of hover and of
completion requests. Prints the median, 90th percentile and maximum in milliseconds, and the time
of one `rules check`-equivalent load in the same process for comparison.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from interpreter.api import load  # noqa: E402
from tests.lsp_client import LspClient  # noqa: E402

S4 = os.path.join(ROOT, "rules", "ramsa", "s4_alliance.rules")


def summary(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    return f"{name:<34} median {statistics.median(ms):7.1f} ms   p90 {p90:7.1f} ms   max {ms[-1]:7.1f} ms   (n={len(ms)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=20)
    edits = parser.parse_args().edits
    os.chdir(ROOT)
    text = open(S4, encoding="utf-8").read()
    broken = text.replace("= country.agrees_to_raise_duties", "= country.agrees_to_raise_dutis")
    uri = "file://" + S4
    client = LspClient()
    client.initialize()
    mark = len(client.notifications)
    started = time.perf_counter()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "rules", "version": 1, "text": text}})
    client.wait_for("textDocument/publishDiagnostics", lambda p: p["uri"] == uri, after=mark)
    first = time.perf_counter() - started
    changes = []
    for version in range(2, edits + 2):
        mark = len(client.notifications)
        started = time.perf_counter()
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                 "contentChanges": [{"text": broken if version % 2 else text}]})
        client.wait_for("textDocument/publishDiagnostics", lambda p: p["uri"] == uri, after=mark)
        changes.append(time.perf_counter() - started)
    index = text.index("addresses_transshipment, maintains")
    position = {"line": text.count("\n", 0, index), "character": index - text.rfind("\n", 0, index) - 1 + 3}
    hovers, completions = [], []
    for _ in range(edits):
        started = time.perf_counter()
        client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": position})
        hovers.append(time.perf_counter() - started)
        started = time.perf_counter()
        client.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": position})
        completions.append(time.perf_counter() - started)
    client.close()
    loads = []
    for _ in range(5):
        started = time.perf_counter()
        load(os.path.join(ROOT, "rules", "ramsa"))
        loads.append(time.perf_counter() - started)
    print(f"RAMSA ({sum(1 for f in os.listdir(os.path.dirname(S4)) if f.endswith('.rules'))} rule files), "
          f"open -> first diagnostics {first * 1000:.1f} ms")
    print(summary("didChange -> publishDiagnostics", changes))
    print(summary("hover", hovers))
    print(summary("completion", completions))
    print(summary("baseline: load rules/ramsa in-process", loads))


if __name__ == "__main__":
    main()
