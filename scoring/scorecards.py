"""Scorecards over many calls: per agent, team or queue, per day, week, month or all time.

Input is the v1 call JSON that ``callqa run`` writes (``RUN_DIR/calls/<call_id>.json``). A group's
key comes from the call's metadata (``agent_id``, ``team``, ``queue``; "unknown" when missing) and
its period from ``metadata.started_at`` ("undated" when missing or not ISO 8601; with ``since`` or
``until`` such calls are left out, since nobody can say they fall in the range).

Failed calls are counted and nothing else. A call without a score (no rule pack) still counts for
the talk and emotion numbers. Section averages skip calls where the section was N/A, and are given
both in scaled points and as a percentage of the section's maximum: weights differ and rebalance
per call, so only the percentage compares sections with each other ("weakest section").
"""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from batch.metadata import Manifest, merge_metadata, parse_filename, parse_started_at

By = Literal["agent", "team", "queue"]
Period = Literal["day", "week", "month", "all"]
GROUP_KEYS: dict[str, str] = {"agent": "agent_id", "team": "team", "queue": "queue"}
PERIODS = ("day", "week", "month", "all")
UNKNOWN = "unknown"
UNDATED = "undated"
REVIEW_FIRST = 5
TOP_RULES = 5
DEAD_AIR_S = 10.0  # shorter gaps are ordinary pauses, not worth a coach's attention in a "why"
_SEVERITY_RANK = {"critical": 0, "major": 1, "minor": 2}
BUCKETS = tuple(f"{10 * i}-{10 * i + 9}" if i < 9 else "90-100" for i in range(10))


@dataclass(frozen=True)
class RuleCount:
    rule_id: str
    description: str
    severity: str
    count: int  # findings
    calls: int  # calls with at least one


@dataclass(frozen=True)
class Review:
    call_id: str
    why: str
    path: str  # the call's JSON, relative to its run folder
    run_dir: str
    score: float | None


@dataclass(frozen=True)
class Sentiment:
    calls: int  # calls with a customer start and end
    mean_change: float | None  # end − start
    improving: float | None  # share of those calls
    worsening: float | None


@dataclass(frozen=True)
class Talk:
    calls: int
    talk_ratio: float | None  # agent / (agent + customer)
    silence_s: float | None
    max_silence_s: float | None
    interruptions_agent: float | None  # per call
    interruptions_customer: float | None


@dataclass(frozen=True)
class GroupCard:
    """One group (agent, team or queue) over one period."""

    group: str
    period: str
    calls: int  # ok
    failed: int
    scored: int
    score_mean: float | None
    score_median: float | None
    score_min: float | None
    score_max: float | None
    distribution: Mapping[str, int]  # 10-point buckets of the score as % of its max
    passed: int
    pass_rate: float | None
    auto_fails: int
    sections: Mapping[str, float]  # mean scaled points
    sections_pct: Mapping[str, float]  # mean % of the section's maximum
    top_rules: tuple[RuleCount, ...]
    sentiment: Sentiment
    talk: Talk
    review_first: tuple[Review, ...]

    @property
    def weakest_section(self) -> str | None:
        return min(self.sections_pct, key=lambda s: (self.sections_pct[s], s)) if self.sections_pct else None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "weakest_section": self.weakest_section}


@dataclass(frozen=True)
class Scorecards:
    by: str
    period: str
    since: date | None
    until: date | None
    groups: tuple[GroupCard, ...]
    calls: int  # every call read, before the date filter
    excluded: int  # outside since/until, or undated while filtering
    duplicates: int = 0  # the same call (id and audio hash) in more than one run folder

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "period": self.period,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "calls": self.calls,
            "excluded": self.excluded,
            "duplicates": self.duplicates,
            "groups": [g.to_dict() for g in self.groups],
        }


# ---------------------------------------------------------------- reading


def load_calls(run_dirs: Sequence[Path], problems: list[str] | None = None) -> list[dict[str, Any]]:
    """Every call JSON under ``RUN_DIR/calls``; unreadable files are skipped and noted in ``problems``.

    Each call gets a ``_loaded`` entry (run folder and its path there) that outputs link to.
    ValueError for a folder that is not a run folder.
    """
    out: list[dict[str, Any]] = []
    for run_dir in run_dirs:
        calls = run_dir / "calls"
        if not run_dir.is_dir():
            raise ValueError(f"{run_dir}: no such folder")
        if not calls.is_dir():
            raise ValueError(
                f"{run_dir}: not a callqa run folder (it has no calls/ folder; give the folder --out named)"
            )
        for path in sorted(calls.glob("*.json")):
            if path.name.endswith(".unredacted.json") or path.name.startswith("."):
                continue
            call = _read_call(path, problems)
            if call is not None:
                call["_loaded"] = {"run_dir": str(run_dir), "path": path.relative_to(run_dir).as_posix()}
                out.append(call)
    return out


