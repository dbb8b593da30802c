"""Start `python -m cli.main serve` as a subprocess on a free loopback port and stop it again."""
import os
import queue
import re
import subprocess
import sys
import threading
import time

import yaml

from interpreter.service.canonical import canonical_text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


class ServerProcess:
    def __init__(self, *args: str, cwd: str = ROOT, startup: float = 30.0):
        self.process = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--port", "0", *args], cwd=cwd,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.monotonic() + startup
        self.url = None
        while self.url is None:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                raise RuntimeError("the server did not start:\n" + "".join(self.stderr))
            if line is None:
                raise RuntimeError("the server exited:\n" + "".join(self.stderr))
            match = LISTENING.search(line)
            if match:
                self.url = match.group(1)

    def _drain(self) -> None:
        for line in self.process.stderr:
            self.stderr.append(line)
            self.lines.put(line)
        self.lines.put(None)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; -> the exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def yaml_as_json_text(path: str) -> str:
    """A YAML fact file as the JSON document a client sends (dates as strings, numbers exact)."""
    with open(path, encoding="utf-8") as handle:
        return canonical_text(yaml.safe_load(handle) or {})
