"""Coaches' verdicts on findings, and calibration: which rules coaches keep disagreeing with.

A verdict names its finding by the call, the finding's index and rule, and its start time; the
time and rule find it again after the call is re-scored (indices can shift when a pack changes).
A ``disagree`` verdict takes the finding out of the call's score the next time the call is
scored: the next ``callqa run`` re-scores every call with a new verdict (its ``rules_key``
includes them), without ASR.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, insert, select

from qa.errors import CallqaError
from scoring.callscore import Overrule
from store import Store, schema


def mark(store: Store, call_id: str, finding: int, verdict: str, by: str, note: str | None = None) -> dict[str, Any]:
    if verdict not in ("agree", "disagree"):
        raise ValueError(f"verdict {verdict!r} is not agree or disagree")
    if not by.strip():
        raise ValueError("say who gives the verdict (--by NAME)")
    f = schema.findings.c
    with store.engine.begin() as conn:
        row = conn.execute(
            select(f.rule_id, f.start_s, f.severity).where(f.call_id == call_id, f.idx == finding)
        ).first()
        if row is None:
            count = conn.execute(select(func.count()).where(f.call_id == call_id)).scalar() or 0
            known = f"it has findings 0–{count - 1}" if count else "it has no findings (or is not in the store)"
            raise CallqaError("input.not_found", f"call {call_id!r} has no finding {finding}: {known}")
        record = {
            "call_id": call_id,
            "finding_idx": finding,
            "rule_id": row.rule_id,
            "start_s": row.start_s,
            "verdict": verdict,
            "note": note,
            "by": by.strip(),
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        conn.execute(insert(schema.verdicts).values(**record))
    return record


def overrules(store: Store) -> dict[str, tuple[Overrule, ...]]:
    """Per call, the findings whose latest verdict is ``disagree``."""
    v = schema.verdicts.c
    latest: dict[tuple[str, int], tuple[str, str, float | None]] = {}
    with store.engine.connect() as conn:
        for row in conn.execute(select(v.call_id, v.finding_idx, v.rule_id, v.start_s, v.verdict).order_by(v.at, v.id)):
            latest[(row.call_id, row.finding_idx)] = (row.verdict, row.rule_id, row.start_s)
    out: dict[str, list[Overrule]] = {}
    for (call_id, _), (verdict, rule_id, start) in latest.items():
        if verdict == "disagree":
            out.setdefault(call_id, []).append((rule_id, start))
    return {k: tuple(sorted(v, key=lambda o: (o[0], o[1] or 0.0))) for k, v in out.items()}


def digest(overrule: Iterable[Overrule]) -> str | None:
    items = list(overrule)
    return hashlib.sha256(json.dumps(items).encode()).hexdigest() if items else None


def calibration(store: Store) -> list[dict[str, Any]]:
    """Per rule: findings, verdicts, how often coaches disagreed (latest verdict per finding)."""
    v, f = schema.verdicts.c, schema.findings.c
    newest = select(v.call_id, v.finding_idx, func.max(v.id).label("id")).group_by(v.call_id, v.finding_idx).subquery()
    latest = select(v.rule_id, v.verdict).join(newest, v.id == newest.c.id).subquery()
    counts = (
        select(
            latest.c.rule_id,
            func.count().label("verdicts"),
            func.sum(case((latest.c.verdict == "disagree", 1), else_=0)).label("disagree"),
        )
        .group_by(latest.c.rule_id)
        .subquery()
    )
    findings = select(f.rule_id, func.count().label("findings")).group_by(f.rule_id).subquery()
    query = select(counts.c.rule_id, findings.c.findings, counts.c.verdicts, counts.c.disagree).join(
        findings, findings.c.rule_id == counts.c.rule_id, isouter=True
    )
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        row["findings"] = row["findings"] or 0
        row["disagree_rate"] = round(row["disagree"] / row["verdicts"], 3) if row["verdicts"] else 0.0
    return sorted(rows, key=lambda r: (-r["disagree_rate"], -r["verdicts"], r["rule_id"]))
