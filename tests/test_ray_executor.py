"""Ray for clusters, run for real on a local Ray cluster on this machine (loopback only):
the same results, keys and store as local workers; a killed actor's call is retried."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
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

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ray_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ray")


def comparable(result) -> dict:
    d = result.to_dict()
    d.pop("timings")
    d["source"].pop("path")
    return d


def test_offline_environment_is_written():
    import tempfile

    tmp = Path(tempfile.mkdtemp())
    env = offline_ray_env(tmp)
    assert env["RAY_USAGE_STATS_ENABLED"] == "0" and env["RAY_USAGE_STATS_REPORT_URL"].startswith("http://127.0.0.1")
    assert (tmp / "ray_bootstrap_config.yaml").read_text() == "provider: {type: local}\n"
    assert env["HOME"] == env["RAY_TMPDIR"] == str(tmp)


def test_same_results_as_in_process_and_a_killed_actor_is_retried(tmp_path, ray_tmp):
    import ray

    write_calls(tmp_path / "in", 5)
    tasks = [Task(i, s) for i, s in enumerate(discover([tmp_path / "in"]))]
    setup = WorkerSetup(PipelineOptions(analysis=AnalysisOptions(rules=load_pack("bank-en"))), tmp_path, threads=1)
    expected = {o.task.source.call_id: comparable(o.processed.result) for o in InlineExecutor(setup).run(tasks)}

    killed: list[str] = []

    def started(task: Task, worker: str) -> None:
        if task.source.call_id == "call-0003" and not killed:
            killed.append(worker)
            os.kill(int(worker.split()[1]), signal.SIGKILL)

    executor = RayExecutor(setup, 2, tmp_dir=ray_tmp)
    try:
        outcomes = list(executor.run(tasks, started))
        nodes = ray.nodes()
    finally:
        executor.close()
    got = {o.task.source.call_id: comparable(o.processed.result) for o in outcomes}
    assert len(outcomes) == 5 and got == expected  # rules, PII masks, emotion and scores alike
    attempts = {o.task.source.call_id: o.attempts for o in outcomes}
    assert attempts["call-0003"] == 2 and sum(attempts.values()) == 6
    # Ray will not bind loopback (it resolves 127.0.0.1 to the host's own address); the cluster
    # is still this machine alone: every node address is one of its own interfaces
    import psutil

    own = {a.address for addrs in psutil.net_if_addrs().values() for a in addrs}
    assert killed and nodes and all(n["NodeManagerAddress"] in own for n in nodes)


def test_a_hung_call_times_out_on_ray_and_the_next_call_runs(tmp_path, ray_tmp):
    from asr import AsrOptions
    from pii.detect import PiiOptions
    from tests.conftest import DEMO

    (tmp_path / "in").mkdir()
    audio = tmp_path / "in" / "long.wav"
    audio.write_bytes((DEMO / "stereo_card_declined.wav").read_bytes())
    write_calls(tmp_path / "in", 1)
    tasks = [Task(i, s) for i, s in enumerate(discover([audio, tmp_path / "in" / "call-0000.json"]))]
    options = PipelineOptions(asr=AsrOptions(model="tiny.en"), analysis=AnalysisOptions(pii=PiiOptions(ner=False)))
    executor = RayExecutor(WorkerSetup(options, tmp_path, threads=1), 1, timeout_s=2.0, tmp_dir=ray_tmp)
    try:
        outcomes = {o.task.source.call_id: o for o in executor.run(tasks)}
    finally:
        executor.close()
    hung = outcomes["long"].processed.result
    assert hung.error is not None and hung.error.code == "call.timeout" and outcomes["long"].attempts == 2
    assert outcomes["call-0000"].processed.result.status == "ok"


def test_cli_ray_run_gives_the_same_json_and_store_as_local(tmp_path):
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
