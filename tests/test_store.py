"""The results store, column by column, on SQLite and a real PostgreSQL, from generated calls.

tests/test_results_store.py runs real pipeline results through the store; these tests build
calls by hand so that every column, every migration path and every error can be pinned down.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, inspect, select, text

from batch.lock import Holder
from qa.errors import CallqaError
from qa.model import SCHEMA_VERSION as JSON_SCHEMA_VERSION
from qa.model import AudioInfo, CallResult, Diarization, Issue, Source, Utterance
from store import SCHEMA_VERSION, default_url, import_run_dir, masked_url, open_store
from store import schema as tables
from store.migrations import migrate
from store.rows import call_rows

PACK = "bank-en@1.0.0"


def make_call(n: int, *, findings: int = 3, status: str = "ok", run_id: str | None = "night-1") -> dict[str, Any]:
    """A valid CallResult.to_dict(): masked utterances, findings, PII, a score with sections."""
    utterances = tuple(
        Utterance(
            id=i,
            role=("agent", "customer")[i % 2],
            speaker=f"SPEAKER_0{i % 2}",
            start=2.0 * i,
            end=2.0 * i + 1.5,
            text=f"my card is [BANK_CARD] number {i}" if i == 1 else f"line {i} of call {n} 您好",
            channel=i % 2,
            sentiment={"label": "negative", "valence": -0.5, "arousal": 0.7} if i == 1 else None,
        )
        for i in range(4)
    )
    found = tuple(
        {
            "rule_id": ("pii.agent_reads_number", "close.survey", "greet.identify")[k % 3],
            "kind": ("pii", "script", "script")[k % 3],
            "severity": ("critical", "minor", "major")[k % 3],
            "points": -5.0 * (k + 1),
            "auto_fail": k % 3 == 0,
            "section": ("privacy", "closing", "opening")[k % 3],
            "role": "agent",
            "start": 2.0 + k,
            "end": 3.5 + k,
            "utterance": 1 if k % 3 == 0 else None,
            "evidence": "my card is [BANK_CARD]" if k % 3 == 0 else "",
            "explanation": f"why {k}",
            "entity": "bank_card" if k % 3 == 0 else None,
            "pack": PACK,
        }
        for k in range(findings)
    )
    score = {
        "total": 0.0,
        "max": 100.0,
        "passed": False,
        "auto_fail": True,
        "total_before_auto_fail": 72.5,
        "sections": {"privacy": 0.0, "closing": 8.0},
        "section_details": {
            "privacy": {"title": "Data protection", "weight": 15.0, "max": 20.0, "score": 0.0, "applicable": True},
            "closing": {"title": "Closing", "weight": 10.0, "max": 10.0, "score": 8.0, "applicable": True},
            "hold": {"title": "Hold", "weight": 5.0, "max": 0.0, "score": None, "applicable": False},
        },
        "moved_by": [{"finding": 0, "points": -15.0}, {"finding": 0, "points": -5.0}, {"finding": 1, "points": -2.0}],
    }
    versions = {"callqa": "0.1.0", "rules": PACK, "rules_sha256": "ab" * 32, "asr_model": "tiny.en"}
    versions |= {"work_key": f"w{n}", "rules_key": f"r{n}"} | ({"run_id": run_id} if run_id else {})
    ok = status == "ok"
    return CallResult(
        call_id=f"call-{n:05d}",
        status="ok" if ok else "failed",
        source=Source(f"/calls/call-{n:05d}.wav", f"{n:064x}"),
        error=None if ok else Issue("audio.decode", "decoding failed at 12.5 s"),
        metadata={
            "agent_id": f"A{n % 3}",
            "team": "cards",
            "queue": "vip",
            "started_at": f"2026-11-0{1 + n % 9}T09:00",
        },
        audio=AudioInfo(duration_s=61.25, sample_rate=8000, channels=2) if ok else None,
        language="en" if ok else None,
        diarization=Diarization("channels", 2) if ok else None,
        utterances=utterances if ok else (),
        metrics={"silence_s": 1.5} if ok else {},
        findings=found if ok else (),
        emotion={"customer": {"trend": "worse"}} if ok else {},
        pii=(
            {
                "type": "bank_card",
                "role": "customer",
                "utterance": 1,
                "channel": 1,
                "start": 2.0,
                "end": 3.5,
                "mask": "[BANK_CARD]",
                "detector": "bank_card.v1",
            },
        )
        if ok
        else (),
        score=score if ok else None,
        versions=versions,
        warnings=(Issue("audio.clipped", "3% clipped"),) if ok else (),
    ).to_dict()


def engine_for(url: str) -> Any:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


def query(url: str, sql: str, **params: Any) -> list[tuple]:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def rows(url: str, table: Any, order: tuple[str, ...] = ("call_id",), **where: Any) -> list[dict[str, Any]]:
    """A table's rows through its SQLAlchemy types, so SQLite's 0/1 come back as booleans, as PostgreSQL's do."""
    query = select(table).order_by(*(table.c[o] for o in order))
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
    finally:
        engine.dispose()


