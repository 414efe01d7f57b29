"""The same workers as Ray actors: one actor per worker holds the models and serves many calls.

Ray is kept offline: no usage statistics, no dashboard, no cloud-metadata probing (a local
bootstrap config), its temporary files in a folder of our own (DESIGN §9). A call whose actor
dies or runs past the timeout is tried once more on a fresh actor, exactly as with local
worker processes.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from batch.executor import ATTEMPTS, Outcome, Started, lost
from batch.worker import CallWorker, Task, WorkerSetup, limit_threads

log = logging.getLogger("callqa.executor")


def offline_ray_env(tmp: Path) -> dict[str, str]:
    """The variables that keep Ray from phoning out; writes the bootstrap file they point at."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "ray_bootstrap_config.yaml").write_text("provider: {type: local}\n", encoding="utf-8")
    return {
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_USAGE_STATS_REPORT_URL": "http://127.0.0.1:9/",
        "RAY_AUTH_MODE": "disabled",
        "RAY_TMPDIR": str(tmp),
        "HOME": str(tmp),  # where Ray looks for the bootstrap config
        "RAY_DEDUP_LOGS": "0",
    }


def _actor_env(env: dict[str, str]) -> dict[str, str]:
    """What actors inherit: Ray's offline settings and callqa's own, but their own HOME (the model
    cache lives under it, and a remote node has no copy of our temporary folder)."""
    out = {k: v for k, v in env.items() if k != "HOME"}
    for name in ("CALLQA_CACHE", "HF_HUB_OFFLINE", "PYANNOTE_METRICS_ENABLED"):
        if name in os.environ:
            out[name] = os.environ[name]
    return out


class _Actor:
    """The Ray actor body: models loaded once, one call at a time."""

    def __init__(self, setup: WorkerSetup) -> None:
        limit_threads(setup.threads)
        from pii.logfilter import install

        install()
        self.worker = CallWorker(setup)

    def pid(self) -> int:
        return os.getpid()

    def process(self, task: Task) -> Any:
        return self.worker.process(task)


@dataclass
class _Running:
    task: Task
    attempt: int
    actor: Any
    name: str
    since: float


class RayExecutor:
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

        self.setup, self.workers, self.timeout_s = setup, max(1, workers), timeout_s
        tmp = tmp_dir or Path(tempfile.mkdtemp(prefix="callqa-ray-"))
        env = offline_ray_env(tmp)
        os.environ.update({k: v for k, v in env.items() if k != "HOME"})
        self._started_ray = not ray.is_initialized()
        if self._started_ray:
            home = os.environ.get("HOME")
            os.environ["HOME"] = env["HOME"]  # only while Ray starts: it reads the bootstrap file from here
            try:
                kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
                if address is None:
                    cpus = self.workers * max(1, setup.threads)
                    kwargs.update(num_cpus=cpus, _temp_dir=str(tmp))
                    if gpus_per_worker:
                        kwargs["num_gpus"] = int(self.workers * gpus_per_worker)
                ray.init(address=address, runtime_env={"env_vars": _actor_env(env)}, **kwargs)
            finally:
                if home is not None:
                    os.environ["HOME"] = home
        self._remote = ray.remote(num_cpus=max(1, setup.threads), num_gpus=gpus_per_worker or 0)(_Actor)
        self._blob = ray.put(setup)
        self._idle: list[tuple[Any, str]] = []

    def _new_actor(self) -> tuple[Any, str]:
        import ray

        actor: Any = self._remote.remote(self._blob)
        return actor, f"pid {ray.get(actor.pid.remote())}"

    def run(self, tasks: Iterable[Task], started: Started | None = None) -> Iterator[Outcome]:
        import ray
        from ray.exceptions import GetTimeoutError, RayActorError

        # every node reads the audio by its path: make it absolute before it travels
        queue: deque[tuple[Task, int]] = deque(
            (replace(t, source=replace(t.source, path=t.source.path.absolute())), 1) for t in tasks
        )
        running: dict[Any, _Running] = {}
        while queue or running:
            while queue and len(running) < self.workers:
                task, attempt = queue.popleft()
                actor, name = self._idle.pop() if self._idle else self._new_actor()
                if started:
                    started(task, name)
                running[actor.process.remote(task)] = _Running(task, attempt, actor, name, time.monotonic())
            ready, _ = ray.wait(list(running), num_returns=1, timeout=self._wait_s(running))
            for ref in ready:
                job = running.pop(ref)
                try:
                    processed = ray.get(ref)
                except (RayActorError, GetTimeoutError) as e:
                    message = f"its actor ({job.name}) died ({type(e).__name__})"
                    yield from self._retry(job, queue, "worker.died", message)
                    continue
                except Exception as e:  # the call raised inside the actor: the actor is fine
                    self._idle.append((job.actor, job.name))
                    yield Outcome(job.task, lost(job.task, "internal", f"{type(e).__name__}"), job.name, job.attempt)
                    continue
                self._idle.append((job.actor, job.name))
                yield Outcome(job.task, processed, job.name, job.attempt)
            if self.timeout_s is not None:
                now = time.monotonic()
                for ref, job in list(running.items()):
                    if now - job.since >= self.timeout_s:
                        del running[ref]
                        ray.kill(job.actor, no_restart=True)
                        message = f"no result after {self.timeout_s:g} s ({job.name} was stopped)"
                        yield from self._retry(job, queue, "call.timeout", message)

    def _retry(self, job: _Running, queue: deque[tuple[Task, int]], code: str, message: str) -> Iterator[Outcome]:
        if job.attempt < ATTEMPTS:
            log.warning("call %s: %s; trying it once more", job.task.source.call_id, message)
            queue.appendleft((job.task, job.attempt + 1))
        else:
            yield Outcome(job.task, lost(job.task, code, message), job.name, job.attempt)

    def _wait_s(self, running: dict[Any, _Running]) -> float | None:
        if self.timeout_s is None:
            return None
        now = time.monotonic()
        return max(0.0, min(j.since + self.timeout_s - now for j in running.values()))

    def close(self) -> None:
        import ray

        for actor, _ in self._idle:
            ray.kill(actor, no_restart=True)
        self._idle = []
        if self._started_ray:
            ray.shutdown()
