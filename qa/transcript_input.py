"""A transcript JSON in place of audio: from another ASR system, or a callqa output to re-check.

Accepted shapes: a callqa call JSON (schema v1), ``{"utterances": [...], "language": ...}``, or a
bare list of utterances. Utterances need ``start``, ``end`` and ``text``; ``id``, ``role``,
``speaker``, ``channel`` and ``words`` are optional.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qa.audio import sha256_of
from qa.errors import CallqaError
from qa.model import ROLES, CallResult, Diarization, Source, Utterance, renumber


def load_transcript(path: Path, call_id: str, metadata: dict[str, Any]) -> CallResult:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise CallqaError("transcript.invalid", f"{path.name}: not UTF-8 text") from e
    except json.JSONDecodeError as e:
        raise CallqaError("transcript.invalid", f"{path.name}: not valid JSON ({e.msg} at line {e.lineno})") from e
    except FileNotFoundError as e:
        raise CallqaError("input.not_found", f"{path.name}: no such file (moved or deleted?)") from e
    except OSError as e:
        raise CallqaError("input.unreadable", f"{path.name}: cannot be read ({e.strerror or type(e).__name__})") from e
    source = Source(str(path), sha256_of(path), "transcript")
    if isinstance(data, dict) and "schema_version" in data:
        try:
            prior = CallResult.from_dict(data)
        except (KeyError, TypeError, ValueError) as e:
            raise CallqaError("transcript.invalid", f"{path.name}: not a valid callqa call JSON ({e})") from e
        return prior.with_(call_id=call_id, source=source, metadata={**prior.metadata, **metadata})
    items = data.get("utterances") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise CallqaError(
            "transcript.invalid", f"{path.name}: expected a list of utterances or {{'utterances': [...]}}"
        )
    utterances = tuple(_utterance(i, u, path) for i, u in enumerate(items))
    extra = data.get("metadata", {}) if isinstance(data, dict) else {}
    speakers = sorted({u.speaker for u in utterances})
    return CallResult(
        call_id=call_id,
        status="ok",
        source=source,
        metadata={**extra, **metadata},
        language=data.get("language") if isinstance(data, dict) else None,
        diarization=Diarization("transcript", len(speakers)),
        utterances=renumber(utterances),
    )


def _utterance(i: int, u: Any, path: Path) -> Utterance:
    if not isinstance(u, dict):
        raise CallqaError("transcript.invalid", f"{path.name}: utterance {i} is not an object")
    missing = [k for k in ("start", "end", "text") if k not in u]
    if missing:
        raise CallqaError("transcript.invalid", f"{path.name}: utterance {i} lacks {', '.join(missing)}")
    if u.get("role", "unknown") not in ROLES:
        raise CallqaError(
            "transcript.invalid",
            f"{path.name}: utterance {i} has role {u.get('role')!r}; use one of {', '.join(ROLES)}",
        )
    try:
        utt = Utterance.from_dict({"id": i, **u})
    except (KeyError, TypeError, ValueError) as e:
        raise CallqaError("transcript.invalid", f"{path.name}: utterance {i}: {type(e).__name__}") from e
    if utt.end < utt.start:
        raise CallqaError("transcript.invalid", f"{path.name}: utterance {i} ends before it starts")
    return utt


def provides(result: CallResult) -> frozenset[str]:
    """What a transcript gives rule checks: ``times`` unless every time is zero (exports from
    systems that keep none), ``roles`` when roles are given or two speakers can be told apart."""
    out = set()
    if any(u.end > 0 for u in result.utterances):
        out.add("times")
    if any(u.role != "unknown" for u in result.utterances) or len({u.speaker for u in result.utterances}) > 1:
        out.add("roles")
    return frozenset(out)
