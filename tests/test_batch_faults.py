"""Faults a night meets, for real: ``kill -9`` of the whole run at several points, a worker killed
mid-call, a hung call, two runs started on one output. After each, the same command again gives
exactly one result per call, in the JSON and in the store."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batch.executor import Outcome
from batch.local_executor import LocalExecutor
from batch.worker import Task, WorkerSetup
from qa.pipeline import PipelineOptions
from tests.batchcalls import write_calls
from tests.conftest import DEMO, ROOT

CLI = [sys.executable, "-c", "from qa.cli import main; main()"]


def callqa(*args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [*CLI, *args], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True, **kw
    )


def kill_after(proc: subprocess.Popen, lines_done: int, at_most_s: float = 120) -> list[str]:
    """SIGKILL the run's whole process group once it has reported ``lines_done`` finished calls."""
    seen: list[str] = []
    deadline = time.monotonic() + at_most_s
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if sum(s.startswith("[") for s in seen) >= lines_done:
            break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return seen


def count(out: Path, sql: str) -> int:
    with sqlite3.connect(out / "callqa.db") as db:
        return db.execute(sql).fetchone()[0]


def test_kill_9_at_several_points_then_rerun_gives_exactly_one_result_per_call(tmp_path):
    write_calls(tmp_path / "in", 24)
    out = tmp_path / "out"
    args = ("run", str(tmp_path / "in"), "--out", str(out), "--rules", "bank-en", "--workers", "2")
    for done in (0, 3, 9):  # before any call finished, early, and well into the batch
        proc = callqa(*args)
        if done == 0:
            time.sleep(2.0)  # started, lock taken, workers loading
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        else:
            kill_after(proc, done)
        assert proc.returncode == -signal.SIGKILL
    final = subprocess.run([*CLI, *args], cwd=ROOT, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr[-2000:]
    calls = sorted((out / "calls").glob("*.json"))
    assert [p.stem for p in calls] == [f"call-{n:04d}" for n in range(24)]
    assert all(json.loads(p.read_text())["status"] == "ok" for p in calls)
    assert count(out, "select count(*) from calls") == 24 == count(out, "select count(distinct call_id) from calls")
    per_call = count(out, "select count(*) from (select call_id, count(*) n from utterances group by call_id)")
    assert per_call == 24
    assert not list(out.rglob(".*.tmp"))
    summary = json.loads((out / "run.json").read_text())
    assert summary["ok"] + summary["skipped"] == 24 and summary["skipped"] > 0


def test_two_runs_at_once_the_second_is_refused_naming_the_first(tmp_path):
    write_calls(tmp_path / "in", 40)
    out = tmp_path / "out"
    first = callqa("run", str(tmp_path / "in"), "--out", str(out), "--workers", "1")
    try:
        lock = out / ".callqa.lock"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (lock.exists() and lock.read_text().strip()):
            time.sleep(0.1)
        second = subprocess.run(
            [*CLI, "run", str(tmp_path / "in"), "--out", str(out)], cwd=ROOT, capture_output=True, text=True
        )
        assert second.returncode == 1
        assert "another callqa run" in second.stderr and f"pid {first.pid}" in second.stderr, second.stderr
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    # the killed holder's lock is free again: the same command takes it over
    again = subprocess.run(
        [*CLI, "run", str(tmp_path / "in"), "--out", str(out)], cwd=ROOT, capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert count(out, "select count(*) from calls") == 40


def _tasks(folder: Path, n: int) -> list[Task]:
    from batch import discover

    return [Task(i, s) for i, s in enumerate(discover(sorted(write_calls(folder, n))))]


def test_a_killed_worker_costs_only_its_call_which_is_retried(tmp_path):
    tasks = _tasks(tmp_path / "in", 5)
    executor = LocalExecutor(WorkerSetup(PipelineOptions(), tmp_path), 2)
    killed: list[str] = []

    def started(task: Task, worker: str) -> None:
        # call-0002's worker is killed as it takes the call; the retry is left alone
        if task.source.call_id == "call-0002" and not killed:
            killed.append(worker)
            os.kill(int(worker.split()[1]), signal.SIGKILL)

    try:
        outcomes: list[Outcome] = list(executor.run(tasks, started))
    finally:
        executor.close()
    assert sorted(o.task.source.call_id for o in outcomes) == [f"call-{n:04d}" for n in range(5)]
    assert all(o.processed.result.status == "ok" for o in outcomes)
    retried = {o.task.source.call_id: o.attempts for o in outcomes}
    assert retried == {"call-0000": 1, "call-0001": 1, "call-0002": 2, "call-0003": 1, "call-0004": 1}
    assert killed and next(o.worker for o in outcomes if o.attempts == 2) != killed[0]


def test_a_call_that_kills_every_worker_is_failed_after_one_retry(tmp_path):
    tasks = _tasks(tmp_path / "in", 3)
    executor = LocalExecutor(WorkerSetup(PipelineOptions(), tmp_path), 1)

    def started(task: Task, worker: str) -> None:
        if task.source.call_id == "call-0001":
            os.kill(int(worker.split()[1]), signal.SIGKILL)

    try:
        outcomes = {o.task.source.call_id: o for o in executor.run(tasks, started)}
    finally:
        executor.close()
    lost = outcomes["call-0001"]
    assert lost.attempts == 2 and lost.processed.result.error is not None
    assert lost.processed.result.error.code == "worker.died" and "SIGKILL" in lost.processed.result.error.message
    assert outcomes["call-0002"].processed.result.status == "ok"


@pytest.mark.slow
def test_a_hung_call_hits_the_timeout_and_the_run_goes_on(tmp_path):
    from asr import AsrOptions

    (tmp_path / "in").mkdir()
    audio = tmp_path / "in" / "long.wav"
    audio.write_bytes((DEMO / "stereo_card_declined.wav").read_bytes())
    write_calls(tmp_path / "in", 1)
    from batch import discover

    tasks = [Task(i, s) for i, s in enumerate(discover([audio, tmp_path / "in" / "call-0000.json"]))]
    from pii.detect import PiiOptions
    from qa.analyse import AnalysisOptions

    # no name detection: loading spaCy alone would take longer than this test's tight timeout
    analysis = AnalysisOptions(pii=PiiOptions(ner=False))
    setup = WorkerSetup(PipelineOptions(asr=AsrOptions(model="tiny.en"), analysis=analysis), tmp_path)
    executor = LocalExecutor(setup, 1, timeout_s=1.5)
    t0 = time.monotonic()
    try:
        outcomes = {o.task.source.call_id: o for o in executor.run(tasks)}
    finally:
        executor.close()
    hung = outcomes["long"].processed.result
    assert hung.status == "failed" and hung.error is not None and hung.error.code == "call.timeout"
    assert outcomes["long"].attempts == 2 and "1.5 s" in hung.error.message
    assert outcomes["call-0000"].processed.result.status == "ok"
    assert time.monotonic() - t0 < 90
