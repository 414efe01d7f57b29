"""End to end: generated calls of two agents → ``callqa run --rules`` → ``callqa scorecards``.

Every number asserted here was worked out by hand from the pack below (the working is in the
comments), so a change in the score arithmetic, the N/A rebalancing, auto-fail or the
aggregation shows up as a wrong number, not just a changed one.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

from qa.cli import main

PACK = """\
pack: coach-test
version: '1'
language: en
sections: {opening: Opening, closing: Closing, hold: Hold}
scorecard:
  max: 100
  pass_mark: 80
  sections: {opening: {weight: 40}, closing: {weight: 40}, hold: {weight: 20}}
rules:
  - id: greet.name
    description: The agent gives a name.
    section: opening
    severity: major
    points: -20
    require: {phrases: [my name is], role: agent}
  - id: close.anything_else
    description: The agent asks if there is anything else.
    section: closing
    severity: minor
    points: -10
    require: {phrases: [anything else], role: agent}
  - id: close.thanks
    description: The agent thanks the caller at the end.
    section: closing
    severity: minor
    points: -10
    require: {phrases: [thank you for calling], role: agent}
  - id: forbid.guarantee
    description: No guaranteed returns.
    section: closing
    severity: critical
    points: -40
    auto_fail: true
    forbid: {phrases: [guaranteed], role: agent}
  - id: hold.ask
    description: Ask before a hold.
    section: hold
    severity: minor
    points: -20
    when: {silence: {min_s: 15, after: agent}}
    require: {phrases: [hold], role: agent}
"""

HELLO_NAME = "Hello, my name is Kim, how can I help?"
HELLO = "Hello, how can I help?"
CLOSE = "Is there anything else? Thank you for calling."


def _call(folder: Path, name: str, agent: str, lines: list[tuple[str, float, float, str]]) -> None:
    utterances = [{"role": r, "start": a, "end": b, "text": t} for r, a, b, t in lines]
    (folder / f"{name}.json").write_text(json.dumps({"language": "en", "utterances": utterances}), encoding="utf-8")
    meta = {"agent_id": agent, "team": "cards", "started_at": "2026-11-24T09:00:00"}
    (folder / f"{name}.meta.json").write_text(json.dumps(meta), encoding="utf-8")


def _calls(folder: Path) -> None:
    # A1-perfect: every rule passes, no hold → hold N/A: (40 + 40) × 100/80 = 100, passed.
    _call(
        folder,
        "a1_perfect",
        "A1",
        [
            ("agent", 0, 3, HELLO_NAME),
            ("customer", 3.5, 5.5, "I need my balance."),
            ("agent", 6, 9, CLOSE),
        ],
    )
    # A1-noname: greet.name −20 → opening 20; a hold that was asked for → hold 20; closing 40:
    # 20 + 40 + 20 = 80 of 100, passed (pass mark 80).
    _call(
        folder,
        "a1_noname",
        "A1",
        [
            ("agent", 0, 3, HELLO),
            ("customer", 3.5, 5.5, "I need my balance."),
            ("agent", 6, 9, "Can I put you on hold please?"),
            ("agent", 30, 33, CLOSE),
        ],
    )
    # A2-noclose: both closing rules fire (−10 −10) → closing 20; no hold → N/A:
    # (40 + 20) × 100/80 = 75, failed.
    _call(
        folder,
        "a2_noclose",
        "A2",
        [
            ("agent", 0, 3, HELLO_NAME),
            ("customer", 3.5, 5.5, "I need my balance."),
            ("agent", 6, 9, "Goodbye."),
        ],
    )
    # A2-promise: "guaranteed" is auto-fail −40 → closing 0, (40 + 0) × 1.25 = 50 before auto-fail; total 0.
    _call(
        folder,
        "a2_promise",
        "A2",
        [
            ("agent", 0, 3, HELLO_NAME),
            ("customer", 3.5, 5.5, "Is this fund safe?"),
            ("agent", 6, 9, "It has guaranteed returns. " + CLOSE),
        ],
    )


def test_scores_and_scorecards_by_hand(tmp_path: Path):
    calls, run, cards = tmp_path / "calls", tmp_path / "run", tmp_path / "cards"
    calls.mkdir()
    _calls(calls)
    pack = tmp_path / "pack.yaml"
    pack.write_text(PACK, encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(calls), "--out", str(run), "--rules", str(pack)])
    assert result.exit_code == 0, result.output

    def score(name: str) -> dict:
        return json.loads((run / "calls" / f"{name}.json").read_text(encoding="utf-8"))["score"]

    assert (score("a1_perfect")["total"], score("a1_perfect")["passed"]) == (100, True)
    assert score("a1_perfect")["sections"] == {"opening": 50, "closing": 50, "hold": None}
    assert (score("a1_noname")["total"], score("a1_noname")["passed"]) == (80, True)
    assert (score("a2_noclose")["total"], score("a2_noclose")["passed"]) == (75, False)
    promise = score("a2_promise")
    assert (promise["total"], promise["auto_fail"], promise["total_before_auto_fail"]) == (0, True, 50)
    moved = {m["rule_id"]: m["points"] for m in score("a2_noclose")["moved_by"]}
    assert moved == {"close.anything_else": -12.5, "close.thanks": -12.5}  # −10 each, × 1.25

    result = CliRunner().invoke(main, ["scorecards", str(run), "--out", str(cards)])
    assert result.exit_code == 0, result.output
    assert "A1" in result.output and "A2" in result.output
    data = json.loads((cards / "scorecards.json").read_text(encoding="utf-8"))
    a1, a2 = sorted(data["groups"], key=lambda g: g["group"])
    assert (a1["calls"], a1["score_mean"], a1["pass_rate"], a1["auto_fails"]) == (2, 90, 1.0, 0)
    assert (a2["calls"], a2["score_mean"], a2["pass_rate"], a2["auto_fails"]) == (2, 37.5, 0.0, 1)
    # opening: A1 50 (perfect, rebalanced) and 20 (no name, all sections apply) → 35 points, 75 %
    assert a1["sections"]["opening"] == 35 and a1["sections_pct"]["opening"] == 75
    assert a1["sections"]["hold"] == 20  # only the call with a hold counts
    # three rules broke in one call each: the critical one ranks first
    first = a2["top_rules"][0]
    assert (first["rule_id"], first["calls"]) == ("forbid.guarantee", 1)
    assert {r["rule_id"] for r in a2["top_rules"]} == {"forbid.guarantee", "close.anything_else", "close.thanks"}
    review = [r["call_id"] for r in a2["review_first"]]
    assert review == ["a2_promise", "a2_noclose"]  # the auto-fail first, then the lowest score
    assert "auto-fail" in a2["review_first"][0]["why"] and "forbid.guarantee" in a2["review_first"][0]["why"]
    # talk: the agent spoke 6 s, the customer 2 s in each call but a1_noname (agent 9 s)
    assert a2["talk"]["talk_ratio"] == 0.75
    rows = list(csv.DictReader((cards / "scorecards.csv").open(encoding="utf-8")))
    assert {r["group"] for r in rows} == {"A1", "A2"}
