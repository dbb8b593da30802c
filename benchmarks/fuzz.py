"""Fuzz `rules` with hostile rule sets, fact files and batch inputs for a given time; print what broke.

    nice -n 10 python benchmarks/fuzz.py --minutes 20            # prints `inputs, internal errors, hangs`
    python benchmarks/fuzz.py --replay facts 1234                 # re-run one input by its kind and seed

Each input is built deterministically from its seed (tests/hostile_inputs.py: mutated copies of the
small rule sets, mutated RAMSA/CMTSA/SECURE fact files, JSONL batch inputs with hostile rows) and run
through the public API in a worker process. Counted:
- internal error: any exception other than the API's `UserError` (the CLI would exit 70);
- hang: no answer within --timeout seconds (the worker is killed and restarted);
- memory: a MemoryError under the worker's address-space limit (--memory-mb).
Every failing input is saved under --findings/KIND-SEED/ with its traceback.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT]

KINDS = (("facts", 0.5), ("rules", 0.4), ("batch", 0.1))


def build(kind: str, seed: int, directory: str) -> dict:
    """Write input KIND-SEED into `directory`; -> what to run on it."""
    from tests import hostile_inputs as H

    rng = random.Random(f"{kind}-{seed}")
    if kind == "facts":
        act = rng.choice(["ramsa", "ramsa", "cmtsa", "secure"])
        path = H.write_fact_file(random.Random(f"{kind}-{seed}-{act}"), directory, act)
        return {"rule_set": os.path.join(H.ROOT, "rules", act), "facts": path}
    if kind == "rules":
        rule_set = H.write_rule_set(rng, directory)
        examples = os.path.join(rule_set, "examples")
        candidates = [os.path.join(os.path.dirname(rule_set), "facts.yaml")]
        if os.path.isdir(examples):
            candidates += [os.path.join(examples, f) for f in sorted(os.listdir(examples))]
        facts = next((c for c in candidates if os.path.isfile(c)), None)
        return {"rule_set": rule_set, "facts": facts}
    rows = _batch_rows(rng)
    path = os.path.join(directory, "lines.jsonl")
    with open(path, "wb") as handle:
        handle.write(b"\n".join(rows) + b"\n")
    return {"rule_set": os.path.join(H.ROOT, "rules", "ramsa"), "batch": path, "output": os.path.join(directory, "out.jsonl")}


def _batch_rows(rng: random.Random) -> list[bytes]:
    import yaml

    from tests import hostile_inputs as H

    with open(os.path.join(H.ROOT, "rules", "ramsa", "examples", "imports_2026.yaml"), encoding="utf-8") as handle:
        lines = yaml.safe_load(handle)["imports"]
    rows = []
    for line in lines[: rng.randint(1, 8)]:
        fields = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in line.items()}
        text = json.dumps(fields)
        if rng.random() < 0.6:
            name = rng.choice(list(fields))
            text = text.replace(json.dumps(name) + ": " + json.dumps(fields[name]),
                                json.dumps(name) + ": " + rng.choice(H.HOSTILE_SCALARS).replace(".nan", "NaN"), 1)
        data = text.encode("utf-8", errors="surrogatepass")
        if rng.random() < 0.1:
            data = data[: rng.randrange(len(data))] + bytes([rng.randrange(256)]) + data[rng.randrange(len(data)):]
        rows.append(data)
    return rows


def _worker(connection, memory_mb: int) -> None:
    import resource

    from interpreter.api import UserError
    from interpreter import batch as batch_api
    from tests import hostile_inputs as H
    from interpreter import api

    resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
    cached = {}
    while True:
        job = connection.recv()
        if job is None:
            return
        kind, seed = job
        directory = tempfile.mkdtemp(prefix=f"fuzz-{kind}-{seed}-")
        try:
            spec = build(kind, seed, directory)
            if "batch" in spec:
                loaded = cached.setdefault(spec["rule_set"], api.load(spec["rule_set"]))
                try:
                    batch_api.run_batch(loaded, spec["batch"], spec["output"], entity="imports", chunk_size=3)
                    outcome = "result"
                except UserError:
                    outcome = "diagnostics"
            elif kind == "facts":
                loaded = cached.setdefault(spec["rule_set"], api.load(spec["rule_set"]))
                outcome = H.exercise(spec["rule_set"], spec["facts"], loaded)
            else:
                outcome = H.exercise(spec["rule_set"], spec["facts"])
            connection.send(("ok", outcome))
        except MemoryError:
            connection.send(("memory", "MemoryError"))
        except Exception:  # noqa: BLE001 - exactly what the fuzzer looks for
            connection.send(("internal", traceback.format_exc()))
        finally:
            shutil.rmtree(directory, ignore_errors=True)


class Runner:
    def __init__(self, timeout: float, memory_mb: int):
        self.timeout, self.memory_mb = timeout, memory_mb
        self.process = None

    def start(self):
        context = multiprocessing.get_context("fork")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, self.memory_mb), daemon=True)
        self.process.start()

    def run(self, kind: str, seed: int) -> tuple[str, str, float]:
        if self.process is None or not self.process.is_alive():
            self.start()
        began = time.perf_counter()
        self.connection.send((kind, seed))
        if not self.connection.poll(self.timeout):
            self.process.kill()
            self.process.join()
            self.process = None
            return "hang", f"no answer within {self.timeout} s", time.perf_counter() - began
        try:
            status, detail = self.connection.recv()
        except EOFError:  # the worker died (e.g. killed by the kernel)
            self.process = None
            return "internal", "the worker process died", time.perf_counter() - began
        return status, detail, time.perf_counter() - began

    def stop(self):
        if self.process is not None and self.process.is_alive():
            self.connection.send(None)
            self.process.join(5)


def save_finding(findings: str, kind: str, seed: int, status: str, detail: str) -> str:
    directory = os.path.join(findings, f"{kind}-{seed}")
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    build(kind, seed, directory)
    with open(os.path.join(directory, "finding.txt"), "w", encoding="utf-8") as handle:
        handle.write(f"{status}\n{detail}\n")
    return directory


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0, help="first seed; inputs use seed, seed+1, ...")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before an input counts as a hang")
    parser.add_argument("--memory-mb", type=int, default=3072)
    parser.add_argument("--findings", default=os.path.join(tempfile.gettempdir(), "rules-fuzz-findings"))
    parser.add_argument("--replay", nargs=2, metavar=("KIND", "SEED"))
    args = parser.parse_args(argv)
    runner = Runner(args.timeout, args.memory_mb)
    if args.replay:
        status, detail, seconds = runner.run(args.replay[0], int(args.replay[1]))
        print(f"{status} in {seconds:.2f} s\n{detail}")
        runner.stop()
        return 0 if status == "ok" else 1
    counts = {"inputs": 0, "internal": 0, "hang": 0, "memory": 0}
    outcomes: dict[str, int] = {}
    slowest = (0.0, "")
    deadline = time.monotonic() + args.minutes * 60
    last_report = time.monotonic()
    pick = random.Random(args.seed)
    seed = args.seed
    while time.monotonic() < deadline:
        kind = pick.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        status, detail, seconds = runner.run(kind, seed)
        counts["inputs"] += 1
        if seconds > slowest[0]:
            slowest = (seconds, f"{kind} {seed}")
        if status == "ok":
            outcomes[f"{kind}:{detail}"] = outcomes.get(f"{kind}:{detail}", 0) + 1
        else:
            counts[status] += 1
            where = save_finding(args.findings, kind, seed, status, detail)
            print(f"{status}: {kind} {seed} -> {where}\n  {detail.strip().splitlines()[-1]}", flush=True)
        seed += 1
        if time.monotonic() - last_report > 60:
            last_report = time.monotonic()
            print(f"... {counts['inputs']} inputs, {counts['internal']} internal errors, {counts['hang']} hangs", flush=True)
    runner.stop()
    print(f"outcomes: {json.dumps(outcomes, sort_keys=True)}; slowest input {slowest[0]:.2f} s ({slowest[1]})")
    print(f"inputs {counts['inputs']}, internal errors {counts['internal']}, hangs {counts['hang']}, "
          f"memory {counts['memory']} (seeds {args.seed}..{seed - 1}, {args.minutes:g} min, timeout {args.timeout:g} s)")
    return 0 if counts["internal"] == counts["hang"] == counts["memory"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
