"""The auditor's filters, as SQL on the store's indexed columns (the same on SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, exists, or_, select

from store import schema

KINDS = ("script", "pii", "emotion", "metric")
SEVERITIES = ("critical", "major", "minor", "info")
VERDICTS = ("agree", "disagree", "none")


@dataclass(frozen=True)
class Filters:
    rules: tuple[str, ...] = ()  # exact ids, or a prefix ending in * (``pii.*``)
    kinds: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    entity_types: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    since: str | None = None  # the call's start, ISO date or date-time, inclusive
    until: str | None = None  # exclusive; a bare date means the whole of that day is included
    runs: tuple[str, ...] = ()
    auto_fail: bool | None = None
    verdict: str | None = None  # agree | disagree | none (no verdict yet)
    roles: tuple[str, ...] = ()

    def validate(self) -> None:
        for values, allowed, what in (
            (self.kinds, KINDS, "kind"),
            (self.severities, SEVERITIES, "severity"),
            ((self.verdict,) if self.verdict else (), VERDICTS, "verdict"),
        ):
            for v in values:
                if v not in allowed:
                    raise ValueError(f"{what} {v!r} is not one of {', '.join(allowed)}")
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                bound(value, end=name == "until")


def bound(value: str, *, end: bool = False) -> str:
    """An ISO date or date-time as the text the store compares (a bare ``until`` date is the next day)."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return (day + timedelta(days=1)).isoformat() if end else day.isoformat()
        return datetime.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"{value!r} is not a date (2026-11-01) or date-time (2026-11-01T09:30:00)") from None


def finding_conditions(f: Filters) -> list[Any]:
    """WHERE clauses on ``findings`` (its copied agent, team, queue and call start are indexed)."""
    t = schema.findings.c
    out: list[Any] = []
    if f.rules:
        out.append(or_(*(t.rule_id.like(r[:-1] + "%") if r.endswith("*") else t.rule_id == r for r in f.rules)))
    for column, values in ((t.kind, f.kinds), (t.severity, f.severities), (t.entity_type, f.entity_types)):
        if values:
            out.append(column.in_(values))
    out += _who(t.agent_id, t.team, t.queue, t.call_started_at, f)
    if f.roles:
        out.append(t.role.in_(f.roles))
    if f.auto_fail is not None:
        out.append(t.auto_fail.is_(True) if f.auto_fail else or_(t.auto_fail.is_(False), t.auto_fail.is_(None)))
    if f.runs:  # the run's calls first (indexed), then their findings by call id
        c = schema.calls.c
        out.append(t.call_id.in_(select(c.call_id).where(c.run_id.in_(f.runs))))
    if f.verdict:
        v = schema.verdicts.c
        given = exists().where(and_(v.call_id == t.call_id, v.finding_idx == t.idx))
        if f.verdict == "none":
            out.append(~given)
        else:
            latest = select(v.verdict).where(and_(v.call_id == t.call_id, v.finding_idx == t.idx))
            out.append(latest.order_by(v.at.desc(), v.id.desc()).limit(1).scalar_subquery() == f.verdict)
    return out


def call_conditions(f: Filters) -> list[Any]:
    """WHERE clauses on ``calls`` for the filters that concern a whole call."""
    c = schema.calls.c
    out = _who(c.agent_id, c.team, c.queue, c.started_at, f)
    if f.runs:
        out.append(c.run_id.in_(f.runs))
    if f.auto_fail is not None:
        out.append(c.auto_failed.is_(True) if f.auto_fail else or_(c.auto_failed.is_(False), c.auto_failed.is_(None)))
    return out


def _who(agent: Any, team: Any, queue: Any, started: Any, f: Filters) -> list[Any]:
    out: list[Any] = []
    for column, values in ((agent, f.agents), (team, f.teams), (queue, f.queues)):
        if values:
            out.append(column.in_(values))
    if f.since:
        out.append(started >= bound(f.since))
    if f.until:
        out.append(started < bound(f.until, end=True))
    return out


def where(query: Select[Any], conditions: list[Any]) -> Select[Any]:
    return query.where(and_(*conditions)) if conditions else query
