"""The auditor's and the coach's questions over a store built from generated calls, on SQLite and
a real PostgreSQL. Every expected answer is worked out from the call JSON in Python, so the SQL
filters are checked against an independent reading of the same results."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from audit import Filters, calibration, grouped, mark, search, violations
from qa.cli import main
from qa.pipeline import Pipeline, PipelineOptions
from qa.run import BatchOptions, run_batch
from rules import load_pack
from store import open_store
from tests.batchcalls import CARD, transcript_zh, write_calls

PACK = load_pack("bank-en")


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    from qa.analyse import AnalysisOptions

    return Pipeline(PipelineOptions(analysis=AnalysisOptions(rules=PACK)))


@pytest.fixture
def night(tmp_path, pipeline, store_url) -> dict[str, Any]:
    """Twelve English calls and three Mandarin ones, run into the store under test."""
    folder = tmp_path / "in"
    write_calls(folder, 12)
    for n in range(3):
        (folder / f"zh-{n}.json").write_text(json.dumps(transcript_zh(n), ensure_ascii=False), encoding="utf-8")
        meta = {"agent_id": "A009", "team": "zh", "queue": "cards", "started_at": f"2026-11-2{n}T10:00:00"}
        (folder / f"zh-{n}.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    out = tmp_path / "out"
    if store_url.startswith("sqlite"):  # the default: the run folder's own callqa.db
        from store import default_url

        store_url = default_url(out)
    summary = run_batch([folder], out, pipeline=pipeline, batch=BatchOptions(store=store_url))
    assert summary.ok == 15
    calls = {p.stem: json.loads(p.read_text()) for p in (out / "calls").glob("*.json")}
    return {"url": store_url, "out": out, "in": folder, "calls": calls, "run": summary.run_id}


def expected(calls: dict[str, dict], keep) -> list[tuple[str, int]]:
    return sorted((cid, i) for cid, c in calls.items() for i, f in enumerate(c["findings"]) if keep(c["metadata"], f))


CASES = [
    ("everything", Filters(), lambda m, f: True),
    ("one rule", Filters(rules=("close.survey",)), lambda m, f: f["rule_id"] == "close.survey"),
    ("rule prefix", Filters(rules=("pii.*",)), lambda m, f: f["rule_id"].startswith("pii.")),
    ("kind", Filters(kinds=("emotion",)), lambda m, f: f["kind"] == "emotion"),
    ("severity", Filters(severities=("critical", "major")), lambda m, f: f["severity"] in ("critical", "major")),
    ("entity type", Filters(entity_types=("number",)), lambda m, f: f.get("entity") == "number"),
    ("agent", Filters(agents=("A002",)), lambda m, f: m["agent_id"] == "A002"),
    ("team", Filters(teams=("red",)), lambda m, f: m["team"] == "red"),
    ("queue", Filters(queues=("loans", "general")), lambda m, f: m["queue"] in ("loans", "general")),
    ("since", Filters(since="2026-11-05"), lambda m, f: m["started_at"] >= "2026-11-05"),
    ("until a day", Filters(until="2026-11-03"), lambda m, f: m["started_at"] < "2026-11-04"),
    (
        "since and until times",
        Filters(since="2026-11-02T09:01:00", until="2026-11-06T00:00:00"),
        lambda m, f: "2026-11-02T09:01:00" <= m["started_at"] < "2026-11-06T00:00:00",
    ),
    ("auto-fail", Filters(auto_fail=True), lambda m, f: bool(f["auto_fail"])),
    (
        "combined",
        Filters(severities=("minor",), agents=("A001", "A003"), since="2026-11-03"),
        lambda m, f: f["severity"] == "minor" and m["agent_id"] in ("A001", "A003") and m["started_at"] >= "2026-11-03",
    ),
]


def test_each_filter_gives_exactly_the_findings_the_json_says(night):
    store = open_store(night["url"])
    try:
        for name, filters, keep in CASES:
            rows = violations(store, filters)
            got = sorted((r["call_id"], r["finding"]) for r in rows)
            assert got == expected(night["calls"], keep), name
            assert got, f"{name}: the case must select something to prove anything"
        assert violations(store, Filters(runs=(night["run"],))) and not violations(store, Filters(runs=("nope",)))
    finally:
        store.close()


def test_each_row_says_who_when_what_and_where_to_look(night):
    store = open_store(night["url"])
    try:
        [row] = violations(store, Filters(rules=("pii.agent_reads_number",), agents=("A002",)))
    finally:
        store.close()
    call = night["calls"][row["call_id"]]
    finding = call["findings"][row["finding"]]
    assert row["started_at"] == call["metadata"]["started_at"] and row["agent_id"] == "A002"
    assert (row["severity"], row["role"], row["start_s"]) == ("critical", "agent", finding["start"])
    assert row["evidence"] == finding["evidence"] and "[" in row["evidence"]
    assert row["explanation"].startswith(next(r.description for r in PACK.rules if r.id == row["rule_id"]))
    assert row["page"] == f"calls/{row['call_id']}.html#f{row['finding']}"


@pytest.mark.parametrize("by", ["rule", "agent", "team", "day"])
def test_group_by_counts_match_the_json(night, by):
    from collections import Counter

    key = {
        "rule": lambda c, f: f["rule_id"],
        "agent": lambda c, f: c["metadata"]["agent_id"],
        "team": lambda c, f: c["metadata"]["team"],
        "day": lambda c, f: c["metadata"]["started_at"][:10],
    }[by]
    findings: Counter[str] = Counter()
    calls: dict[str, set[str]] = {}
    for cid, c in night["calls"].items():
        for f in c["findings"]:
            findings[key(c, f)] += 1
            calls.setdefault(key(c, f), set()).add(cid)
    store = open_store(night["url"])
    try:
        rows = grouped(store, Filters(), by)  # type: ignore[arg-type]
    finally:
        store.close()
    assert {r[by]: (r["findings"], r["calls"]) for r in rows} == {k: (n, len(calls[k])) for k, n in findings.items()}
    assert [r["findings"] for r in rows] == sorted((r["findings"] for r in rows), reverse=True)


def test_search_finds_chinese_and_english_substrings_and_never_raw_numbers(night):
    store = open_store(night["url"])
    try:
        complaints = search(store, "投诉", Filters())  # two characters: below the trigram index
        assert sorted(r["call_id"] for r in complaints) == ["zh-0", "zh-1", "zh-2"]
        assert all(r["role"] == "customer" and "«投诉»" in r["match"] for r in complaints)
        fees = search(store, "多扣了我的年费", Filters(agents=("A009",), since="2026-11-21"))
        assert sorted(r["call_id"] for r in fees) == ["zh-1", "zh-2"]
        declined = search(store, "CHARGED ME TWICE", Filters(), limit=500)
        angry = sorted(cid for cid, c in night["calls"].items() if "charged me twice" in json.dumps(c["utterances"]))
        assert sorted(r["call_id"] for r in declined) == angry and declined[0]["match"].count("«") == 1
        agents_only = search(store, "card", Filters(roles=("agent",)))
        assert agents_only and all(r["role"] == "agent" for r in agents_only)
        assert search(store, CARD.replace(" ", ""), Filters()) == []
        assert search(store, CARD, Filters()) == [] and search(store, "1111", Filters()) == []
        assert search(store, "50%_off", Filters()) == []  # LIKE wildcards are taken literally
    finally:
        store.close()


def test_a_disagreed_finding_leaves_the_score_at_the_next_run(night, pipeline):
    store = open_store(night["url"])
    try:
        [row] = violations(store, Filters(rules=("pii.agent_reads_number",), agents=("A002",)))
        call_id, idx = row["call_id"], row["finding"]
        before = night["calls"][call_id]["score"]
        assert before["auto_fail"] and before["total"] == 0.0
        mark(store, call_id, idx, "disagree", "lin", "the number was the customer's own, read back on request")
        assert [r["call_id"] for r in violations(store, Filters(verdict="disagree"))] == [call_id]
        assert all(r["call_id"] != call_id or r["finding"] != idx for r in violations(store, Filters(verdict="none")))
        with pytest.raises(Exception, match="no finding 99"):
            mark(store, call_id, 99, "agree", "lin")
        rates = calibration(store)
        assert rates[0]["rule_id"] == "pii.agent_reads_number" and rates[0]["disagree_rate"] == 1.0
    finally:
        store.close()
    again = run_batch([night["in"]], night["out"], pipeline=pipeline, batch=BatchOptions(store=night["url"]))
    assert (again.rescored, again.skipped) == (1, 14)
    after = json.loads((night["out"] / "calls" / f"{call_id}.json").read_text())
    assert after["findings"][idx]["overruled"] is True
    assert not after["score"]["auto_fail"] and after["score"]["total"] > 0
    assert sum(m["points"] for m in after["score"]["moved_by"] if m["finding"] == idx) == 0
    store = open_store(night["url"])
    try:  # the verdict survived the re-save, and a second run has nothing left to do
        assert store.counts()["verdicts"] == 1
    finally:
        store.close()
    assert (
        run_batch([night["in"]], night["out"], pipeline=pipeline, batch=BatchOptions(store=night["url"])).skipped == 15
    )


def test_cli_exports_every_format(night, tmp_path):
    store = night["url"] if night["url"].startswith("postgresql") else str(night["out"])  # a URL, or a folder
    base = ["violations", "--store", store, "--rule", "close.survey"]
    n = sum(f["rule_id"] == "close.survey" for c in night["calls"].values() for f in c["findings"])
    as_json = json.loads(CliRunner().invoke(main, [*base, "--format", "json"]).output)
    assert len(as_json) == n and {"call_id", "started_at", "agent_id", "rule_id", "evidence", "page"} <= set(as_json[0])
    lines = CliRunner().invoke(main, [*base, "--format", "jsonl"]).output.splitlines()
    assert [json.loads(line) for line in lines] == as_json
    out = tmp_path / "export.csv"
    result = CliRunner().invoke(main, [*base, "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0 and len(out.read_text().splitlines()) == n + 1
    table = CliRunner().invoke(main, [*base, "--group-by", "agent"]).output
    assert table.splitlines()[0].split() == ["agent", "findings", "calls", "critical"]
    found = CliRunner().invoke(main, ["search", "投诉", "--store", store, "--role", "customer"])
    assert found.exit_code == 0 and found.output.count("«投诉»") == 3
    bad = CliRunner().invoke(main, ["violations", "--store", store, "--since", "last tuesday"])
    assert bad.exit_code == 2 and "not a date" in bad.output
    marked = CliRunner().invoke(
        main, ["review", "mark", "call-0001", "0", "--verdict", "agree", "--by", "lin", "--store", store]
    )
    assert marked.exit_code == 0 and "agree on call-0001 finding 0" in marked.output
    cal = CliRunner().invoke(main, ["review", "calibration", "--store", store, "--format", "json"])
    assert json.loads(cal.output)[0]["verdicts"] == 1


def test_a_folder_without_a_store_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["violations", "--store", str(tmp_path)])
    assert result.exit_code == 2 and "no callqa.db" in result.output
