"""Worker processes on this machine, each holding its own models, one call at a time each.

Processes are started with ``spawn`` (a fork after model thread pools exist can deadlock) and
die with the run: a worker asks the kernel to kill it when its parent goes, so ``kill -9`` of
the run leaves no orphan transcribing on. The run talks to each worker over its own pipe and
watches its process sentinel, so a segfault or an OOM kill is seen at once and costs only the
call that worker had.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from batch.executor import ATTEMPTS, Outcome, Started, lost
from batch.worker import CallWorker, Task, WorkerSetup, limit_threads
from qa.pipeline import Processed

log = logging.getLogger("callqa.executor")

STARTUP_S = 600.0  # a worker that has not loaded its libraries by then is stuck, not slow


@dataclass
class _Slot:
    """One worker process and the call it has, if any."""

    number: int
    process: Any = None  # multiprocessing.Process
    conn: Connection | None = None
    task: Task | None = None
    attempt: int = 0
    since: float = 0.0  # when the call's clock started: at hand-over, or when a new worker said ready
    ready: bool = False

    @property
    def name(self) -> str:
        return f"pid {self.process.pid}" if self.process is not None else f"worker {self.number}"


class LocalExecutor:
    def __init__(
        self, setup: WorkerSetup, workers: int, *, timeout_s: float | None = None, gpus: list[str] | None = None
    ) -> None:
        import multiprocessing

        self.setup = setup
        self.timeout_s = timeout_s
        self.gpus = gpus or []
        self._ctx = multiprocessing.get_context("spawn")
        self._slots = [_Slot(i) for i in range(max(1, workers))]
        self._blob = pickle.dumps(setup)

    def run(self, tasks: Iterable[Task], started: Started | None = None) -> Iterator[Outcome]:
        queue: deque[tuple[Task, int]] = deque((t, 1) for t in tasks)
        while queue or any(s.task is not None for s in self._slots):
            for slot in self._slots:
                if slot.task is None and queue:
                    task, attempt = queue.popleft()
                    self._give(slot, task, attempt, started)
            busy = [s for s in self._slots if s.task is not None]
            ready = wait(self._waitables(busy), timeout=self._next_deadline(busy))
            for slot in busy:
                outcome = self._collect(slot, ready)
                if outcome is None:
                    continue
                if isinstance(outcome, Outcome):
                    yield outcome
                else:  # the call was lost with its worker: once more, or give up
                    task, attempt, code, message = outcome
                    if attempt < ATTEMPTS:
                        log.warning("call %s: %s; trying it once more", task.source.call_id, message)
                        queue.appendleft((task, attempt + 1))
                    else:
                        yield Outcome(task, lost(task, code, message), slot.name, attempt)

    def close(self) -> None:
        for slot in self._slots:
            self._stop(slot, kill=False)

    def _give(self, slot: _Slot, task: Task, attempt: int, started: Started | None) -> None:
        if slot.process is None or not slot.process.is_alive():
            self._start(slot)
            slot.ready = False
        assert slot.conn is not None
        slot.task, slot.attempt, slot.since = task, attempt, time.monotonic()
        if started:
            started(task, slot.name)
        with contextlib.suppress(OSError):  # a worker already gone: its sentinel says so on the next wait
            slot.conn.send(task)

    def _start(self, slot: _Slot) -> None:
        parent, child = self._ctx.Pipe()
        gpu = self.gpus[slot.number % len(self.gpus)] if self.gpus else None
        process = self._ctx.Process(
            target=_serve, args=(child, self._blob, self.setup.threads, gpu), name=f"callqa-worker-{slot.number}"
        )
        process.daemon = True
        process.start()
        child.close()
        slot.process, slot.conn = process, parent

    def _stop(self, slot: _Slot, *, kill: bool) -> None:
        if slot.process is None:
            return
        if slot.conn is not None:
            try:
                if not kill:
                    slot.conn.send(None)
            except OSError:
                pass
            slot.conn.close()
        if kill and slot.process.is_alive():
            slot.process.kill()
        slot.process.join(timeout=10)
        if slot.process.is_alive():
            slot.process.kill()
            slot.process.join()
        slot.process, slot.conn = None, None

    def _waitables(self, busy: list[_Slot]) -> list[Any]:
        out: list[Any] = []
        for s in busy:
            out += [s.conn, s.process.sentinel]
        return out

    def _next_deadline(self, busy: list[_Slot]) -> float | None:
        if not busy:
            return None
        now = time.monotonic()
        return max(0.0, min(s.since + self._limit(s) - now for s in busy))

    def _limit(self, slot: _Slot) -> float:
        """The per-call timeout counts from when the worker has its libraries loaded."""
        return (self.timeout_s or STARTUP_S) if slot.ready else max(STARTUP_S, self.timeout_s or 0.0)

    def _collect(self, slot: _Slot, ready: list[Any]) -> Outcome | tuple[Task, int, str, str] | None:
        """The slot's outcome if it has one now; a (task, attempt, code, message) when the call was lost."""
        task, attempt = slot.task, slot.attempt
        assert task is not None
        if slot.conn in ready:
            try:
                message: Processed | tuple[str, int] | None = slot.conn.recv()  # type: ignore[union-attr]
            except (EOFError, OSError):
                message = None
            if isinstance(message, tuple):  # ("ready", pid): the clock for this call starts now
                slot.ready, slot.since = True, time.monotonic()
                return None
            if message is not None:
                slot.task = None
                return Outcome(task, message, slot.name, attempt)
        if slot.conn in ready or slot.process.sentinel in ready:
            slot.process.join(timeout=2)
            code = slot.process.exitcode
            how = _death(code)
            name = slot.name
            self._stop(slot, kill=True)
            slot.task = None
            return task, attempt, "worker.died", f"its worker ({name}) died ({how}) while processing it"
        limit = self._limit(slot)
        if (slot.ready and self.timeout_s is None) or time.monotonic() - slot.since < limit:
            return None
        name, started = slot.name, slot.ready
        self._stop(slot, kill=True)
        slot.task = None
        if not started:
            return task, attempt, "worker.died", f"its worker ({name}) did not start within {limit:g} s"
        return task, attempt, "call.timeout", f"no result after {limit:g} s ({name} was stopped)"


def _death(code: int | None) -> str:
    if code is None:
        return "closed its pipe"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"


def _serve(conn: Connection, blob: bytes, threads: int, gpu: str | None) -> None:
    """A worker process: build the models once, then one call per message until told to stop."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle, not each worker's
    limit_threads(threads)
    if gpu is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = gpu
    setup: WorkerSetup = pickle.loads(blob)
    from pii.logfilter import install

    install()
    worker = CallWorker(setup)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            processed = worker.process(task)
        except Exception as e:  # process() does not raise; if it ever does, the call fails, not the worker
            processed = lost(task, "internal", f"{type(e).__name__}: {str(e)[:200]}")
        conn.send(processed)


def _die_with_parent() -> None:
    """Linux: SIGKILL this process when the run that started it dies, however it dies."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the parent died before the line above ran
        os._exit(1)
