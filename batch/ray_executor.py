"""The same workers as Ray actors: one actor per worker holds the models and serves many calls.

Ray is kept offline (DESIGN §9): no usage statistics, no dashboard, no cloud-metadata probing
(a local bootstrap config in a ``HOME`` of our own while Ray starts), its session files in a
folder of our own. Each actor has at most one call at a time; when it answers, it gets the
next. A call whose actor dies, or that runs past the per-call timeout (its actor is then
killed), is tried once more on a fresh actor and then comes back failed, exactly as with local
worker processes. Ray itself is imported only when an executor is built.

On a cluster every node reads the audio by its path: the paths a task carries are made
absolute before they travel (the results give back the paths as the caller wrote them), so
the inputs and the output folder must be on a filesystem every node mounts at the same place,
and callqa must be installed on every node.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

from batch.executor import ATTEMPTS, Outcome, Started, lost
from batch.worker import CallWorker, Task, WorkerSetup, limit_threads
from qa.pipeline import Processed

log = logging.getLogger("callqa.executor")

STARTUP_S = 600.0  # an actor that has not loaded its libraries by then is stuck (or no node can host it)
OBJECT_STORE_BYTES = 256 * 2**20  # a local cluster moves only tasks and results: no need for 30 % of RAM
PASSED_ENV = ("CALLQA_CACHE", "HF_HUB_OFFLINE", "PYANNOTE_METRICS_ENABLED")  # the driver's, given to actors


def offline_ray_env(tmp: Path) -> dict[str, str]:
    """The variables that keep Ray from phoning out; writes the bootstrap file they point at.

    Without ``$HOME/ray_bootstrap_config.yaml`` naming a local provider, a Ray background
    process asks cloud metadata addresses which cloud it runs on.
    """
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "ray_bootstrap_config.yaml").write_text("provider: {type: local}\n", encoding="utf-8")
    return {
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_USAGE_STATS_REPORT_URL": "http://127.0.0.1:9/",
        "RAY_AUTH_MODE": "disabled",
        "RAY_TMPDIR": str(tmp),
        "HOME": str(tmp),
    }


@contextlib.contextmanager
def _environ(changes: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with ``changes`` while Ray starts its processes (they keep them), then as it was."""
    before = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _Actor:
    """The Ray actor body: models loaded once, then one call at a time."""

    def __init__(self, setup: WorkerSetup, env: dict[str, str]) -> None:
        os.environ.update(env)
        limit_threads(setup.threads)
        from pii.logfilter import install

        install()
        self.worker = CallWorker(setup)

    def pid(self) -> int:
        return os.getpid()

    def process(self, task: Task) -> Processed:
        try:
            return self.worker.process(task)
        except Exception as e:  # process() does not raise; if it ever does, the call fails, not the actor
            return lost(task, "internal", f"{type(e).__name__}: {str(e)[:200]}")


@dataclass
class _Slot:
    """One actor and the call it has, if any."""

    number: int
    actor: Any = None  # a Ray actor handle, None until started (and after it died or was killed)
    name: str = ""
    ready: bool = False  # the actor has built its worker and told its pid
    ref: Any = None  # the pid request while starting, the call's result while busy
    task: Task | None = None  # as the caller gave it
    attempt: int = 0
    since: float = 0.0  # when the clock started: at the actor's start, then when the call was handed over

    @property
    def label(self) -> str:
        return self.name or f"actor {self.number}"


class _Lost(NamedTuple):
    """A call lost with its actor: tried once more, or recorded as failed."""

    task: Task
    attempt: int
    code: str
    message: str
    worker: str


