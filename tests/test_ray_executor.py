"""Ray for clusters, run for real on one local Ray cluster on this machine, shared by the tests:
the same results, keys and store as in-process and local workers; a killed actor's call is
retried; a hung call times out on a fresh actor; Ray talks to nothing but this machine."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from batch import discover
from batch.executor import InlineExecutor
from batch.ray_executor import RayExecutor, offline_ray_env
from batch.worker import Task, WorkerSetup
from qa.analyse import AnalysisOptions
from qa.cli import main
from qa.pipeline import PipelineOptions
from rules import load_pack
from tests.batchcalls import write_calls
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def _own_addresses() -> set[str]:
    import psutil

    return {a.address.split("%")[0] for addrs in psutil.net_if_addrs().values() for a in addrs}


def _foreign_peers() -> list[str]:
    """Connections of this process's children (Ray's processes and workers) to another machine."""
    import psutil

    own, found = _own_addresses(), []
    for child in psutil.Process().children(recursive=True):
        try:
            connections = child.net_connections(kind="inet")
        except psutil.Error:
            continue
        peers = {c.raddr.ip.removeprefix("::ffff:") for c in connections if c.raddr}  # IPv4 mapped into IPv6
        found += [f"{child.name()} -> {ip}" for ip in peers - own]
    return found


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RayExecutor]:
    """Ray started once through the executor (2 CPUs); the tests' executors reuse it."""
    import ray

    assert not ray.is_initialized()
    setup = WorkerSetup(PipelineOptions(), tmp_path_factory.mktemp("out"), threads=1)
    owner = RayExecutor(setup, 2, tmp_dir=tmp_path_factory.mktemp("ray"))
    try:
        yield owner
        assert _foreign_peers() == []  # after every test has run its calls
    finally:
        owner.close()
    assert not ray.is_initialized()


def comparable(result) -> dict:
    d = result.to_dict()
    d.pop("timings")
    return d


def test_offline_environment_is_written(tmp_path):
    env = offline_ray_env(tmp_path / "ray")
    assert (tmp_path / "ray" / "ray_bootstrap_config.yaml").read_text() == "provider: {type: local}\n"
    assert env["RAY_USAGE_STATS_ENABLED"] == "0" and env["RAY_AUTH_MODE"] == "disabled"
    assert env["RAY_USAGE_STATS_REPORT_URL"].startswith("http://127.0.0.1:")
    assert env["HOME"] == env["RAY_TMPDIR"] == str(tmp_path / "ray")


def test_importing_the_module_does_not_import_ray():
    code = "import sys, batch.ray_executor; assert 'ray' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_ray_started_offline_and_the_callers_environment_is_kept(cluster):
    import ray

    assert cluster.tmp is not None and os.environ.get("HOME") != str(cluster.tmp)  # Ray's only while it started
    assert os.environ.get("RAY_TMPDIR") != str(cluster.tmp)
    sessions = [p.name for p in cluster.tmp.iterdir()]
    assert any(name.startswith("session_") for name in sessions)  # Ray writes under our folder
    assert ray.cluster_resources()["CPU"] == 2
    nodes = ray.nodes()
    assert len(nodes) == 1 and nodes[0]["NodeManagerAddress"] in _own_addresses()


