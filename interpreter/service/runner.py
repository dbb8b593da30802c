"""Runner: blocking evaluations -> awaitable results with a time limit that stops the work.

The server's event loop hands each evaluation to one of a few worker threads and waits at
most `timeout` seconds. When the limit passes, the caller gets `TimedOut` at once and the
worker is interrupted: an `EvaluationInterrupted` exception is raised inside its thread
(CPython's thread-state async exception), so a runaway evaluation stops within a few
bytecodes instead of holding a core; the worker then takes the next job. Guarantees: an
interrupt is only ever raised inside the job it was meant for (it is sent and withdrawn
under the job's lock, so it can never land in the next job or in the queue's code); a job
whose caller has given up before it started is skipped. Evaluation is pure Python over
immutable rule sets and per-request state, so an interrupted one leaves nothing behind. A
long call into C (one huge Decimal power) is interrupted only when it returns.
"""
from __future__ import annotations

import asyncio
import ctypes
import queue
import threading


class EvaluationInterrupted(BaseException):
    """Raised inside a worker thread whose job ran past its time limit (BaseException, so
    that no `except Exception` in the code being interrupted can swallow it)."""


class TimedOut(Exception):
    pass


def _raise_in(thread_id: int, exception) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(exception) if exception else None)


class _Job:
    def __init__(self, work, loop: asyncio.AbstractEventLoop, future: asyncio.Future):
        self.work = work
        self.loop = loop
        self.future = future
        self.lock = threading.Lock()
        self.state = "queued"  # queued | running | done | abandoned
        self.thread_id: int | None = None
        self.interrupted = False


class Runner:
    def __init__(self, workers: int = 4):
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.busy = 0
        self.timeouts = 0
        self.count_lock = threading.Lock()
        self.threads = [threading.Thread(target=self._serve, name=f"rules-worker-{n}", daemon=True)
                        for n in range(workers)]
        for thread in self.threads:
            thread.start()

    def _serve(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                return
            try:
                self._run(job)
            except EvaluationInterrupted:
                # Delivered after the job's own handler but before it was withdrawn: the job
                # is over either way; its caller already has its answer.
                pass

    def _run(self, job: _Job) -> None:
        with job.lock:
            if job.state == "abandoned":
                return
            job.state = "running"
            job.thread_id = threading.get_ident()
        with self.count_lock:
            self.busy += 1
        outcome, failure = None, None
        try:
            try:
                outcome = job.work()
            except EvaluationInterrupted:
                failure = TimedOut()
            except Exception as exc:  # noqa: BLE001 - handed to the awaiting request, which answers 500
                failure = exc
            finally:
                with job.lock:
                    job.state = "done"
                    if job.interrupted:
                        _raise_in(job.thread_id, None)  # withdraw an interrupt not yet delivered
        finally:
            with self.count_lock:
                self.busy -= 1
        job.loop.call_soon_threadsafe(_settle, job.future, outcome, failure)

    async def run(self, work, timeout: float | None):
        """Run `work()` on a worker; TimedOut if it takes longer than `timeout` seconds."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        job = _Job(work, loop, future)
        self.jobs.put(job)
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except asyncio.TimeoutError:
            future.cancel()  # nobody waits for it any more
            with job.lock:
                if job.state == "running":
                    job.interrupted = True
                    _raise_in(job.thread_id, EvaluationInterrupted)
                elif job.state == "queued":
                    job.state = "abandoned"
            with self.count_lock:
                self.timeouts += 1
            raise TimedOut() from None

    def close(self) -> None:
        for _ in self.threads:
            self.jobs.put(None)


def _settle(future: asyncio.Future, outcome, failure) -> None:
    if future.done():
        return
    if failure is not None:
        future.set_exception(failure)
    else:
        future.set_result(outcome)