class RayExecutor:
    """Calls on ``workers`` Ray actors, one call at a time each.

    ``address``: None starts a cluster of this machine for this process (or uses Ray already
    started in it); ``"auto"`` or ``HOST:PORT`` joins a running cluster. ``close()`` stops Ray
    only if this executor started it, and removes Ray's folder if it also made that.
    """

    def __init__(
        self,
        setup: WorkerSetup,
        workers: int,
        *,
        address: str | None = None,
        timeout_s: float | None = None,
        gpus_per_worker: float = 0.0,
        tmp_dir: Path | None = None,
    ) -> None:
        import ray

        self.timeout_s = timeout_s
        self._slots = [_Slot(i) for i in range(max(1, workers))]
        self._own_tmp = tmp_dir is None
        self.tmp: Path | None = None  # Ray's folder, when this executor started Ray
        cpus = max(1, setup.threads)
        self._started_ray = not ray.is_initialized()
        if self._started_ray:
            self.tmp = tmp_dir or Path(tempfile.mkdtemp(prefix="callqa-ray-"))
            env = offline_ray_env(self.tmp)
            if address is not None:
                # joining: "auto" finds the cluster through Ray's own temp folder (RAY_TMPDIR,
                # /tmp/ray), and the cluster was started with its own settings
                env = {k: v for k, v in env.items() if k not in ("RAY_TMPDIR", "HOME")}
            with _environ(env):
                if address is None:  # a cluster of this machine alone, for this process
                    ray.init(
                        num_cpus=cpus * len(self._slots),
                        object_store_memory=OBJECT_STORE_BYTES,
                        include_dashboard=False,
                        log_to_driver=False,
                        _temp_dir=str(self.tmp),
                    )
                else:
                    ray.init(address=address, include_dashboard=False, log_to_driver=False)
        self._env = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
        if address is None and "HOME" in os.environ:
            self._env["HOME"] = os.environ["HOME"]  # the actors' model cache, not Ray's temporary HOME
        if self._started_ray and address is None:
            self._check_room(gpus_per_worker)
        options: dict[str, Any] = {"num_cpus": cpus, "max_restarts": 0}
        if gpus_per_worker > 0:
            options["num_gpus"] = gpus_per_worker
        self._remote = ray.remote(**options)(_Actor)
        self._setup = ray.put(replace(setup, out=setup.out.absolute()))

    def _check_room(self, gpus: float) -> None:
        """The cluster we started must fit an actor, or every call would wait STARTUP_S for nothing."""
        import ray

        found = ray.cluster_resources().get("GPU", 0.0)
        if found < gpus:
            self.close()
            raise RuntimeError(f"Ray found {found:g} GPUs on this machine; each worker needs {gpus:g}")

    def run(self, tasks: Iterable[Task], started: Started | None = None) -> Iterator[Outcome]:
        import ray

        queue: deque[tuple[Task, int]] = deque((t, 1) for t in tasks)
        try:
            while queue or any(s.task is not None for s in self._slots):
                for slot in self._slots:
                    if slot.task is None and queue:
                        self._give(slot, *queue.popleft(), started)
                busy = {s.ref: s for s in self._slots if s.task is not None}
                ready, _ = ray.wait(list(busy), num_returns=1, timeout=self._next_deadline(list(busy.values())))
                answers = [self._collect(busy[ref], started) for ref in ready]
                answers += [self._overdue(s) for s in busy.values() if s.task is not None]
                for answer in answers:
                    if isinstance(answer, Outcome):
                        yield answer
                    elif answer is not None:  # the call was lost with its actor: once more, or give up
                        task, attempt = answer.task, answer.attempt
                        if attempt < ATTEMPTS:
                            log.warning("call %s: %s; trying it once more", task.source.call_id, answer.message)
                            queue.appendleft((task, attempt + 1))
                        else:
                            yield Outcome(task, lost(task, answer.code, answer.message), answer.worker, attempt)
        finally:  # left early (the caller stopped reading): no actor goes on with a call nobody awaits
            for slot in self._slots:
                if slot.task is not None:
                    self._drop(slot)
                    slot.task = None

    def close(self) -> None:
        import ray

        for slot in self._slots:
            self._drop(slot)
        if self._started_ray and ray.is_initialized():
            ray.shutdown()
            if self._own_tmp and self.tmp is not None:
                shutil.rmtree(self.tmp, ignore_errors=True)
        self._started_ray = False

    def _give(self, slot: _Slot, task: Task, attempt: int, started: Started | None) -> None:
        slot.task, slot.attempt = task, attempt
        if slot.actor is None:
            slot.actor = self._remote.remote(self._setup, self._env)
            slot.ref, slot.name, slot.ready, slot.since = slot.actor.pid.remote(), "", False, time.monotonic()
        else:
            self._hand(slot, started)

    def _hand(self, slot: _Slot, started: Started | None) -> None:
        """The actor is ready: the call goes to it, and its clock starts."""
        assert slot.task is not None
        if started:
            started(slot.task, slot.name)
        slot.ref, slot.since = slot.actor.process.remote(_travelling(slot.task)), time.monotonic()

    def _collect(self, slot: _Slot, started: Started | None) -> Outcome | _Lost | None:
        import ray
        from ray.exceptions import RayError

        task, attempt = slot.task, slot.attempt
        assert task is not None
        try:
            answer = ray.get(slot.ref)
        except RayError as e:  # the actor's process died (killed, crashed, out of memory) or its node did
            name, when = slot.label, "while processing it" if slot.ready else "while starting"
            self._drop(slot)
            slot.task = None
            return _Lost(task, attempt, "worker.died", f"its worker ({name}) died {when} ({type(e).__name__})", name)
        if not slot.ready:  # the actor has its worker built: hand it the call
            slot.name, slot.ready = f"pid {answer}", True
            self._hand(slot, started)
            return None
        slot.task = None
        return Outcome(task, _as_given(answer, task), slot.name, attempt)

    def _overdue(self, slot: _Slot) -> _Lost | None:
        """The slot's call, lost, when it ran past the timeout (or its actor past STARTUP_S): the actor is killed."""
        limit = self._limit(slot)
        if limit is None or time.monotonic() - slot.since < limit:
            return None
        task, attempt = slot.task, slot.attempt
        assert task is not None
        name, ready = slot.label, slot.ready
        self._drop(slot)
        slot.task = None
        if not ready:
            return _Lost(task, attempt, "worker.died", f"its worker ({name}) did not start within {limit:g} s", name)
        return _Lost(task, attempt, "call.timeout", f"no result after {limit:g} s ({name} was stopped)", name)

    def _limit(self, slot: _Slot) -> float | None:
        """The per-call timeout counts from when the actor has its worker built."""
        if slot.ready:
            return self.timeout_s
        return max(STARTUP_S, self.timeout_s or 0.0)

    def _next_deadline(self, busy: list[_Slot]) -> float | None:
        limits = [(s, limit) for s in busy if (limit := self._limit(s)) is not None]
        if not limits:
            return None
        now = time.monotonic()
        return max(0.0, min(s.since + limit - now for s, limit in limits))

    def _drop(self, slot: _Slot) -> None:
        """Kill the slot's actor (dead or alive); the next call there starts a fresh one."""
        import ray

        if slot.actor is not None:
            with contextlib.suppress(Exception):
                ray.kill(slot.actor, no_restart=True)
        slot.actor, slot.ref, slot.name, slot.ready = None, None, "", False


def _travelling(task: Task) -> Task:
    """The task with absolute paths: another node (or an actor in another folder) reads them."""
    source = replace(task.source, path=task.source.path.absolute())
    prior = task.prior.absolute() if task.prior is not None else None
    return replace(task, source=source, prior=prior)


def _as_given(processed: Processed, task: Task) -> Processed:
    """The result names its input as the caller did, exactly as in this process."""
    given = str(task.source.path)

    def back(result: Any) -> Any:
        if result is None or result.source.path == given:
            return result
        return result.with_(source=replace(result.source, path=given))

    return Processed(back(processed.result), processed.turns, back(processed.unredacted))