def _read_call(path: Path, problems: list[str] | None) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        _note(problems, f"{path.name}: skipped, not readable JSON ({type(e).__name__})")
        return None
    if not isinstance(data, dict) or data.get("schema_version") != 1 or "call_id" not in data:
        _note(problems, f"{path.name}: skipped, not a callqa v1 call result")
        return None
    return data


def _note(problems: list[str] | None, message: str) -> None:
    if problems is not None:
        problems.append(message)


def overlay_metadata(
    calls: Iterable[Mapping[str, Any]], manifest: Manifest | None = None, pattern: str | None = None
) -> list[dict[str, Any]]:
    """New call dicts whose metadata has the keys the call lacked filled from a manifest or pattern.

    The call's own metadata wins; then the manifest row (matched by call id, else by source path);
    then the filename pattern applied to the source path.
    """
    out = []
    for call in calls:
        source = str((call.get("source") or {}).get("path") or "")
        row = None
        if manifest is not None:
            row = manifest.for_call(str(call.get("call_id"))) or (manifest.for_path(Path(source)) if source else None)
        named = parse_filename(pattern, Path(source)) if pattern and source else {}
        metadata = merge_metadata(call.get("metadata") or {}, row.metadata if row else {}, named)
        out.append({**call, "metadata": metadata})
    return out


# ---------------------------------------------------------------- grouping


def build_scorecards(
    calls: Iterable[Mapping[str, Any]],
    by: By = "agent",
    period: Period = "all",
    since: date | None = None,
    until: date | None = None,
) -> Scorecards:
    if by not in GROUP_KEYS:
        raise ValueError(f"by {by!r} is not one of {', '.join(GROUP_KEYS)}")
    if period not in PERIODS:
        raise ValueError(f"period {period!r} is not one of {', '.join(PERIODS)}")
    if since and until and since > until:
        raise ValueError(f"since {since} is after until {until}")
    unique, duplicates = _dedupe(calls)
    buckets: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    excluded = 0
    for call in unique:
        meta = call.get("metadata") or {}
        day = _call_date(meta)
        if (since or until) and (day is None or (since and day < since) or (until and day > until)):
            excluded += 1
            continue
        buckets[(_group(meta, by), period_of(day, period))].append(call)
    order = sorted(buckets, key=lambda k: (k[0], k[1] == UNDATED, k[1]))
    groups = tuple(group_card(g, p, buckets[(g, p)]) for g, p in order)
    return Scorecards(by, period, since, until, groups, len(unique) + duplicates, excluded, duplicates)


def _dedupe(calls: Iterable[Mapping[str, Any]]) -> tuple[list[Mapping[str, Any]], int]:
    """The same recording analysed in two runs counts once (the later run folder given wins)."""
    keyed: dict[Any, Mapping[str, Any]] = {}
    total = 0
    for total, call in enumerate(calls, start=1):
        sha = (call.get("source") or {}).get("sha256")
        keyed[(call.get("call_id"), sha) if sha else total] = call
    return list(keyed.values()), total - len(keyed)


def _call_date(meta: Mapping[str, Any]) -> date | None:
    try:
        return parse_started_at(meta.get("started_at"))
    except ValueError:
        return None


def _group(meta: Mapping[str, Any], by: str) -> str:
    value = meta.get(GROUP_KEYS[by])
    return str(value).strip() if value is not None and str(value).strip() else UNKNOWN


def period_of(day: date | None, period: str) -> str:
    """``2026-11-21``, ``2026-W47`` (ISO week), ``2026-11``, or ``all``."""
    if period == "all":
        return "all"
    if day is None:
        return UNDATED
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day:%Y-%m}"


# ---------------------------------------------------------------- one group


