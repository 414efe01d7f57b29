"""``callqa violations``: findings across every stored call, filtered and grouped in SQL."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import case, func, select

from audit.filters import Filters, finding_conditions, where
from store import Store, schema

GroupBy = Literal["rule", "agent", "team", "day"]

COLUMNS = (
    "call_id",
    "started_at",
    "agent_id",
    "finding",
    "rule_id",
    "explanation",
    "severity",
    "kind",
    "role",
    "start_s",
    "end_s",
    "evidence",
    "entity_type",
    "verdict",
    "page",
)


def violations(store: Store, filters: Filters, limit: int | None = None) -> list[dict[str, Any]]:
    """One row per finding, newest call first: who, when, which rule, the masked words, and the
    review page's link (relative to the site ``callqa review`` writes)."""
    f = schema.findings.c
    v = schema.verdicts.c
    verdict = (
        select(v.verdict)
        .where(v.call_id == f.call_id, v.finding_idx == f.idx)
        .order_by(v.at.desc(), v.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query: Any = select(
        f.call_id,
        f.call_started_at.label("started_at"),
        f.agent_id,
        f.idx.label("finding"),
        f.rule_id,
        f.explanation,
        f.severity,
        f.kind,
        f.role,
        f.start_s,
        f.end_s,
        f.evidence,
        f.entity_type,
        verdict.label("verdict"),
    )
    query = where(query, finding_conditions(filters)).order_by(f.call_started_at.desc(), f.call_id, f.idx)
    if limit:
        query = query.limit(limit)
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        row["page"] = page_link(row["call_id"], row["finding"])
    return rows


def grouped(store: Store, filters: Filters, by: GroupBy) -> list[dict[str, Any]]:
    """Counts of findings (and of calls they are in) per rule, agent, team or day."""
    f = schema.findings.c
    key: Any = {
        "rule": f.rule_id,
        "agent": f.agent_id,
        "team": f.team,
        "day": func.substr(f.call_started_at, 1, 10),
    }[by]
    query = select(
        key.label(by),
        func.count().label("findings"),
        func.count(func.distinct(f.call_id)).label("calls"),
        func.sum(case((f.severity == "critical", 1), else_=0)).label("critical"),
    )
    query = where(query, finding_conditions(filters)).group_by(key).order_by(func.count().desc(), key)
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def page_link(call_id: str, finding: int | None = None) -> str:
    """The call's page in the review site, relative to the site's root."""
    from review.names import call_page

    return call_page(call_id) + (f"#f{finding}" if finding is not None else "")
