"""A small synchronous LSP client over stdio (JSON-RPC with Content-Length framing), for the
language-server tests and the latency benchmark: it starts `python -m cli.main lsp`, sends
requests and notifications, answers the server's own requests with null, and keeps every
notification it receives."""
import json
import os
import queue
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class LspClient:
    def __init__(self, cwd: str = ROOT):
        self.process = subprocess.Popen([sys.executable, "-m", "cli.main", "lsp"], cwd=cwd, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.messages: queue.Queue = queue.Queue()
        self.notifications: list[dict] = []
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.decode("ascii").strip()
                if not line:
                    break
                name, _, value = line.partition(":")
                headers[name.lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self.messages.put(json.loads(body))

    def _send(self, message: dict) -> None:
        body = json.dumps(message).encode("utf-8")
        self.process.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body)
        self.process.stdin.flush()

    def _take(self, timeout: float) -> dict:
        message = self.messages.get(timeout=timeout)
        if "method" in message and "id" in message:  # the server asks something: answer null
            self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
        elif "method" in message:
            self.notifications.append(message)
        return message

    def request(self, method: str, params, timeout: float = 30):
        self._next_id += 1
        ident = self._next_id
        self._send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            message = self._take(max(0.01, deadline - time.monotonic()))
            if message.get("id") == ident and "method" not in message:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message.get("result")

    def notify(self, method: str, params) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_for(self, method: str, predicate=lambda params: True, timeout: float = 30, after: int = 0) -> dict:
        """The first notification `method` (from index `after` on) whose params satisfy `predicate`."""
        deadline = time.monotonic() + timeout
        seen = after
        while True:
            for message in self.notifications[seen:]:
                if message["method"] == method and predicate(message["params"]):
                    return message["params"]
            seen = len(self.notifications)
            self._take(max(0.01, deadline - time.monotonic()))

    def initialize(self) -> dict:
        result = self.request("initialize", {"processId": os.getpid(), "rootUri": "file://" + ROOT, "capabilities": {}})
        self.notify("initialized", {})
        return result

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()