def test_same_results_as_in_process_and_a_killed_actor_is_retried(tmp_path, monkeypatch, cluster):
    write_calls(tmp_path / "in", 5)
    monkeypatch.chdir(tmp_path)  # relative paths in the tasks: the actors get them absolute, the results as given
    tasks = [Task(i, s) for i, s in enumerate(discover([Path("in")]))]
    setup = WorkerSetup(PipelineOptions(analysis=AnalysisOptions(rules=load_pack("bank-en"))), tmp_path, threads=1)
    expected = {o.task.source.call_id: comparable(o.processed.result) for o in InlineExecutor(setup).run(tasks)}

    killed: list[str] = []
    seen: list[tuple[str, str]] = []

    def started(task: Task, worker: str) -> None:
        seen.append((task.source.call_id, worker))
        if task.source.call_id == "call-0003" and not killed:
            killed.append(worker)
            os.kill(int(worker.split()[1]), signal.SIGKILL)

    executor = RayExecutor(setup, 2)
    try:
        outcomes = list(executor.run(tasks, started))
    finally:
        executor.close()
    got = {o.task.source.call_id: comparable(o.processed.result) for o in outcomes}
    assert len(outcomes) == 5 and got == expected  # rules, PII masks, emotion and scores alike, paths as given
    assert all(o.task is tasks[o.task.index] for o in outcomes)  # the caller's tasks, not the travelling copies
    attempts = {o.task.source.call_id: o.attempts for o in outcomes}
    assert attempts == {"call-0000": 1, "call-0001": 1, "call-0002": 1, "call-0003": 2, "call-0004": 1}
    again = [w for c, w in seen if c == "call-0003"]
    assert killed and len(again) == 2 and again[1] != killed[0]  # retried on a fresh actor
    assert all(w.startswith("pid ") and int(w.split()[1]) != os.getpid() for _, w in seen)


def test_a_hung_call_times_out_on_ray_and_the_next_call_runs(tmp_path, cluster):
    from asr import AsrOptions
    from pii.detect import PiiOptions
    from tests.conftest import DEMO

    (tmp_path / "in").mkdir()
    audio = tmp_path / "in" / "long.wav"
    audio.write_bytes((DEMO / "stereo_card_declined.wav").read_bytes())
    write_calls(tmp_path / "in", 1)
    tasks = [Task(i, s) for i, s in enumerate(discover([audio, tmp_path / "in" / "call-0000.json"]))]
    options = PipelineOptions(asr=AsrOptions(model="tiny.en"), analysis=AnalysisOptions(pii=PiiOptions(ner=False)))
    workers: list[str] = []
    executor = RayExecutor(WorkerSetup(options, tmp_path, threads=1), 1, timeout_s=1.0)
    try:
        outcomes = {o.task.source.call_id: o for o in executor.run(tasks, lambda t, w: workers.append(w))}
    finally:
        executor.close()
    hung = outcomes["long"].processed.result
    assert hung.error is not None and hung.error.code == "call.timeout" and outcomes["long"].attempts == 2
    assert "1 s" in hung.error.message
    assert outcomes["call-0000"].processed.result.status == "ok" and outcomes["call-0000"].attempts == 1
    assert len(workers) == 3 and len(set(workers)) == 3  # each timeout killed its actor; a fresh one took over
    import psutil

    stopped = [psutil.Process(int(w.split()[1])) for w in workers[:2] if psutil.pid_exists(int(w.split()[1]))]
    assert psutil.wait_procs(stopped, timeout=10)[1] == []


def test_cli_ray_run_gives_the_same_json_and_store_as_local(tmp_path, cluster):
    write_calls(tmp_path / "in", 6)
    outs = {}
    for executor in ("local", "ray"):
        out = tmp_path / executor
        args = ["run", str(tmp_path / "in"), "--out", str(out), "--rules", "bank-en", "--workers", "2"]
        result = CliRunner().invoke(main, [*args, "--executor", executor])
        assert result.exit_code == 0, result.output
        outs[executor] = out

    def calls(out: Path) -> dict:
        found = {}
        for p in (out / "calls").glob("*.json"):
            d = json.loads(p.read_text())
            d.pop("timings")
            d["versions"].pop("run_id")
            found[p.name] = d
        return found

    assert calls(outs["local"]) == calls(outs["ray"])  # keys included
    queries = "select call_id, work_key, rules_key, score_total, finding_count from calls order by call_id"
    rows = [sqlite3.connect(out / "callqa.db").execute(queries).fetchall() for out in outs.values()]
    assert rows[0] == rows[1] and len(rows[0]) == 6
