"""Rule packs: the shipped packs pass their own cases; broken packs get precise errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa.cli import main
from qa.errors import CallqaError
from rules import REGISTRY, bundled_packs, load_pack, parse_pack, run_pack_tests


@pytest.mark.parametrize("name", ["bank-zh", "bank-en"])
def test_shipped_packs_pass_their_own_cases(name: str):
    pack = load_pack(name)
    assert len(pack.rules) >= 15
    assert len(pack.tests) >= 5
    results = run_pack_tests(pack)
    assert [(r.name, r.problems) for r in results if not r.passed] == []


def test_every_registered_condition_is_used_by_a_shipped_pack():
    used: set[str] = set()
    for path in bundled_packs().values():
        text = path.read_text(encoding="utf-8")
        used |= {key for key in REGISTRY if f"{key}:" in text}
    assert used >= set(REGISTRY) - {"any", "not"}


GOOD = """\
pack: t
version: '1'
rules:
  - id: a
    description: d
    severity: major
    require: {phrases: [hello]}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GOOD.replace("severity: major", "severity: huge"),
            "t.yaml:6: rule a: severity 'huge' is not one of critical, major, minor",
        ),
        (
            GOOD.replace("phrases", "phrase"),
            "t.yaml:7: rule a: unknown condition 'phrase'; valid conditions: after, all, any, before",
        ),
        (GOOD.replace("require", "demand"), "t.yaml:7: rule a: unknown rule key 'demand'; valid: id,"),
        (GOOD.replace("[hello]}", "[hello], role: boss}"), "rule a: role 'boss' is not one of agent, customer, any"),
        (
            GOOD.replace("{phrases: [hello]}", "{phrases: ['{greet} there']}"),
            "rule a: phrase '{greet} there' uses synonym set {greet}",
        ),
        (
            GOOD.replace("{phrases: [hello]}", "{regex: '(unclosed'}"),
            "rule a: regex '(unclosed' is not a valid regular expression",
        ),
        (
            GOOD.replace("{phrases: [hello]}", "{metric: loudness, above: 3}"),
            "rule a: metric 'loudness' is not one of duration_s",
        ),
        (GOOD.replace("    description: d\n", ""), "t.yaml:4: rule a: the rule needs 'description'"),
        (
            GOOD + "  - id: a\n    description: d\n    severity: minor\n    forbid: {phrases: [x]}\n",
            "t.yaml:8: rule a: rule id 'a' is used twice",
        ),
        ("pack: t\nversion: 1\nrules: [\n", "t.yaml:4: not valid YAML"),
        (GOOD.replace("rules:", "rulez:"), "t.yaml:3: unknown pack key 'rulez'"),
    ],
)
def test_broken_packs_give_precise_errors(text: str, expected: str):
    with pytest.raises(CallqaError) as e:
        parse_pack(text, "t.yaml")
    assert e.value.code == "rules.invalid"
    assert expected in e.value.message, e.value.message


def test_pack_identity_is_its_sha256(tmp_path: Path):
    import hashlib

    p = tmp_path / "mine.yaml"
    p.write_text(GOOD)
    pack = load_pack(str(p))
    assert pack.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()


def test_rules_cli(tmp_path: Path):
    runner = CliRunner()
    listed = runner.invoke(main, ["rules", "list"])
    assert listed.exit_code == 0 and "bank-zh" in listed.output and "bank-en" in listed.output
    rules = runner.invoke(main, ["rules", "list", "bank-en"])
    assert "forbid.guaranteed_returns" in rules.output and "AUTO-FAIL" in rules.output
    assert runner.invoke(main, ["rules", "check", "bank-zh"]).exit_code == 0
    tested = runner.invoke(main, ["rules", "test", "bank-en"])
    assert tested.exit_code == 0, tested.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(GOOD.replace("severity: major", "severity: huge"))
    checked = runner.invoke(main, ["rules", "check", str(broken)])
    assert checked.exit_code == 1 and "broken.yaml:6: rule a: severity" in checked.output
    failing = tmp_path / "failing.yaml"
    failing.write_text(
        GOOD + "tests:\n  - name: c\n    utterances: [{start: 0, end: 1, text: hello}]\n    fires: [a]\n"
    )
    result = runner.invoke(main, ["rules", "test", str(failing)])
    assert result.exit_code == 1 and "FAIL c" in result.output and "rule a should fire but did not" in result.output


def test_run_with_rules_on_transcript_input(tmp_path: Path):
    call = tmp_path / "call.json"
    call.write_text(
        json.dumps(
            {
                "language": "en",
                "utterances": [
                    {"start": 0.5, "end": 3, "text": "Hello, my name is Alex, how can I help?", "speaker": "A"},
                    {"start": 3.5, "end": 6, "text": "I want to invest in a fund.", "speaker": "B"},
                    {"start": 6.5, "end": 9, "text": "This fund has guaranteed returns.", "speaker": "A"},
                ],
            }
        )
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(call), "--out", str(out), "--rules", "bank-en"])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "calls" / "call.json").read_text())
    assert data["diarization"]["roles"]["A"]["role"] == "agent"  # assigned from phrases
    fired = {f["rule_id"] for f in data["findings"]}
    assert {"forbid.guaranteed_returns", "disclose.investment_risk"} <= fired
    assert "greet.identify" not in fired
    promise = next(f for f in data["findings"] if f["rule_id"] == "forbid.guaranteed_returns")
    assert (promise["role"], promise["utterance"], promise["auto_fail"]) == ("agent", 2, True)
    assert data["metrics"]["talk_s"]["agent"] > 0
    assert data["versions"]["rules"] == "bank-en@1.0.0" and len(data["versions"]["rules_sha256"]) == 64


def test_a_pack_needing_times_refuses_transcripts_without_them_before_the_run(tmp_path: Path):
    (tmp_path / "a.json").write_text(json.dumps([{"start": 0, "end": 0, "text": "hello", "role": "agent"}]))
    (tmp_path / "b.json").write_text(json.dumps([{"start": 0, "end": 2, "text": "hello", "role": "agent"}]))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(tmp_path), "--out", str(out), "--rules", "bank-en"])
    assert result.exit_code == 1
    assert "needs times (missing in a.json)" in result.output and "rules.input" in result.output
    assert not (out / "calls").exists()