def group_card(group: str, period: str, calls: Sequence[Mapping[str, Any]]) -> GroupCard:
    ok = [c for c in calls if c.get("status") == "ok"]
    scores = [s for s in (_score(c) for c in ok) if s is not None]
    totals = [float(s["total"]) for s in scores]
    passed = sum(s.get("passed") is True for s in scores)
    return GroupCard(
        group=group,
        period=period,
        calls=len(ok),
        failed=len(calls) - len(ok),
        scored=len(scores),
        score_mean=_mean(totals),
        score_median=_r(statistics.median(totals)) if totals else None,
        score_min=min(totals) if totals else None,
        score_max=max(totals) if totals else None,
        distribution=_distribution(scores),
        passed=passed,
        pass_rate=_r(passed / len(scores), 3) if scores else None,
        auto_fails=sum(s.get("auto_fail") is True for s in scores),
        sections=_section_means(scores, pct=False),
        sections_pct=_section_means(scores, pct=True),
        top_rules=top_rules(ok),
        sentiment=_sentiment(ok),
        talk=_talk(ok),
        review_first=review_first(ok),
    )


def _score(call: Mapping[str, Any]) -> Mapping[str, Any] | None:
    score = call.get("score")
    return score if isinstance(score, Mapping) and _num(score.get("total")) else None