def one(url: str, table: Any, **where: Any) -> dict[str, Any]:
    found = rows(url, table, **where)
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def saved(store_url: str) -> tuple[str, dict[str, Any]]:
    call = make_call(7)
    store = open_store(store_url)
    try:
        store.save_call(call, run_id="night-1", size=1234, mtime_ns=1_764_000_000_123_456_789)
    finally:
        store.close()
    return store_url, call


CALL_COLUMNS = [
    ("run_id", "night-1"),
    ("status", "ok"),
    ("error_code", None),
    ("source_path", "/calls/call-00007.wav"),
    ("sha256", f"{7:064x}"),
    ("size", 1234),
    ("mtime_ns", 1_764_000_000_123_456_789),  # beyond 32 bits: BigInteger on both databases
    ("work_key", "w7"),
    ("rules_key", "r7"),
    ("agent_id", "A1"),
    ("team", "cards"),
    ("queue", "vip"),
    ("started_at", "2026-11-08T09:00"),
    ("language", "en"),
    ("duration_s", 61.25),
    ("utterance_count", 4),
    ("finding_count", 3),
    ("score_total", 0.0),
    ("score_max", 100.0),
    ("passed", False),
    ("auto_failed", True),
    ("total_before_auto_fail", 72.5),
    ("pack", PACK),
    ("pack_sha256", "ab" * 32),
    ("asr_model", "tiny.en"),
    ("diarization", "channels"),
]


def test_call_columns(saved):
    url, call = saved
    got = one(url, tables.calls, call_id=call["call_id"])
    wrong = {c: got[c] for c, expected in CALL_COLUMNS if got[c] != expected or type(got[c]) is not type(expected)}
    assert not wrong
    blocks = ("metadata", "metrics", "emotion", "score", "versions", "warnings")  # whole, as JSON text
    assert {b: json.loads(got[b]) for b in blocks} == {b: call[b] for b in blocks}


def test_child_rows_land_in_their_columns(saved):
    url, call = saved
    c = call["call_id"]
    utterance = one(url, tables.utterances, call_id=c, idx=1)
    assert utterance == {
        "call_id": c,
        "idx": 1,
        "utterance_id": 1,
        "speaker": "SPEAKER_01",
        "role": "customer",
        "channel": 1,
        "start_s": 2.0,
        "end_s": 3.5,
        "text": "my card is [BANK_CARD] number 1",  # the masked text, as in the JSON
        "sentiment": "negative",
        "valence": -0.5,
        "arousal": 0.7,
    }
    finding = one(url, tables.findings, call_id=c, idx=0)
    assert finding == {
        "call_id": c,
        "idx": 0,
        "rule_id": "pii.agent_reads_number",
        "kind": "pii",
        "severity": "critical",
        "section": "privacy",
        "points": -5.0,
        "moved_points": -20.0,  # the sum of what moved_by says this finding took off
        "auto_fail": True,
        "role": "agent",
        "start_s": 2.0,
        "end_s": 3.5,
        "utterance_id": 1,
        "evidence": "my card is [BANK_CARD]",
        "explanation": "why 0",
        "entity_type": "bank_card",
        "pack": PACK,
        "agent_id": "A1",
        "team": "cards",
        "queue": "vip",
        "call_started_at": "2026-11-08T09:00",
    }
    assert query(url, "select idx, moved_points from findings where call_id = :c order by idx", c=c) == [
        (0, -20.0),
        (1, -2.0),
        (2, None),
    ]
    pii = one(url, tables.pii, call_id=c)
    assert pii == {
        "call_id": c,
        "idx": 0,
        "type": "bank_card",
        "role": "customer",
        "utterance_id": 1,
        "channel": 1,
        "start_s": 2.0,
        "end_s": 3.5,
        "mask": "[BANK_CARD]",
        "detector": "bank_card.v1",
    }  # no column could hold the value
    sections = [tuple(r.values())[1:] for r in rows(url, tables.sections, order=("section",))]
    assert sections == [
        ("closing", "Closing", 10.0, 10.0, 8.0, True),
        ("hold", "Hold", 5.0, 0.0, None, False),
        ("privacy", "Data protection", 15.0, 20.0, 0.0, True),
    ]


