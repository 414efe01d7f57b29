"""A call's JSON (schema v1, masked) as the rows of each store table."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def call_rows(call: Mapping[str, Any], run_id: str, size: int | None, mtime_ns: int | None, now: str) -> dict[str, Any]:
    call_id = str(call["call_id"])
    meta = dict(call.get("metadata") or {})
    versions = dict(call.get("versions") or {})
    score = call.get("score") or None
    error = call.get("error") or {}
    findings = list(call.get("findings") or ())
    utterances = list(call.get("utterances") or ())
    audio = call.get("audio") or {}
    started = _text(meta.get("started_at"))
    who = {"agent_id": _text(meta.get("agent_id")), "team": _text(meta.get("team")), "queue": _text(meta.get("queue"))}
    pack = versions.get("rules")
    calls = {
        "call_id": call_id,
        "run_id": run_id,
        "status": call.get("status"),
        "error_code": error.get("code"),
        "error_message": error.get("message"),
        "source_path": (call.get("source") or {}).get("path"),
        "sha256": (call.get("source") or {}).get("sha256"),
        "size": size,
        "mtime_ns": mtime_ns,
        "work_key": versions.get("work_key"),
        "rules_key": versions.get("rules_key"),
        **who,
        "started_at": started,
        "language": call.get("language"),
        "duration_s": audio.get("duration_s") if audio else _transcript_length(utterances),
        "utterance_count": len(utterances),
        "finding_count": len(findings),
        "score_total": score.get("total") if score else None,
        "score_max": score.get("max") if score else None,
        "passed": score.get("passed") if score else None,
        "auto_failed": bool(score.get("auto_fail")) if score else None,
        "total_before_auto_fail": score.get("total_before_auto_fail") if score else None,
        "pack": pack,
        "pack_sha256": versions.get("rules_sha256"),
        "asr_model": versions.get("asr_model"),
        "diarization": (call.get("diarization") or {}).get("method"),
        "metadata": as_json(meta),
        "metrics": as_json(call.get("metrics")),
        "emotion": as_json(call.get("emotion")),
        "score": as_json(score),
        "versions": as_json(versions),
        "warnings": as_json(call.get("warnings")),
        "saved_at": now,
    }
    moved: dict[int, float] = {}
    for m in (score or {}).get("moved_by") or ():
        moved[int(m["finding"])] = moved.get(int(m["finding"]), 0.0) + float(m["points"])
    return {
        "calls": calls,
        "utterances": [_utterance(call_id, i, u) for i, u in enumerate(utterances)],
        "findings": [
            _finding(call_id, i, f, moved.get(i), {**who, "call_started_at": started}) for i, f in enumerate(findings)
        ],
        "pii": [_pii(call_id, i, p) for i, p in enumerate(call.get("pii") or ())],
        "sections": [
            {
                "call_id": call_id,
                "section": name,
                "title": d.get("title"),
                "weight": d.get("weight"),
                "max": d.get("max"),
                "score": d.get("score"),
                "applicable": d.get("applicable"),
            }
            for name, d in ((score or {}).get("section_details") or {}).items()
        ],
    }


def _utterance(call_id: str, i: int, u: Mapping[str, Any]) -> dict[str, Any]:
    sentiment = u.get("sentiment") or {}
    return {
        "call_id": call_id,
        "idx": i,
        "utterance_id": u.get("id"),
        "speaker": u.get("speaker"),
        "role": u.get("role"),
        "channel": u.get("channel"),
        "start_s": u.get("start"),
        "end_s": u.get("end"),
        "text": u.get("text"),
        "sentiment": sentiment.get("label"),
        "valence": sentiment.get("valence"),
        "arousal": sentiment.get("arousal"),
    }


def _finding(call_id: str, i: int, f: Mapping[str, Any], moved: float | None, who: dict[str, Any]) -> dict[str, Any]:
    entity = f.get("entity")
    return {
        "call_id": call_id,
        "idx": i,
        "rule_id": f.get("rule_id"),
        "kind": f.get("kind"),
        "severity": f.get("severity"),
        "section": f.get("section"),
        "points": f.get("points"),
        "moved_points": moved,
        "auto_fail": f.get("auto_fail"),
        "role": f.get("role"),
        "start_s": f.get("start"),
        "end_s": f.get("end"),
        "utterance_id": f.get("utterance"),
        "evidence": f.get("evidence"),
        "explanation": f.get("explanation"),
        "entity_type": entity.get("type") if isinstance(entity, Mapping) else entity,
        "pack": f.get("pack"),
        **who,
    }


def _pii(call_id: str, i: int, p: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "idx": i,
        "type": p.get("type"),
        "role": p.get("role"),
        "utterance_id": p.get("utterance"),
        "channel": p.get("channel"),
        "start_s": p.get("start"),
        "end_s": p.get("end"),
        "mask": p.get("mask"),
        "detector": p.get("detector"),
    }


def _transcript_length(utterances: list[Any]) -> float | None:
    return max((float(u.get("end") or 0.0) for u in utterances), default=None) if utterances else None


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def as_json(value: Any) -> str | None:
    """JSON blocks as text: portable across SQLite and PostgreSQL."""
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
