"""Decision log: record lines from request handlers -> appended to a JSONL file by one writer thread.

Guarantees: `submit` never blocks and never raises, so a slow or full disk can never hold
up or fail a response; lines are queued (bounded) and written in order by a background
thread; when the queue is full lines are dropped and counted; a write that fails (disk
full, file removed, permissions) is counted and its error kept, and `status()` reports
all of it for /healthz. The writer flushes after every batch it drains, so a line is on
disk within moments of its response.
"""
from __future__ import annotations

import queue
import threading

MAX_QUEUED = 10_000


class DecisionLog:
    def __init__(self, path: str, max_queued: int = MAX_QUEUED):
        self.path = path
        self.lines: queue.Queue = queue.Queue(maxsize=max_queued)
        self.written = 0
        self.dropped = 0
        self.failed = 0
        self.last_error: str | None = None
        self.handle = None
        self.thread = threading.Thread(target=self._write_forever, name="rules-decision-log", daemon=True)
        self.thread.start()

    def submit(self, lines) -> None:
        for line in lines:
            try:
                self.lines.put_nowait(line)
            except queue.Full:
                self.dropped += 1

    def _write_forever(self) -> None:
        while True:
            batch = [self.lines.get()]
            while True:
                try:
                    batch.append(self.lines.get_nowait())
                except queue.Empty:
                    break
            if None in batch:
                batch = batch[:batch.index(None)]
                self._write(batch)
                return
            self._write(batch)

    def _write(self, batch) -> None:
        if not batch:
            return
        try:
            if self.handle is None:
                self.handle = open(self.path, "a", encoding="utf-8")
            self.handle.write("".join(line + "\n" for line in batch))
            self.handle.flush()
            self.written += len(batch)
            self.last_error = None
        except (OSError, ValueError) as exc:
            self.failed += len(batch)
            self.last_error = f"{type(exc).__name__}: {getattr(exc, 'strerror', None) or exc}"
            self._close()

    def _close(self) -> None:
        if self.handle is not None:
            try:
                self.handle.close()
            except OSError:
                pass  # the failure is already counted; a fresh handle is opened for the next batch
            self.handle = None

    @property
    def healthy(self) -> bool:
        return self.last_error is None and self.dropped == 0

    def status(self) -> dict:
        return {"path": self.path, "written": self.written, "dropped": self.dropped, "failed": self.failed,
                "last_error": self.last_error, "queued": self.lines.qsize()}

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, then stop (at server shutdown)."""
        try:
            self.lines.put(None, timeout=timeout)
        except queue.Full:
            return
        self.thread.join(timeout)
        self._close()