def test_a_call_saved_again_with_fewer_rows_leaves_none_behind(store_url):
    store = open_store(store_url)
    try:
        store.save_call(make_call(1, findings=5), run_id="r1")
        store.save_call(make_call(2, findings=2), run_id="r1")
        store.save_call(make_call(1, findings=1), run_id="r2")
        counts = store.counts()
        assert {k: counts[k] for k in ("calls", "utterances", "findings", "pii", "sections")} == {
            "calls": 2,
            "utterances": 8,
            "findings": 3,
            "pii": 2,
            "sections": 6,
        }
        failed = make_call(2, status="failed")
        store.save_call(failed, run_id="r3")  # a call that failed this time: its old rows go
        assert query(store_url, "select count(*) from findings where call_id = 'call-00002'") == [(0,)]
        row = one(store_url, tables.calls, call_id="call-00002")
        assert {k: row[k] for k in ("status", "error_code", "error_message", "score_total")} == {
            "status": "failed",
            "error_code": "audio.decode",
            "error_message": "decoding failed at 12.5 s",
            "score_total": None,
        }
    finally:
        store.close()


def test_a_save_that_fails_half_way_changes_nothing(store_url):
    store = open_store(store_url)
    try:
        store.save_call(make_call(3), run_id="r1")
        before = store.counts()
        broken = make_call(3, findings=4)
        broken["findings"][3]["rule_id"] = None  # NOT NULL: the fourth finding's insert fails
        with pytest.raises(Exception):  # noqa: B017 - the database's own error, whichever it is
            store.save_call(broken, run_id="r2")
        assert store.counts() == before
        assert query(store_url, "select run_id from calls") == [("r1",)]
    finally:
        store.close()


def test_verdicts_are_kept_when_the_call_is_saved_again(store_url):
    store = open_store(store_url)
    try:
        store.save_call(make_call(4), run_id="r1")
        with store.engine.begin() as conn:
            verdict = {"finding_idx": 0, "rule_id": "pii.agent_reads_number", "by": "coach", "at": "2026-11-27"}
            conn.execute(insert(tables.verdicts), [{"call_id": "call-00004", "verdict": "disagree", **verdict}])
        store.save_call(make_call(4, findings=1), run_id="r2")
        assert query(store_url, "select call_id, verdict from verdicts") == [("call-00004", "disagree")]
    finally:
        store.close()


def test_known_reads_ten_thousand_calls_in_well_under_a_second(store_url):
    store = open_store(store_url)
    try:
        base = call_rows(make_call(0), "r", 10, 20, "2026-11-27T00:00:00+00:00")["calls"]
        rows = [base | {"call_id": f"c{i:05d}", "work_key": f"w{i}", "mtime_ns": i} for i in range(10_000)]
        with store.engine.begin() as conn:
            conn.execute(insert(tables.calls), rows)
        t0 = time.perf_counter()
        known = store.known()
        elapsed = time.perf_counter() - t0
        assert len(known) == 10_000 and elapsed < 0.5, elapsed
        k = known["c00042"]
        assert (k.status, k.source_path, k.size, k.mtime_ns, k.work_key, k.rules_key) == (
            "ok",
            "/calls/call-00000.wav",
            10,
            42,
            "w42",
            "r0",
        )
    finally:
        store.close()


def test_a_fresh_store_is_at_the_current_schema(store_url):
    store = open_store(store_url)
    try:
        assert (store.version, store.migrated_from) == (SCHEMA_VERSION, 0)
        assert store.counts() == dict.fromkeys(
            ("runs", "calls", "utterances", "findings", "pii", "sections", "verdicts"), 0
        )
    finally:
        store.close()
    assert query(store_url, "select version from schema_info order by version") == [
        (v,) for v in range(1, SCHEMA_VERSION + 1)
    ]


