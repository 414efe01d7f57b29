"""How calls reach workers: in this process, in local worker processes, or on Ray actors.

Every executor takes the same :class:`~batch.worker.Task` stream and yields one
:class:`Outcome` per task, in the order calls finish. A call whose worker dies or that runs
past the per-call timeout is tried once more on a fresh worker, then comes back failed with
``worker.died`` or ``call.timeout``: it never stops the run and never comes back twice.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from batch.worker import CallWorker, Task, WorkerSetup
from qa.pipeline import Processed, failed_result

ATTEMPTS = 2  # a call that killed or hung its worker is tried once more, then recorded as failed

Started = Callable[[Task, str], None]
"""Called with (task, worker) when a worker takes a task; worker is e.g. ``pid 4242``."""


@dataclass(frozen=True)
class Outcome:
    task: Task
    processed: Processed
    worker: str  # which worker gave the last answer
    attempts: int = 1


class Executor(Protocol):
    def run(self, tasks: Iterable[Task], started: Started | None = None) -> Iterator[Outcome]: ...

    def close(self) -> None: ...


def lost(task: Task, code: str, message: str) -> Processed:
    """The result of a call no worker could finish."""
    return Processed(failed_result(task.source, code, message))


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Workers × threads ≤ cores, at least one thread each."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores // max(1, workers))


class InlineExecutor:
    """One worker in this process: for the Python API and tests; no isolation, no timeout."""

    def __init__(self, setup: WorkerSetup, worker: CallWorker | None = None) -> None:
        self.worker = worker or CallWorker(setup)

    def run(self, tasks: Iterable[Task], started: Started | None = None) -> Iterator[Outcome]:
        me = f"pid {os.getpid()}"
        for task in tasks:
            if started:
                started(task, me)
            yield Outcome(task, self.worker.process(task), me)

    def close(self) -> None:
        pass
