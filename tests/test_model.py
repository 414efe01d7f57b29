"""The data model and the output contract (schema v1)."""

from __future__ import annotations

import jsonschema
import pytest

from qa.model import (
    AudioInfo,
    CallResult,
    Diarization,
    Issue,
    RoleAssignment,
    Source,
    SpeakerTurn,
    SpeakerTurns,
    Utterance,
    Word,
    renumber,
)
from qa.schema import call_schema


def _result() -> CallResult:
    words = (Word(0.52, 0.8, "您好", 0.93), Word(0.8, 1.4, "工号1024", 0.88))
    utt = Utterance(0, "agent", "SPEAKER_00", 0.52, 1.4, "您好工号1024", words, 0)
    return CallResult(
        call_id="2026-11-21_A1024_000123",
        status="ok",
        source=Source("calls/a.wav", "a" * 64),
        metadata={"agent_id": "A1024"},
        audio=AudioInfo(312.4, 8000, 2, "pcm_s16le"),
        language="zh",
        diarization=Diarization("channels", 2, (RoleAssignment("SPEAKER_00", "agent", 1.0, "channel_map"),)),
        utterances=(utt,),
        timings={"decode_s": 0.1},
        versions={"callqa": "0.1.0"},
    )


def test_round_trip_is_lossless():
    r = _result()
    assert CallResult.from_dict(r.to_dict()) == r
    assert CallResult.from_dict(r.to_dict()).to_dict() == r.to_dict()


def test_output_matches_schema_v1():
    jsonschema.validate(_result().to_dict(), call_schema())


def test_failed_call_needs_an_error():
    failed = CallResult("x", "failed", Source("x.wav", None), error=Issue("audio.empty", "x.wav: empty")).to_dict()
    jsonschema.validate(failed, call_schema())
    failed["error"] = None
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(failed, call_schema())


def test_schema_rejects_a_bad_role():
    d = _result().to_dict()
    d["utterances"][0]["role"] = "supervisor"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(d, call_schema())


def test_artifacts_are_immutable():
    with pytest.raises(AttributeError):
        _result().status = "failed"  # type: ignore[misc]


def test_unknown_schema_version_is_refused():
    d = _result().to_dict()
    d["schema_version"] = 2
    with pytest.raises(ValueError, match="schema_version"):
        CallResult.from_dict(d)


def test_renumber_orders_by_time_then_channel():
    a = Utterance(9, "agent", "S0", 2.0, 3.0, "b", channel=0)
    b = Utterance(9, "customer", "S1", 1.0, 4.0, "a", channel=1)
    c = Utterance(9, "customer", "S1", 2.0, 3.0, "c", channel=1)
    out = renumber([a, b, c])
    assert [u.text for u in out] == ["a", "b", "c"]
    assert [u.id for u in out] == [0, 1, 2]


def test_speaker_turns_round_trip():
    t = SpeakerTurns("embedded", (SpeakerTurn("SPEAKER_00", 0.0, 1.5, 0),), ("SPEAKER_00",))
    assert SpeakerTurns.from_dict(t.to_dict()) == t