def shape(url: str) -> dict[str, Any]:
    """Tables, their columns and index names: what a migrated store must share with a fresh one."""
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            seen = inspect(conn)
            names = [t for t in seen.get_table_names() if not t.startswith("utterances_fts")]
            return {
                t: ([c["name"] for c in seen.get_columns(t)], sorted(str(i["name"]) for i in seen.get_indexes(t)))
                for t in sorted(names)
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("old", range(1, SCHEMA_VERSION))
def test_an_older_store_with_calls_is_migrated_with_its_data(store_url, old, tmp_path):
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    open_store(fresh).close()
    engine = engine_for(store_url)
    with engine.begin() as conn:
        assert migrate(conn, upto=old) == old
        rows = call_rows(make_call(5), "old-run", 1, 2, "2026-11-01T00:00:00+00:00")
        conn.execute(insert(tables.calls), [rows["calls"]])
        for table in tables.CALL_TABLES:
            conn.execute(insert(table), rows[table.name])
    engine.dispose()

    store = open_store(store_url)
    try:
        assert (store.migrated_from, store.version) == (old, SCHEMA_VERSION)
        assert store.counts() | {"runs": 0} == {
            "runs": 0,
            "calls": 1,
            "utterances": 4,
            "findings": 3,
            "pii": 1,
            "sections": 3,
            "verdicts": 0,
        }
        assert store.known()["call-00005"].work_key == "w5"
    finally:
        store.close()
    if store_url.startswith("sqlite"):  # the text index covers rows written before it existed
        hits = query(store_url, "select count(*) from utterances_fts where utterances_fts match '\"BANK_CARD\"'")
        assert hits == [(1,)]
        assert shape(store_url) == shape(fresh)
    else:
        indexes = {name for (name,) in query(store_url, "select indexname from pg_indexes")}
        assert "ix_utterances_text_trgm" in indexes and "ix_findings_rule_cover" in indexes


def test_a_newer_store_is_refused_and_not_touched(store_url):
    open_store(store_url).close()
    engine = engine_for(store_url)
    with engine.begin() as conn:
        conn.execute(text("insert into schema_info (version, migrated_at) values (9, 'later')"))
    engine.dispose()
    before = query(store_url, "select * from schema_info order by version")
    with pytest.raises(CallqaError) as e:
        open_store(store_url)
    assert e.value.code == "store.schema"
    assert "has schema version 9; this callqa reads up to" in e.value.message and "upgrade callqa" in e.value.message
    assert query(store_url, "select * from schema_info order by version") == before


HOLDER = """
import sys, time
from batch.lock import Holder
from store import open_store
store = open_store(sys.argv[1])
store.acquire(Holder.me("holder"))  # no start_run yet: the plan of a big night takes a while
print("held", flush=True)
time.sleep(120)
"""


def test_the_lock_names_its_holder_from_the_moment_it_is_taken(store_url):
    store = open_store(store_url)
    # a run killed last night left an unfinished runs row: it must not be named as the holder
    store.start_run("killed", {"started_at": "2026-11-26T02:00:00+00:00", "holder": {"host": "old", "pid": 1}})
    store.close()
    child = subprocess.Popen([sys.executable, "-c", HOLDER, store_url], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        store = open_store(store_url)
        try:
            with pytest.raises(CallqaError) as e:
                store.acquire(Holder.me("second"))
        finally:
            store.close()
        assert e.value.code == "run.locked"
        assert f"pid {child.pid}," in e.value.message and "host old" not in e.value.message
        assert f"host {Holder.me().host[:20]}" in e.value.message and "started 20" in e.value.message
        if store_url.startswith("sqlite"):
            assert "the store callqa.db" in e.value.message
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    store = open_store(store_url)
    try:
        store.acquire(Holder.me("after"))  # the killed holder's lock went with its process
        store.release()
        store.acquire(Holder.me("again"))  # and release() really releases
    finally:
        store.close()


def test_a_password_never_shows_in_the_store_url(postgres_url):
    with_password = postgres_url.replace("://postgres@", "://postgres:s3cret-pw@")  # trust auth ignores it
    store = open_store(with_password)
    try:
        assert "s3cret" not in store.url and "postgres:***@" in store.url
        assert store.dialect == "postgresql" and store.version == SCHEMA_VERSION
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://qa:secret@db:5432/qa", "postgresql://qa:***@db:5432/qa"),
        ("postgresql+psycopg://qa:p@ss@db/qa", "postgresql+psycopg://qa:***@db/qa"),
        ("postgresql://qa@db/qa", "postgresql://qa@db/qa"),
        ("sqlite:////qa/nightly/callqa.db", "sqlite:////qa/nightly/callqa.db"),
    ],
)
def test_masked_url(url, masked):
    assert masked_url(url) == masked


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://qa@db/qa", "use sqlite:///FILE or postgresql://"),
        ("sqlite:////nonexistent-callqa-folder/callqa.db", "is not a folder"),
        ("postgresql://qa:s3cret@127.0.0.1:9/qa", "cannot open the store postgresql+psycopg://qa:***@127.0.0.1:9/qa"),
    ],
)
def test_a_store_that_cannot_be_opened_says_why(url, says):
    with pytest.raises(CallqaError) as e:
        open_store(url)
    assert e.value.code == "store.open" and says in e.value.message and "s3cret" not in str(e.value)


