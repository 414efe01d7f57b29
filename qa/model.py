"""The artifacts passed from stage to stage, one immutable dataclass each.

Every artifact has ``to_dict()`` and ``from_dict()``; ``CallResult.to_dict()`` is exactly the
per-call output of schema v1 (``qa/schema/call-v1.schema.json``). Stages return new objects and
never change their inputs. Times are seconds from the start of the recording.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

import numpy as np

SCHEMA_VERSION = 1

Role = Literal["agent", "customer", "unknown"]
ROLES: tuple[str, ...] = ("agent", "customer", "unknown")
Status = Literal["ok", "failed"]


def _r(x: float) -> float:
    """Round times to milliseconds so outputs are stable and diffable."""
    return round(float(x), 3)


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str
    p: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"start": _r(self.start), "end": _r(self.end), "text": self.text, "p": round(self.p, 3)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Word:
        return cls(float(d["start"]), float(d["end"]), str(d["text"]), float(d.get("p", 1.0)))


@dataclass(frozen=True)
class Utterance:
    id: int
    role: Role
    speaker: str
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    channel: int | None = None
    # emotion of this utterance (scoring.emotion): label, score (= valence), valence, arousal, …
    sentiment: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "role": self.role,
            "speaker": self.speaker,
            "channel": self.channel,
            "start": _r(self.start),
            "end": _r(self.end),
            "text": self.text,
            "words": [w.to_dict() for w in self.words],
        }
        if self.sentiment is not None:
            d["sentiment"] = dict(self.sentiment)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Utterance:
        role = d.get("role", "unknown")
        if role not in ROLES:
            raise ValueError(f"utterance {d.get('id')}: role {role!r} is not one of {', '.join(ROLES)}")
        channel = d.get("channel")
        return cls(
            id=int(d["id"]),
            role=role,
            speaker=str(d.get("speaker", "SPEAKER_00")),
            start=float(d["start"]),
            end=float(d["end"]),
            text=str(d["text"]),
            words=tuple(Word.from_dict(w) for w in d.get("words") or ()),
            channel=None if channel is None else int(channel),
            sentiment=dict(d["sentiment"]) if isinstance(d.get("sentiment"), Mapping) else None,
        )


@dataclass(frozen=True)
class SpeakerTurn:
    """One stretch of speech by one speaker (RTTM's SPEAKER line)."""

    speaker: str
    start: float
    end: float
    channel: int | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        return {"speaker": self.speaker, "start": _r(self.start), "end": _r(self.end), "channel": self.channel}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SpeakerTurn:
        ch = d.get("channel")
        return cls(str(d["speaker"]), float(d["start"]), float(d["end"]), None if ch is None else int(ch))


@dataclass(frozen=True)
class SpeechRegion:
    """A stretch of one channel that voice activity detection says holds speech."""

    channel: int
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class SpeakerTurns:
    """Who spoke when, before anyone knows which speaker is the agent.

    ``speech`` is where ASR should listen: whole VAD regions, which speaker changes inside a
    mono region do not cut (cutting there would cut words).
    """

    method: str
    turns: tuple[SpeakerTurn, ...]
    speakers: tuple[str, ...]
    speech: tuple[SpeechRegion, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "speakers": list(self.speakers), "turns": [t.to_dict() for t in self.turns]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SpeakerTurns:
        return cls(str(d["method"]), tuple(SpeakerTurn.from_dict(t) for t in d["turns"]), tuple(d["speakers"]))


@dataclass(frozen=True)
class RoleAssignment:
    """Which role one speaker plays, how sure we are, and why."""

    speaker: str
    role: Role
    confidence: float
    method: str  # channel_map | metadata | phrases | default
    evidence: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "confidence": round(self.confidence, 3),
            "method": self.method,
            "evidence": list(self.evidence),
        }

    @classmethod
    def from_dict(cls, speaker: str, d: Mapping[str, Any]) -> RoleAssignment:
        return cls(speaker, d["role"], float(d["confidence"]), str(d["method"]), tuple(d.get("evidence", ())))


@dataclass(frozen=True)
class Transcript:
    """Utterances in time order, each with a role; the ASR stage's product."""

    language: str | None
    utterances: tuple[Utterance, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"language": self.language, "utterances": [u.to_dict() for u in self.utterances]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Transcript:
        return cls(d.get("language"), tuple(Utterance.from_dict(u) for u in d.get("utterances", ())))

    @property
    def has_word_times(self) -> bool:
        return bool(self.utterances) and all(u.words for u in self.utterances)


@dataclass(frozen=True)
class AudioInfo:
    duration_s: float
    sample_rate: int  # of the source file; everything downstream works at 16 kHz
    channels: int
    codec: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "duration_s": _r(self.duration_s),
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "codec": self.codec,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AudioInfo:
        return cls(float(d["duration_s"]), int(d["sample_rate"]), int(d["channels"]), str(d.get("codec", "")))


@dataclass(frozen=True)
class Source:
    path: str
    sha256: str | None
    kind: Literal["audio", "transcript"] = "audio"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "kind": self.kind}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Source:
        return cls(str(d["path"]), d.get("sha256"), d.get("kind", "audio"))


@dataclass(frozen=True)
class Issue:
    """A stable code and a readable message: an error that failed a call, or a warning."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Issue:
        return cls(str(d["code"]), str(d["message"]))


@dataclass(frozen=True)
class Diarization:
    method: str
    speakers: int
    roles: tuple[RoleAssignment, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "speakers": self.speakers,
            "roles": {r.speaker: r.to_dict() for r in self.roles},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Diarization:
        roles = tuple(RoleAssignment.from_dict(s, r) for s, r in (d.get("roles") or {}).items())
        return cls(str(d["method"]), int(d["speakers"]), roles)


@dataclass(frozen=True)
class CallResult:
    """Everything known about one call: the output contract, schema v1."""

    call_id: str
    status: Status
    source: Source
    error: Issue | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    audio: AudioInfo | None = None
    language: str | None = None
    diarization: Diarization | None = None
    utterances: tuple[Utterance, ...] = ()
    metrics: Mapping[str, Any] = field(default_factory=dict)
    findings: tuple[Mapping[str, Any], ...] = ()
    emotion: Mapping[str, Any] = field(default_factory=dict)
    pii: tuple[Mapping[str, Any], ...] = ()  # sensitive data found, masked: type, role, times, mask
    score: Mapping[str, Any] | None = None
    timings: Mapping[str, float] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[Issue, ...] = ()
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "call_id": self.call_id,
            "status": self.status,
            "error": self.error.to_dict() if self.error else None,
            "warnings": [w.to_dict() for w in self.warnings],
            "source": self.source.to_dict(),
            "metadata": dict(self.metadata),
            "audio": self.audio.to_dict() if self.audio else None,
            "language": self.language,
            "diarization": self.diarization.to_dict() if self.diarization else None,
            "utterances": [u.to_dict() for u in self.utterances],
            "metrics": dict(self.metrics),
            "findings": [dict(f) for f in self.findings],
            "emotion": dict(self.emotion),
            "pii": [dict(p) for p in self.pii],
            "score": dict(self.score) if self.score is not None else None,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "versions": dict(self.versions),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CallResult:
        version = d.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(f"schema_version {version!r} is not supported (this callqa reads {SCHEMA_VERSION})")
        return cls(
            call_id=str(d["call_id"]),
            status=d["status"],
            source=Source.from_dict(d["source"]),
            error=Issue.from_dict(d["error"]) if d.get("error") else None,
            metadata=dict(d.get("metadata") or {}),
            audio=AudioInfo.from_dict(d["audio"]) if d.get("audio") else None,
            language=d.get("language"),
            diarization=Diarization.from_dict(d["diarization"]) if d.get("diarization") else None,
            utterances=tuple(Utterance.from_dict(u) for u in d.get("utterances") or ()),
            metrics=dict(d.get("metrics") or {}),
            findings=tuple(dict(f) for f in d.get("findings") or ()),
            emotion=dict(d.get("emotion") or {}),
            pii=tuple(dict(p) for p in d.get("pii") or ()),
            score=dict(d["score"]) if d.get("score") is not None else None,
            timings=dict(d.get("timings") or {}),
            versions=dict(d.get("versions") or {}),
            warnings=tuple(Issue.from_dict(w) for w in d.get("warnings") or ()),
        )

    def with_(self, **changes: Any) -> CallResult:
        return replace(self, **changes)


def renumber(utterances: Sequence[Utterance]) -> tuple[Utterance, ...]:
    """Sort utterances by time (then channel) and give them ids 0..n-1 in that order."""
    ordered = sorted(utterances, key=lambda u: (u.start, u.end, u.channel or 0))
    return tuple(replace(u, id=i) for i, u in enumerate(ordered))


class Pcm(Protocol):
    """Decoded audio at 16 kHz, read a slice at a time so long calls need not sit in memory."""

    sample_rate: int
    channels: int
    frames: int

    def read(self, channel: int, start: float = 0.0, end: float | None = None) -> np.ndarray:
        """float32 samples of one channel between two times in seconds."""
        ...


@dataclass(frozen=True)
class Audio:
    """A decoded recording: what it was, and its samples at 16 kHz with channels kept."""

    source: Source
    info: AudioInfo
    pcm: Pcm

    @property
    def duration(self) -> float:
        return self.pcm.frames / self.pcm.sample_rate