def _distribution(scores: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(BUCKETS, 0)
    for s in scores:
        top = float(s.get("max") or 100.0)
        pct = 100.0 * float(s["total"]) / top if top > 0 else 0.0
        counts[BUCKETS[min(max(int(pct // 10), 0), 9)]] += 1
    return counts


def _section_means(scores: Sequence[Mapping[str, Any]], pct: bool) -> dict[str, float]:
    values: dict[str, list[float]] = defaultdict(list)
    for s in scores:
        for sid, raw in (s.get("sections") or {}).items():
            value = _f(raw)
            top = _f(((s.get("section_details") or {}).get(sid) or {}).get("max")) if pct else 100.0
            if value is not None and top:
                values[sid].append(value * 100.0 / top if pct else value)
    return {sid: _r(statistics.fmean(v)) for sid, v in values.items()}


def top_rules(calls: Sequence[Mapping[str, Any]], n: int = TOP_RULES) -> tuple[RuleCount, ...]:
    """Rules with findings that deduct or are neutral (bonus rules are not violations), most calls first."""
    count: Counter[str] = Counter()
    in_calls: Counter[str] = Counter()
    about: dict[str, tuple[str, str]] = {}
    for call in calls:
        seen = set()
        for f in call.get("findings") or ():
            if (_f(f.get("points")) or 0.0) > 0:
                continue
            rid = str(f.get("rule_id"))
            count[rid] += 1
            seen.add(rid)
            about.setdefault(rid, (describe(f.get("explanation")), str(f.get("severity") or "")))
        in_calls.update(seen)
    ranked = sorted(count, key=lambda r: (-in_calls[r], -count[r], _SEVERITY_RANK.get(about[r][1], 3), r))[:n]
    return tuple(RuleCount(r, about[r][0], about[r][1], count[r], in_calls[r]) for r in ranked)


def describe(explanation: Any) -> str:
    """The rule's own sentence: the engine writes "<rule description> (<why this call>)", and the
    why can hold brackets of its own ("(forbidden, found: rate = 207 (above 190))")."""
    text = str(explanation or "")
    if not text.endswith(")"):
        return text
    depth = 0
    for i in range(len(text) - 1, 0, -1):  # the "(" that matches the last ")", nested ones skipped
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            return text[:i].rstrip() if text[i - 1] == " " else text
    return text


def _sentiment(calls: Sequence[Mapping[str, Any]]) -> Sentiment:
    changes: list[float] = []
    trends: list[str] = []
    for call in calls:
        customer = (call.get("emotion") or {}).get("customer") or {}
        start, end = _f(customer.get("start")), _f(customer.get("end"))
        if start is None or end is None:
            continue
        changes.append(end - start)
        trend = customer.get("trend")
        trends.append(str(trend) if trend else "improving" if end > start else "worsening" if end < start else "flat")
    n = len(changes)
    return Sentiment(
        calls=n,
        mean_change=_mean(changes, 3),
        improving=_r(trends.count("improving") / n, 3) if n else None,
        worsening=_r(trends.count("worsening") / n, 3) if n else None,
    )


def _talk(calls: Sequence[Mapping[str, Any]]) -> Talk:
    measured = [c["metrics"] for c in calls if c.get("metrics")]
    ratios = []
    for m in measured:
        agent, customer = _f((m.get("talk_s") or {}).get("agent")), _f((m.get("talk_s") or {}).get("customer"))
        if agent is not None and customer is not None and agent + customer > 0:
            ratios.append(agent / (agent + customer))
    return Talk(
        calls=len(measured),
        talk_ratio=_mean(ratios, 3),
        silence_s=_mean_of(m.get("silence_s") for m in measured),
        max_silence_s=_mean_of(m.get("max_silence_s") for m in measured),
        interruptions_agent=_mean_of((m.get("interruptions") or {}).get("agent") for m in measured),
        interruptions_customer=_mean_of((m.get("interruptions") or {}).get("customer") for m in measured),
    )


# ---------------------------------------------------------------- review first


def review_first(calls: Sequence[Mapping[str, Any]], n: int = REVIEW_FIRST) -> tuple[Review, ...]:
    """The calls a coach should hear first: auto-fail, then critical findings, then the lowest score,
    then customer anger or a worsening mood, then the longest dead air."""
    ranked = sorted(calls, key=_review_rank)[:n]
    return tuple(_review(c) for c in ranked)


def _review_rank(call: Mapping[str, Any]) -> tuple[Any, ...]:
    score = _score(call) or {}
    total = float(score["total"]) if score else math.inf
    return (
        not score.get("auto_fail"),
        -len(_critical(call)),
        total,
        -(len(anger_times(call)) + (_trend(call) == "worsening")),
        -_max_silence(call),
        str(call.get("call_id")),
    )


def _review(call: Mapping[str, Any]) -> Review:
    loaded = call.get("_loaded") or {}
    score = _score(call)
    return Review(
        call_id=str(call.get("call_id")),
        why="; ".join(why_review(call)) or "no issues found",
        path=str(loaded.get("path") or f"calls/{call.get('call_id')}.json"),
        run_dir=str(loaded.get("run_dir") or ""),
        score=float(score["total"]) if score else None,
    )


def why_review(call: Mapping[str, Any]) -> list[str]:
    """Plain-language reasons, most serious first."""
    score = _score(call) or {}
    reasons = []
    failing = list(score.get("auto_fail_rules") or ()) or sorted(
        {str(f.get("rule_id")) for f in call.get("findings") or () if f.get("auto_fail")}
    )
    if score.get("auto_fail"):
        reasons.append(f"auto-fail: {', '.join(failing)}")
    critical = [r for r in _critical(call) if r not in failing]
    if critical:
        reasons.append(f"critical: {', '.join(dict.fromkeys(critical))}")
    if score and not score.get("auto_fail"):
        reasons.append(f"score {_g(score['total'])} (pass {_g(score.get('pass_mark', 80))})")
    times = anger_times(call)
    if times:
        more = f" (+{len(times) - 1} more)" if len(times) > 1 else ""
        reasons.append(f"customer angry at {_clock(times[0])}{more}")
    if _trend(call) == "worsening":
        reasons.append("customer mood worsened")
    if _max_silence(call) >= DEAD_AIR_S:
        reasons.append(f"dead air {_max_silence(call):.0f} s")
    return reasons


def _critical(call: Mapping[str, Any]) -> list[str]:
    return [str(f.get("rule_id")) for f in call.get("findings") or () if f.get("severity") == "critical"]


def anger_times(call: Mapping[str, Any]) -> list[float]:
    """Start times of customer anger peaks: ``emotion.customer.peaks`` (or ``anger_peaks``), each a
    time or a mapping with ``start``/``time``; else customer utterances labelled angry."""
    customer = (call.get("emotion") or {}).get("customer") or {}
    peaks = customer.get("peaks") or customer.get("anger_peaks")
    if isinstance(peaks, list):
        times = [_peak_time(p) for p in peaks]
        return sorted(t for t in times if t is not None)
    return [
        float(u["start"])
        for u in call.get("utterances") or ()
        if u.get("role") == "customer"
        and str((u.get("sentiment") or {}).get("label")) in ("angry", "anger")
        and _num(u.get("start"))
    ]


def _peak_time(peak: Any) -> float | None:
    if _num(peak):
        return float(peak)
    if isinstance(peak, Mapping):
        return next((float(peak[k]) for k in ("start", "time", "at", "t") if _num(peak.get(k))), None)
    return None


def _trend(call: Mapping[str, Any]) -> str:
    return str(((call.get("emotion") or {}).get("customer") or {}).get("trend") or "")


def _max_silence(call: Mapping[str, Any]) -> float:
    return _f((call.get("metrics") or {}).get("max_silence_s")) or 0.0


# ---------------------------------------------------------------- small helpers


def _num(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _f(x: Any) -> float | None:
    return float(x) if _num(x) else None


def _mean_of(values: Iterable[Any]) -> float | None:
    return _mean([v for v in map(_f, values) if v is not None])


def _mean(values: Sequence[float], digits: int = 2) -> float | None:
    return _r(statistics.fmean(values), digits) if values else None


def _r(x: float, digits: int = 2) -> float:
    return round(x, digits) + 0.0


def _g(x: Any) -> str:
    return f"{float(x):g}" if _num(x) else str(x)


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


# ---------------------------------------------------------------- writing


def write_json(scorecards: Scorecards, path: Path) -> None:
    from qa.outputs import write_json as write

    write(path, scorecards.to_dict())


def write_csv(scorecards: Scorecards, path: Path) -> None:
    """One row per group and period; lists are flattened into readable cells."""
    from qa.outputs import write_atomic

    sections = sorted({s for g in scorecards.groups for s in g.sections_pct})
    rows = [_csv_row(scorecards.by, g, sections) for g in scorecards.groups]
    header = list(rows[0] if rows else _csv_row(scorecards.by, group_card("", "", ()), sections))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(path, buffer.getvalue())


def _csv_row(by: str, g: GroupCard, sections: Sequence[str]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "by": by,
        "group": g.group,
        "period": g.period,
        "calls": g.calls,
        "failed": g.failed,
        "scored": g.scored,
        "score_mean": g.score_mean,
        "score_median": g.score_median,
        "score_min": g.score_min,
        "score_max": g.score_max,
        "passed": g.passed,
        "pass_rate": g.pass_rate,
        "auto_fails": g.auto_fails,
        "weakest_section": g.weakest_section,
    }
    row |= {f"dist_{b.replace('-', '_')}": g.distribution.get(b, 0) for b in BUCKETS}
    row |= {f"section_{s}_pct": g.sections_pct.get(s) for s in sections}
    row["top_rules"] = "; ".join(f"{r.rule_id} ({r.calls} calls, {r.count}x)" for r in g.top_rules)
    row |= {f"sentiment_{k}": v for k, v in asdict(g.sentiment).items()}
    row |= {f"talk_{k}": v for k, v in asdict(g.talk).items()}
    row["review_first"] = " | ".join(f"{r.call_id}: {r.why}" for r in g.review_first)
    return row


def render_table(scorecards: Scorecards) -> Any:
    """A rich Table: one line per group and period, the numbers a team lead reads first."""
    from rich.table import Table

    table = Table(title=f"Scorecards by {scorecards.by}, period: {scorecards.period}", show_lines=False)
    for name, justify in _COLUMNS:
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for g in scorecards.groups:
        table.add_row(*_table_row(g))
    return table


_COLUMNS = (
    ("group", "left"),
    ("period", "left"),
    ("calls", "right"),
    ("mean", "right"),
    ("pass", "right"),
    ("auto-fail", "right"),
    ("weakest section", "left"),
    ("top rule", "left"),
    ("sentiment Δ", "right"),
    ("review first", "left"),
)


def _table_row(g: GroupCard) -> list[str]:
    top = g.top_rules[0] if g.top_rules else None
    first = g.review_first[0] if g.review_first else None
    weakest = g.weakest_section
    return [
        g.group,
        g.period,
        f"{g.calls}" + (f" (+{g.failed} failed)" if g.failed else ""),
        "-" if g.score_mean is None else f"{g.score_mean:g}",
        "-" if g.pass_rate is None else f"{100 * g.pass_rate:.0f}%",
        str(g.auto_fails),
        "-" if weakest is None else f"{weakest} {g.sections_pct[weakest]:.0f}%",
        "-" if top is None else f"{top.rule_id} ({top.calls})",
        "-" if g.sentiment.mean_change is None else f"{g.sentiment.mean_change:+.2f}",
        "-" if first is None else f"{first.call_id}: {first.why}",
    ]


__all__ = [
    "GroupCard",
    "Review",
    "RuleCount",
    "Scorecards",
    "Sentiment",
    "Talk",
    "build_scorecards",
    "load_calls",
    "overlay_metadata",
    "render_table",
    "write_csv",
    "write_json",
]