def test_a_file_that_is_not_a_database(tmp_path):
    (tmp_path / "callqa.db").write_bytes(b"not a database at all " * 200)
    with pytest.raises(CallqaError) as e:
        open_store(default_url(tmp_path))
    assert e.value.code == "store.open" and "not a database" in e.value.message


def test_sqlite_pragmas(tmp_path):
    store = open_store(default_url(tmp_path))
    try:
        assert default_url(tmp_path) == f"sqlite:///{tmp_path.absolute()}/callqa.db"
        with store.engine.connect() as conn:
            got = [conn.execute(text(f"pragma {p}")).scalar() for p in ("journal_mode", "foreign_keys", "busy_timeout")]
        assert got == ["wal", 1, 30000]
    finally:
        store.close()


def write_run(folder: Path, calls: list[dict[str, Any]]) -> Path:
    (folder / "calls").mkdir(parents=True)
    for call in calls:
        (folder / "calls" / f"{call['call_id']}.json").write_text(json.dumps(call, ensure_ascii=False))
    return folder


@pytest.mark.parametrize(
    ("in_json", "given", "expected"),
    [("night-9", None, "night-9"), ("night-9", "mine", "mine"), (None, "mine", "mine"), (None, None, "import-")],
)
def test_import_takes_the_run_id_from_the_json_or_the_caller(tmp_path, in_json, given, expected):
    run = write_run(tmp_path / "run", [make_call(1, run_id=in_json)])
    store = open_store(default_url(tmp_path))
    try:
        assert import_run_dir(store, run, run_id=given).calls == 1
    finally:
        store.close()
    [(run_id,)] = query(default_url(tmp_path), "select run_id from calls")
    assert run_id.startswith(expected)


def test_import_equals_save_and_names_what_it_skipped(store_url, tmp_path):
    calls = [make_call(n) for n in range(4)] + [make_call(9, status="failed")]
    run = write_run(tmp_path / "run", calls)
    (run / "calls" / "broken.json").write_text('{"schema_version": 1, "call_id": ')
    (run / "calls" / "list.json").write_text("[1, 2]")
    (run / "calls" / "future.json").write_text(json.dumps(make_call(8) | {"schema_version": JSON_SCHEMA_VERSION + 1}))
    (run / "calls" / "no-source.json").write_text(json.dumps({k: v for k, v in make_call(6).items() if k != "source"}))
    direct = default_url(tmp_path)
    store = open_store(direct)
    for call in calls:
        store.save_call(call, run_id="night-1")
    store.close()

    store = open_store(store_url)
    try:
        summary = import_run_dir(store, run)
    finally:
        store.close()
    assert summary.calls == 5
    assert {name for name, _ in summary.errors} == {"broken.json", "list.json", "future.json", "no-source.json"}
    assert all(why for _, why in summary.errors)
    for table in (tables.calls, *tables.CALL_TABLES):
        order = ("call_id", "section" if table is tables.sections else "idx") if table is not tables.calls else ()
        drop = {"saved_at"}  # when each was written
        got, want = rows(store_url, table, order or ("call_id",)), rows(direct, table, order or ("call_id",))
        assert [{k: v for k, v in r.items() if k not in drop} for r in got] == [
            {k: v for k, v in r.items() if k not in drop} for r in want
        ], table.name


def test_import_refuses_a_folder_without_calls(tmp_path):
    store = open_store(default_url(tmp_path))
    try:
        with pytest.raises(CallqaError) as e:
            import_run_dir(store, tmp_path)
    finally:
        store.close()
    assert e.value.code == "input.not_found" and "no calls/ folder" in e.value.message


def test_runs_are_recorded(store_url):
    store = open_store(store_url)
    try:
        holder = {"host": "qa-01", "pid": 4242}
        record = {"started_at": "2026-11-27T01:00:00+00:00", "holder": holder, "options": {"rules": PACK}}
        store.start_run("night-1", record)
        store.finish_run("night-1", {"ok": 9, "failed": 1, "skipped": 0})
        [run] = store.runs()
    finally:
        store.close()
    assert {k: run[k] for k in ("run_id", "started_at", "host", "pid")} == {
        "run_id": "night-1",
        "started_at": "2026-11-27T01:00:00+00:00",
        "host": "qa-01",
        "pid": 4242,
    }
    assert json.loads(run["options"]) == {"rules": PACK} and json.loads(run["summary"])["failed"] == 1
    assert run["finished_at"] >= "2026"
