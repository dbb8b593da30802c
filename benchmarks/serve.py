"""Load test for `rules serve`: concurrent loopback clients for a bounded time; prints figures.

    python benchmarks/serve.py                    # about 20 s
    python benchmarks/serve.py --seconds 60 --clients 16,32

Starts `python -m cli.main serve rules/ramsa rules/cmtsa --port 0 --log FILE` and drives it with
persistent HTTP/1.1 connections (a small asyncio client, so that the client costs little CPU
beside the server on the same machine). For each workload, first one client (latency without
queueing), then N concurrent clients, each sending its next request as soon as the last answer
arrives. Prints requests/s, p50/p90/p99/max latency, errors (any answer that is not 200, or a
broken connection) and the server's resident memory (VmRSS) at start, after warm-up and at the
end. Workloads:
- decide+explain: `POST /v1/rulesets/ramsa/decide` of `countries[IND].eligible_for_alliance` with
  `"explain": true` on the facts of rules/ramsa/examples/eligibility.yaml (6 countries);
- decide+explain (imports): `imports[L05].treatment` on imports_2026.yaml (27 lines, 3 countries);
- evaluate: `POST /v1/rulesets/cmtsa/evaluate` of rules/cmtsa/examples/reports_2027.yaml.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from interpreter.service.canonical import canonical_text  # noqa: E402

import yaml  # noqa: E402


def _facts(path: str) -> dict:
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        return json.loads(canonical_text(yaml.safe_load(handle)))


def workloads() -> list[tuple[str, str, bytes]]:
    eligibility = _facts("rules/ramsa/examples/eligibility.yaml")
    imports = _facts("rules/ramsa/examples/imports_2026.yaml")
    return [
        ("decide+explain (eligibility)", "/v1/rulesets/ramsa/decide",
         json.dumps({"facts": eligibility, "target": "countries[IND].eligible_for_alliance", "explain": True}).encode()),
        ("decide+explain (imports)", "/v1/rulesets/ramsa/decide",
         json.dumps({"facts": imports, "target": "imports[L05].treatment", "explain": True}).encode()),
        ("evaluate (CMTSA reports)", "/v1/rulesets/cmtsa/evaluate",
         canonical_text(_facts("rules/cmtsa/examples/reports_2027.yaml")).encode()),
    ]


def rss(pid: int) -> int:
    """Resident memory of a process in bytes (Linux /proc), 0 where it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def start_server(log_path: str, workers: int) -> tuple[subprocess.Popen, str, int]:
    process = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "rules/ramsa", "rules/cmtsa", "--port", "0",
                                "--log", log_path, "--workers", str(workers)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    line = process.stderr.readline()
    match = re.search(r"http://(127\.0\.0\.1):(\d+)", line)
    if not match:
        process.kill()
        raise SystemExit(f"the server did not start: {line}{process.stderr.read()}")
    return process, match.group(1), int(match.group(2))


class Connection:
    """One keep-alive HTTP/1.1 connection: POST a body, read the status and the whole answer."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def post(self, path: str, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        length = 0
        while True:
            header = await self.reader.readline()
            if header in (b"\r\n", b""):
                break
            name, _, value = header.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def drive(host: str, port: int, path: str, body: bytes, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client():
        nonlocal errors
        connection = Connection(host, port)
        try:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                try:
                    status = await connection.post(path, body)
                except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                    errors += 1
                    connection.close()
                    connection = Connection(host, port)
                    continue
                latencies.append(time.perf_counter() - began)
                if status != 200:
                    errors += 1
        finally:
            connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")

    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "p50": pct(0.50), "p90": pct(0.90),
            "p99": pct(0.99), "max": latencies[-1] * 1000 if latencies else float("nan"), "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="total time under load (split over the runs)")
    parser.add_argument("--clients", default="16", help="concurrent clients, comma-separated (after a 1-client run)")
    parser.add_argument("--workers", type=int, default=4, help="the server's --workers")
    options = parser.parse_args()
    concurrency = [int(c) for c in options.clients.split(",")]
    cases = workloads()
    runs = len(cases) * (1 + len(concurrency))
    per_run = max(1.0, options.seconds / runs)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.2f} at start; {per_run:.1f} s per run; server --workers {options.workers}")
    with tempfile.TemporaryDirectory() as scratch:
        log_path = os.path.join(scratch, "decisions.jsonl")
        server, host, port = start_server(log_path, options.workers)
        try:
            started = rss(server.pid)
            asyncio.run(drive(host, port, cases[0][1], cases[0][2], 4, 1.0))  # warm-up
            warmed = rss(server.pid)
            print(f"server RSS: {started / 2**20:.1f} MiB at start, {warmed / 2**20:.1f} MiB after warm-up")
            print(f"{'workload':<30} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
                  f"{'max ms':>8} {'errors':>6} {'RSS MiB':>8}")
            for name, path, body in cases:
                for clients in [1] + concurrency:
                    figures = asyncio.run(drive(host, port, path, body, clients, per_run))
                    print(f"{name:<30} {clients:>7} {figures['rps']:>8.0f} {figures['p50']:>8.2f} {figures['p90']:>8.2f} "
                          f"{figures['p99']:>8.2f} {figures['max']:>8.2f} {figures['errors']:>6} "
                          f"{rss(server.pid) / 2**20:>8.1f}")
            ended = rss(server.pid)
            time.sleep(0.5)  # let the decision log drain
            with open(log_path, "rb") as handle:
                logged = sum(1 for _ in handle)
            print(f"server RSS: {warmed / 2**20:.1f} MiB after warm-up -> {ended / 2**20:.1f} MiB at the end "
                  f"({(ended - warmed) / 2**20:+.1f} MiB); {logged} decision records logged; "
                  f"load average {os.getloadavg()[0]:.2f} at the end")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
