"""The store under real runs, on SQLite and a real PostgreSQL: exact rows from real pipeline
results, the run lock across processes, the README's SQL. (Column-by-column and migration tests:
tests/test_store.py.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from batch.lock import Holder
from qa.cli import main
from qa.errors import CallqaError
from qa.pipeline import Pipeline, PipelineOptions
from qa.run import run_batch
from rules import load_pack
from store import SCHEMA_VERSION, open_store
from tests.batchcalls import CARD, write_calls


@pytest.fixture(scope="module")
def calls(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Six real results (rules, PII, emotion, scores) from generated transcripts."""
    from qa.analyse import AnalysisOptions

    folder = tmp_path_factory.mktemp("in")
    write_calls(folder, 6)
    pipeline = Pipeline(PipelineOptions(analysis=AnalysisOptions(rules=load_pack("bank-en"))))
    out = tmp_path_factory.mktemp("out")
    run_batch([folder], out, pipeline=pipeline)
    return [json.loads(p.read_text()) for p in sorted((out / "calls").glob("*.json"))]


def query(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_saving_again_replaces_and_never_duplicates(store_url, calls):
    store = open_store(store_url)
    try:
        for _ in range(2):
            for call in calls:
                store.save_call(call, run_id="r1")
        expected = {
            "calls": 6,
            "utterances": sum(len(c["utterances"]) for c in calls),
            "findings": sum(len(c["findings"]) for c in calls),
            "pii": sum(len(c["pii"]) for c in calls),
            "sections": sum(len(c["score"]["section_details"]) for c in calls),
        }
        counts = store.counts()
        assert {k: counts[k] for k in expected} == expected
        assert counts["pii"] > 0 and counts["findings"] > 6
    finally:
        store.close()


def test_columns_hold_what_the_auditor_filters_on(store_url, calls):
    store = open_store(store_url)
    try:
        for call in calls:
            store.save_call(call, run_id="night-1", size=123, mtime_ns=456)
    finally:
        store.close()
    leak = next(c for c in calls if any(f["rule_id"] == "pii.agent_reads_number" for f in c["findings"]))
    meta = leak["metadata"]
    got = query(
        store_url,
        "select agent_id, team, started_at, auto_failed, score_total, pack_sha256, run_id, size, mtime_ns "
        f"from calls where call_id = '{leak['call_id']}'",
    )
    assert got == [
        (
            meta["agent_id"],
            meta["team"],
            meta["started_at"],
            True,
            0.0,
            leak["versions"]["rules_sha256"],
            "night-1",
            123,
            456,
        )
    ]
    finding = query(
        store_url,
        "select severity, entity_type, agent_id, call_started_at, role, evidence from findings "
        f"where call_id = '{leak['call_id']}' and rule_id = 'pii.agent_reads_number'",
    )
    read = next(f for f in leak["findings"] if f["rule_id"] == "pii.agent_reads_number")
    assert finding == [("critical", read["entity"], meta["agent_id"], meta["started_at"], "agent", read["evidence"])]
    assert f"[{read['entity'].upper()}]" in read["evidence"]
    # nothing raw anywhere: every text column of every table
    everything = json.dumps(
        [query(store_url, f"select * from {t}") for t in ("calls", "utterances", "findings", "pii")], default=str
    )
    assert CARD.replace(" ", "") not in everything and CARD not in everything and "Jordan" not in everything
    where = f"call_id = '{leak['call_id']}' and type = '{read['entity']}'"
    assert query(store_url, f"select count(*), max(mask) from pii where {where}") == [(1, read["evidence"][20:28])]
    sections = query(store_url, f"select section, score, applicable from sections where call_id = '{leak['call_id']}'")
    assert dict((s, (v, a)) for s, v, a in sections)["privacy"] == (0.0, True)


def test_known_says_what_a_run_may_skip(store_url, calls):
    store = open_store(store_url)
    try:
        store.save_call(calls[0], run_id="r", size=10, mtime_ns=20)
        known = store.known()[calls[0]["call_id"]]
        assert (known.status, known.size, known.mtime_ns) == ("ok", 10, 20)
        assert (known.work_key, known.rules_key) == (
            calls[0]["versions"]["work_key"],
            calls[0]["versions"]["rules_key"],
        )
        assert known.sha256 == calls[0]["source"]["sha256"]
    finally:
        store.close()


def test_a_second_run_on_the_store_is_refused_and_a_dead_holder_frees_it(store_url, tmp_path):
    holder_code = (
        "import sys, time\nfrom batch.lock import Holder\nfrom store import open_store\n"
        "s = open_store(sys.argv[1]); h = Holder.me('held')\n"
        "s.acquire(h); s.start_run('held', {'started_at': h.started_at, 'holder': h.to_dict()})\n"
        "print('held', flush=True); time.sleep(120)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", holder_code, store_url], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        store = open_store(store_url)
        with pytest.raises(CallqaError) as e:
            store.acquire(Holder.me("second"))
        store.close()
        assert e.value.code == "run.locked" and f"pid {child.pid}" in e.value.message
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    store = open_store(store_url)
    try:
        store.acquire(Holder.me("third"))  # the dead holder's lock went with it
        store.release()
    finally:
        store.close()


def test_two_processes_creating_a_fresh_store_at_once(store_url):
    code = "import sys\nfrom store import open_store\ns = open_store(sys.argv[1]); print(s.version); s.close()\n"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, store_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-500:] for _, err in outs]
    assert [o.strip() for o, _ in outs] == [str(SCHEMA_VERSION)] * 2
    assert query(store_url, "select count(*) from schema_info") == [(SCHEMA_VERSION,)]


def test_the_run_writes_to_postgresql_by_url(postgres_url, tmp_path):
    write_calls(tmp_path / "in", 3)
    out = tmp_path / "out"
    args = ["run", str(tmp_path / "in"), "--out", str(out), "--rules", "bank-en", "--workers", "0"]
    result = CliRunner().invoke(main, [*args, "--store", postgres_url])
    assert result.exit_code == 0, result.output
    assert query(postgres_url, "select count(*) from calls where status = 'ok'") == [(3,)]
    assert not (out / "callqa.db").exists()
    again = CliRunner().invoke(main, [*args, "--store", postgres_url])
    assert "3 skipped" in again.stderr
    info = CliRunner().invoke(main, ["store", "info", "--store", postgres_url])
    assert f"schema version {SCHEMA_VERSION}" in info.output and "calls" in info.output


def test_the_readme_sql_runs_on_both_databases(store_url, calls):
    import re

    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("### Results store", 1)[1].split("```sql", 1)[1].split("```", 1)[0]
    statements = [s.strip() for s in re.sub(r"--[^\n]*", "", block).split(";") if s.strip()]
    assert len(statements) == 5
    store = open_store(store_url)
    try:
        for call in calls:
            store.save_call(call, run_id="r")
    finally:
        store.close()
    answers = [query(store_url, sql) for sql in statements]
    assert answers[1] and all(row[4].count("[") for row in answers[1])  # the card readings, masked
    assert answers[3]
