"""Read what the review site shows from the results store: masked rows only, grouped per call.

Each call comes back in the shape of the v1 call JSON that ``scoring.scorecards`` reads (``score``,
``emotion``, ``metrics``, ``findings``, ``utterances``), so the site ranks "calls to review first"
and builds agent scorecards with exactly the logic the ``callqa scorecards`` command uses.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from scoring.scorecards import why_review
from store import Store, schema


@dataclass(frozen=True)
class Verdict:
    finding_idx: int
    verdict: str
    note: str | None
    by: str
    at: str


@dataclass
class CallView:
    """One call as the pages need it; ``call`` is its v1-shaped dict for ``scoring.scorecards``."""

    call_id: str
    agent_id: str
    started_at: str | None
    duration_s: float
    call: dict[str, Any]
    sections: list[dict[str, Any]] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    source_path: str | None = None

    @property
    def findings(self) -> list[dict[str, Any]]:
        return list(self.call["findings"])

    @property
    def utterances(self) -> list[dict[str, Any]]:
        return list(self.call["utterances"])

    @cached_property
    def reasons(self) -> list[str]:
        """Why a coach should hear it (``scoring.scorecards.why_review``), worked out once per call."""
        return why_review(self.call)

    @property
    def quiet(self) -> bool:
        """It passed and its only reason is its score: nothing for a coach to fix."""
        return bool((self.score or {}).get("passed")) and all(r.startswith("score ") for r in self.reasons)

    @property
    def score(self) -> Mapping[str, Any] | None:
        score = self.call.get("score")
        return score if isinstance(score, Mapping) and score.get("total") is not None else None


def load_calls(store: Store, since: str | None = None, until: str | None = None) -> list[CallView]:
    """Every analysed call (status ok) whose start is within ``since``..``until`` (ISO dates; a bare
    ``until`` date includes that day), oldest first. A few bulk queries, not one per call."""
    from sqlalchemy import select

    from audit.filters import bound

    c = schema.calls.c
    conditions = [c.status == "ok"]
    if since:
        conditions.append(c.started_at >= bound(since))
    if until:
        conditions.append(c.started_at < bound(until, end=True))
    # the child rows of the chosen calls only, by the calls' indexed columns (a week of a big store)
    chosen = select(c.call_id).where(*conditions)
    with store.engine.connect() as conn:
        rows = list(conn.execute(select(schema.calls).where(*conditions).order_by(c.started_at, c.call_id)))
        children = {t.name: _children(conn, t, chosen) for t in (schema.findings, schema.utterances, schema.sections)}
        verdicts = _verdicts(conn, chosen)
    return [
        _view(
            dict(r._mapping),
            children["findings"].get(r.call_id, []),
            children["utterances"].get(r.call_id, []),
            children["sections"].get(r.call_id, []),
            verdicts.get(r.call_id, []),
        )
        for r in rows
    ]


def _children(conn: Any, table: Any, chosen: Any) -> dict[str, list[dict[str, Any]]]:
    from sqlalchemy import select

    order = [table.c.call_id, table.c.idx] if "idx" in table.c else [table.c.call_id]
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in conn.execute(select(table).where(table.c.call_id.in_(chosen)).order_by(*order)):
        out[row.call_id].append(dict(row._mapping))
    return out


def _verdicts(conn: Any, chosen: Any) -> dict[str, list[Verdict]]:
    from sqlalchemy import select

    v = schema.verdicts.c
    out: dict[str, list[Verdict]] = defaultdict(list)
    query = select(schema.verdicts).where(v.call_id.in_(chosen)).order_by(v.call_id, v.finding_idx, v.at, v.id)
    for row in conn.execute(query):
        out[row.call_id].append(Verdict(int(row.finding_idx), str(row.verdict), row.note, str(row.by), str(row.at)))
    return out


def _view(
    row: Mapping[str, Any],
    findings: list[dict[str, Any]],
    utterances: list[dict[str, Any]],
    sections: list[dict[str, Any]],
    verdicts: list[Verdict],
) -> CallView:
    meta = _json(row["metadata"]) or {}
    call = {
        "call_id": row["call_id"],
        "status": row["status"],
        "metadata": meta,
        "score": _json(row["score"]),
        "emotion": _json(row["emotion"]) or {},
        "metrics": _json(row["metrics"]) or {},
        "findings": [_finding(f) for f in findings],
        "utterances": [_utterance(u) for u in utterances],
    }
    duration = row["duration_s"] or max((u["end"] or 0.0 for u in call["utterances"]), default=0.0)
    return CallView(
        call_id=str(row["call_id"]),
        agent_id=str(row["agent_id"] or "unknown"),
        started_at=row["started_at"],
        duration_s=float(duration or 0.0),
        call=call,
        sections=sections,
        verdicts=verdicts,
        source_path=row["source_path"],
    )


def _finding(f: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "idx": f["idx"],
        "rule_id": f["rule_id"],
        "kind": f["kind"],
        "severity": f["severity"] or "",
        "section": f["section"],
        "points": f["points"],
        "moved_points": f["moved_points"],
        "auto_fail": bool(f["auto_fail"]),
        "role": f["role"],
        "start": f["start_s"],
        "end": f["end_s"],
        "utterance": f["utterance_id"],
        "evidence": f["evidence"],
        "explanation": f["explanation"],
        "entity_type": f["entity_type"],
    }


def _utterance(u: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": u["utterance_id"],
        "role": u["role"],
        "speaker": u["speaker"],
        "start": u["start_s"],
        "end": u["end_s"],
        "text": u["text"],
        "sentiment": {"label": u["sentiment"], "valence": u["valence"], "arousal": u["arousal"]},
    }


def _json(text: str | None) -> Any:
    return json.loads(text) if text else None
