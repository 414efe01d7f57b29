"""Scorecards over many calls: two agents over two ISO weeks, every number worked out by hand."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from qa.cli_scorecards import scorecards as scorecards_command
from scoring.scorecards import (
    Review,
    build_scorecards,
    load_calls,
    overlay_metadata,
    period_of,
    render_table,
    write_csv,
    write_json,
)

CARD = {"opening": 30.0, "closing": 70.0}  # section maxima when both apply


def finding(rule_id: str, severity: str = "major", points: float = -10, auto_fail: bool = False) -> dict[str, Any]:
    return {
        "rule_id": rule_id,
        "kind": "script",
        "severity": severity,
        "points": points,
        "auto_fail": auto_fail,
        "explanation": f"What {rule_id} checks (required, not found)",
    }


def call(
    call_id: str,
    agent: str | None,
    day: str | None,
    sections: dict[str, float | None] | None = None,
    *,
    findings: tuple[dict[str, Any], ...] = (),
    auto_fail: tuple[str, ...] = (),
    emotion: dict[str, Any] | None = None,
    talk: tuple[float, float, float, float, int, int] | None = None,  # agent, customer, silence, max, int a, c
    status: str = "ok",
) -> dict[str, Any]:
    meta: dict[str, Any] = {"team": "blue"} if agent else {}
    meta |= {"agent_id": agent} if agent else {}
    meta |= {"started_at": f"{day}T10:00:00"} if day else {}
    score = None
    if sections is not None:
        live = [s for s, v in sections.items() if v is not None]
        factor = 100 / sum(CARD[s] for s in live)
        total = sum(v for v in sections.values() if v is not None)
        score = {
            "total": 0.0 if auto_fail else total,
            "max": 100.0,
            "pass_mark": 80.0,
            "passed": not auto_fail and total >= 80,
            "auto_fail": bool(auto_fail),
            "auto_fail_rules": list(auto_fail),
            "total_before_auto_fail": total,
            "sections": sections,
            "section_details": {
                s: {"max": CARD[s] * factor if sections[s] is not None else 0, "score": sections[s]} for s in CARD
            },
        }
    metrics = {}
    if talk:
        metrics = {
            "talk_s": {"agent": talk[0], "customer": talk[1]},
            "silence_s": talk[2],
            "max_silence_s": talk[3],
            "interruptions": {"agent": talk[4], "customer": talk[5]},
        }
    return {
        "schema_version": 1,
        "call_id": call_id,
        "status": status,
        "error": {"code": "audio.decode", "message": "corrupt"} if status == "failed" else None,
        "source": {"path": f"/recordings/{call_id}.wav", "sha256": f"sha-{call_id}"},
        "metadata": meta,
        "findings": list(findings),
        "emotion": {"customer": emotion} if emotion else {},
        "metrics": metrics,
        "score": score,
    }


CLOSE = finding("closing.confirm", "minor", -5)
GREET = finding("greet.identify")
CARD_READ = finding("pii.agent_reads_card", "critical", -15, auto_fail=True)
BONUS = finding("empathy.bonus", "minor", +5)

CALLS = [
    # A1, week 47 (Mon 16 – Sun 22 November 2026)
    call("a1-1", "A1", "2026-11-16", {"opening": 25, "closing": 65}, findings=(CLOSE,),
         emotion={"start": -0.2, "end": 0.4, "trend": "improving"}, talk=(60, 40, 10, 4, 1, 0)),
    call("a1-2", "A1", "2026-11-18", {"opening": 20, "closing": 40}, findings=(GREET, CLOSE, CLOSE),
         emotion={"start": 0.0, "end": -0.3, "trend": "worsening"}, talk=(30, 70, 20, 12, 3, 1)),
    # A1, week 48
    call("a1-3", "A1", "2026-11-24", {"opening": 30, "closing": 55}, findings=(CARD_READ, CLOSE, BONUS),
         auto_fail=("pii.agent_reads_card",), talk=(50, 50, 6, 2, 0, 2)),
    call("a1-4", "A1", "2026-11-25", status="failed"),
    # A2
    call("a2-1", "A2", "2026-11-17", {"opening": None, "closing": 100}),
    call("a2-2", "A2", "2026-11-26", {"opening": 15, "closing": 60}, findings=(GREET,),
         emotion={"start": 0.2, "end": -0.4, "trend": "worsening", "peaks": [{"start": 192.4}, {"start": 250.0}]},
         talk=(40, 40, 50, 45, 0, 0)),
    call("a2-3", "A2", "2026-11-27", emotion={"start": 0.0, "end": 0.2}, talk=(20, 20, 2, 1, 0, 0)),
    # no metadata at all
    call("x-1", None, None, {"opening": 10, "closing": 40}),
]  # fmt: skip


def groups(cards: Any) -> dict[tuple[str, str], Any]:
    return {(g.group, g.period): g for g in cards.groups}


def test_iso_weeks_of_the_fixture():
    assert [period_of(date(2026, 11, d), "week") for d in (16, 22, 23)] == ["2026-W47", "2026-W47", "2026-W48"]
    assert period_of(date(2026, 11, 16), "month") == "2026-11"
    assert period_of(None, "day") == "undated" and period_of(None, "all") == "all"


def test_per_agent_all_time():
    cards = build_scorecards(CALLS)
    assert [(g.group, g.period) for g in cards.groups] == [("A1", "all"), ("A2", "all"), ("unknown", "all")]
    a1, a2, _ = cards.groups
    assert (a1.calls, a1.failed, a1.scored) == (3, 1, 3)
    # totals 90, 60, 0 (auto-fail)
    assert (a1.score_mean, a1.score_median, a1.score_min, a1.score_max) == (50.0, 60.0, 0.0, 90.0)
    assert (a1.passed, a1.pass_rate, a1.auto_fails) == (1, 0.333, 1)
    assert {k: v for k, v in a1.distribution.items() if v} == {"0-9": 1, "60-69": 1, "90-100": 1}
    assert len(a1.distribution) == 10
    # opening (25 + 20 + 30) / 3; closing (65 + 40 + 55) / 3; as % of 30 and 70
    assert a1.sections == {"opening": 25.0, "closing": 53.33}
    assert a1.sections_pct == {"opening": 83.33, "closing": 76.19}
    assert a1.weakest_section == "closing"
    assert [(r.rule_id, r.calls, r.count, r.severity) for r in a1.top_rules] == [
        ("closing.confirm", 3, 4, "minor"),
        ("pii.agent_reads_card", 1, 1, "critical"),
        ("greet.identify", 1, 1, "major"),
    ]  # the +5 bonus is not a violation; ties go to the more severe rule
    assert a1.top_rules[0].description == "What closing.confirm checks"
    # +0.6 and -0.3; a1-3 has no emotion
    assert (a1.sentiment.calls, a1.sentiment.mean_change) == (2, 0.15)
    assert (a1.sentiment.improving, a1.sentiment.worsening) == (0.5, 0.5)
    # talk ratios 0.6, 0.3, 0.5; silence 10, 20, 6; max 4, 12, 2; interruptions 1+3+0 and 0+1+2
    t = a1.talk
    assert (t.calls, t.talk_ratio, t.silence_s, t.max_silence_s) == (3, 0.467, 12.0, 6.0)
    assert (t.interruptions_agent, t.interruptions_customer) == (1.33, 1.0)
    assert a1.review_first == (
        Review("a1-3", "auto-fail: pii.agent_reads_card", "calls/a1-3.json", "", 0.0),
        Review("a1-2", "score 60 (pass 80); customer mood worsened; dead air 12 s", "calls/a1-2.json", "", 60.0),
        Review("a1-1", "score 90 (pass 80)", "calls/a1-1.json", "", 90.0),
    )

    assert (a2.calls, a2.scored, a2.score_mean, a2.score_median, a2.pass_rate, a2.auto_fails) == (
        3,
        2,
        87.5,
        87.5,
        0.5,
        0,
    )
    # opening was N/A in a2-1: only a2-2's 15 of 30; closing 100 of 100 (rebalanced) and 60 of 70
    assert a2.sections == {"closing": 80.0, "opening": 15.0}
    assert a2.sections_pct == {"closing": 92.86, "opening": 50.0}
    assert a2.weakest_section == "opening"
    # a2-3 has no score but counts for emotion (+0.2, improving from its numbers) and talk
    assert (a2.sentiment.calls, a2.sentiment.mean_change, a2.sentiment.improving) == (2, -0.2, 0.5)
    assert (a2.talk.calls, a2.talk.talk_ratio, a2.talk.max_silence_s) == (2, 0.5, 23.0)
    assert [(r.call_id, r.why) for r in a2.review_first] == [
        ("a2-2", "score 75 (pass 80); customer angry at 03:12 (+1 more); customer mood worsened; dead air 45 s"),
        ("a2-1", "score 100 (pass 80)"),
        ("a2-3", "no issues found"),
    ]


def test_per_agent_per_week():
    g = groups(build_scorecards(CALLS, by="agent", period="week"))
    assert list(g) == [
        ("A1", "2026-W47"),
        ("A1", "2026-W48"),
        ("A2", "2026-W47"),
        ("A2", "2026-W48"),
        ("unknown", "undated"),
    ]
    w47 = g[("A1", "2026-W47")]
    assert (w47.calls, w47.score_mean, w47.pass_rate, w47.sections) == (
        2,
        75.0,
        0.5,
        {"opening": 22.5, "closing": 52.5},
    )
    w48 = g[("A1", "2026-W48")]
    assert (w48.calls, w48.failed, w48.auto_fails, w48.pass_rate) == (1, 1, 1, 0.0)
    assert g[("A2", "2026-W48")].score_mean == 75.0


def test_by_team_and_dates():
    cards = build_scorecards(CALLS, by="team", period="day", since=date(2026, 11, 24), until=date(2026, 11, 26))
    assert [(g.group, g.period, g.calls, g.failed) for g in cards.groups] == [
        ("blue", "2026-11-24", 1, 0),
        ("blue", "2026-11-25", 0, 1),
        ("blue", "2026-11-26", 1, 0),
    ]
    assert (cards.calls, cards.excluded) == (8, 5)  # 4 before, a2-3 after, x-1 undated


def test_the_same_call_in_two_runs_counts_once():
    cards = build_scorecards([*CALLS, CALLS[0]], period="all")
    assert cards.duplicates == 1 and cards.groups[0].calls == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": "desk"}, "by 'desk' is not one of agent, team, queue"),
        ({"period": "year"}, "period 'year' is not one of day, week, month, all"),
        ({"since": date(2026, 12, 1), "until": date(2026, 11, 1)}, "is after until"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], message: str):
    with pytest.raises(ValueError, match=message):
        build_scorecards(CALLS, **kwargs)


def test_no_calls_gives_no_groups(tmp_path: Path):
    cards = build_scorecards([])
    assert cards.groups == () and cards.calls == 0
    write_csv(cards, tmp_path / "s.csv")
    assert (tmp_path / "s.csv").read_text().startswith("by,group,period,calls,")


def write_run(folder: Path, calls: list[dict[str, Any]]) -> Path:
    (folder / "calls").mkdir(parents=True)
    for c in calls:
        (folder / "calls" / f"{c['call_id']}.json").write_text(json.dumps(c), encoding="utf-8")
    return folder


def test_load_calls_skips_what_is_not_a_call(tmp_path: Path):
    run = write_run(tmp_path / "run", CALLS[:2])
    (run / "calls" / "a1-1.unredacted.json").write_text(json.dumps(CALLS[0]))
    (run / "calls" / ".a1-1.json.x.tmp").write_text("{")
    (run / "calls" / "a1-1.rttm").write_text("SPEAKER")
    (run / "calls" / "broken.json").write_text("{")
    (run / "calls" / "other.json").write_text('{"schema_version": 2, "call_id": "o"}')
    problems: list[str] = []
    calls = load_calls([run], problems)
    assert [c["call_id"] for c in calls] == ["a1-1", "a1-2"]
    assert calls[0]["_loaded"] == {"run_dir": str(run), "path": "calls/a1-1.json"}
    assert problems == [
        "broken.json: skipped, not readable JSON (JSONDecodeError)",
        "other.json: skipped, not a callqa v1 call result",
    ]
    with pytest.raises(ValueError, match="not a callqa run folder"):
        load_calls([tmp_path])
    with pytest.raises(ValueError, match="no such folder"):
        load_calls([tmp_path / "nope"])


def test_overlay_fills_only_missing_keys(tmp_path: Path):
    from batch.metadata import read_manifest

    manifest = tmp_path / "m.csv"
    manifest.write_text("call_id,path,agent_id,queue\nx-1,,MAN,cards\n,/recordings/a1-1.wav,IGNORED,loans\n")
    calls = overlay_metadata(CALLS, read_manifest(manifest, check_files=False), "{agent_id}-{n}")
    by_id = {c["call_id"]: c["metadata"] for c in calls}
    assert by_id["x-1"] == {"agent_id": "MAN", "queue": "cards", "call_id": "x-1", "n": "1"}
    assert by_id["a1-1"]["agent_id"] == "A1" and by_id["a1-1"]["queue"] == "loans"  # by path
    assert by_id["a1-1"]["n"] == "1"  # pattern fills what both left
    assert CALLS[-1]["metadata"] == {}  # inputs are not changed


def test_writers_and_table(tmp_path: Path):
    cards = build_scorecards(CALLS, period="week")
    write_csv(cards, tmp_path / "out" / "scorecards.csv")
    write_json(cards, tmp_path / "out" / "scorecards.json")
    rows = list(csv.DictReader((tmp_path / "out" / "scorecards.csv").open(encoding="utf-8")))
    assert [(r["group"], r["period"], r["calls"]) for r in rows][:2] == [
        ("A1", "2026-W47", "2"),
        ("A1", "2026-W48", "1"),
    ]
    assert rows[0]["section_closing_pct"] == "75.0" and rows[0]["dist_60_69"] == "1"
    assert rows[0]["top_rules"] == "closing.confirm (2 calls, 3x); greet.identify (1 calls, 1x)"
    assert rows[1]["review_first"] == "a1-3: auto-fail: pii.agent_reads_card"
    data = json.loads((tmp_path / "out" / "scorecards.json").read_text(encoding="utf-8"))
    assert data["by"] == "agent" and data["period"] == "week" and len(data["groups"]) == 5
    assert data["groups"][0]["weakest_section"] == "closing"
    assert data["groups"][0]["review_first"][0]["path"] == "calls/a1-2.json"
    assert not list((tmp_path / "out").glob("*.tmp"))

    from rich.console import Console

    console = Console(width=220, record=True, file=io.StringIO())
    console.print(render_table(cards))
    text = console.export_text()
    assert "A1" in text and "closing 75%" in text and "a1-3: auto-fail: pii.agent_reads_card" in text


# ---------------------------------------------------------------- the command


def invoke(*args: str) -> Any:
    return CliRunner().invoke(scorecards_command, list(args))


def test_cli_prints_a_table_and_writes_files(tmp_path: Path):
    run = write_run(tmp_path / "run", CALLS)
    r = invoke(str(run), "--period", "week", "--out", str(tmp_path / "out"))
    assert r.exit_code == 0, r.output
    assert "A1" in r.stdout and "2026-W48" in r.stdout and "auto-fail: pii.agent_reads_card" in r.stdout
    assert "7 calls ok, 1 failed, in 5 scorecards" in r.stderr
    assert (tmp_path / "out" / "scorecards.csv").is_file() and (tmp_path / "out" / "scorecards.json").is_file()


def test_cli_fills_metadata_from_a_manifest_and_a_pattern(tmp_path: Path):
    bare = [{**c, "metadata": {}} for c in CALLS]
    bare[0]["source"] = {"path": "/rec/2026-11-16_P1_a1-1.wav", "sha256": None}
    run = write_run(tmp_path / "run", bare)
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(
        json.dumps({"call_id": "a1-2", "queue": "cards", "started_at": "2026-11-18"})
        + "\n"
        + json.dumps({"call_id": "a1-3", "queue": "loans", "started_at": "not a date"})
        + "\n"
    )
    pattern = "{started_at}_{agent_id}_{call_id}"
    r = invoke(
        str(run), "--by", "queue", "--manifest", str(manifest), "--filename-pattern", pattern, "--out", str(tmp_path)
    )
    assert r.exit_code == 0, r.output
    assert "m.jsonl:2: row skipped: started_at 'not a date'" in r.stderr
    data = json.loads((tmp_path / "scorecards.json").read_text())
    assert [(g["group"], g["calls"] + g["failed"]) for g in data["groups"]] == [("cards", 1), ("unknown", 7)]
    r = invoke(str(run), "--filename-pattern", pattern, "--since", "2026-11-01", "--out", str(tmp_path))
    data = json.loads((tmp_path / "scorecards.json").read_text())
    assert [(g["group"], g["calls"]) for g in data["groups"]] == [("P1", 1)]  # the pattern gave a1-1 its agent, date


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["{tmp}/nope"], 1, "[input.not_found]"),
        (["{tmp}"], 1, "[input.unsupported]"),
        (["{run}", "--manifest", "{tmp}/m.txt"], 1, "[input.unreadable] m.txt: a manifest is a .csv or .jsonl file"),
        (["{run}", "--manifest", "{tmp}/none.csv"], 1, "[input.not_found]"),
        (["{run}", "--filename-pattern", "{agent-id}"], 2, "unknown placeholder {agent-id}"),
        (["{run}", "--since", "2026-12-01", "--until", "2026-11-01"], 2, "is after --until"),
        (["{run}", "--since", "21/11/2026"], 2, "--since"),
        (["{run}", "--by", "desk"], 2, "'desk' is not one of"),
    ],
)
def test_cli_bad_inputs(tmp_path: Path, args: list[str], code: int, message: str):
    run = write_run(tmp_path / "run", CALLS[:1])
    (tmp_path / "m.txt").write_text("call_id\nx\n")
    r = invoke(*(a.format(tmp=tmp_path, run=run) if "{t" in a or "{r" in a else a for a in args))
    assert r.exit_code == code
    assert message in r.output
