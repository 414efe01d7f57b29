"""The index: the calls to review first (each with why), the agents, and every call in a table
that app.js filters and sorts in the page."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

from review import names
from review.data import CallView
from review.html import SEVERITIES, SEVERITY_RANK, e, num, page, pct, score_badge, severity_tag, stat
from review.i18n import why
from review.svg import clock
from scoring.scorecards import GroupCard, review_first

REVIEW_FIRST = 10


def render(
    views: Sequence[CallView], cards: Sequence[GroupCard], *, lang: str, words: Mapping[str, str], period: str
) -> str:
    scored = [float(v.score["total"]) for v in views if v.score]
    passed = sum(bool(v.score and v.score.get("passed")) for v in views)
    auto = sum(bool(v.score and v.score.get("auto_fail")) for v in views)
    stats = "".join(
        (
            stat(words["calls"], str(len(views))),
            stat(words["agents"], str(len(cards))),
            stat(words["mean_score"], num(round(statistics.fmean(scored), 1) if scored else None)),
            stat(words["pass_rate"], pct(passed / len(scored) if scored else None)),
            stat(words["auto_fails"], str(auto)),
        )
    )
    body = (
        f'<h1>{e(words["index_title"])}</h1><p class="period">{e(words["period"])}: {e(period)}</p>'
        f'<div class="stats">{stats}</div>'
        + _review_first(views, lang, words)
        + _calls_table(views, lang, words)
        + _agents(cards, words)
    )
    return page(words["index_title"], body, lang=lang, depth=0, words=words, kind="index")


def _review_first(views: Sequence[CallView], lang: str, words: Mapping[str, str]) -> str:
    if not views:
        return f'<p class="empty">{e(words["nothing"])}</p>'
    by_id = {v.call_id: v for v in views}
    # review_first's order; calls that passed with nothing else to say are not worth a coach's time
    ranked = [by_id[r.call_id] for r in review_first([v.call for v in views], n=len(views))]
    flagged = [v for v in ranked if not v.quiet][:REVIEW_FIRST]
    if not flagged:
        return (
            f'<section class="review-first"><h2>{e(words["review_first"])}</h2>'
            f"<p>{e(words['nothing_flagged'])}</p></section>"
        )
    items = []
    for rank, v in enumerate(flagged, start=1):
        reasons = "".join(f"<li>{e(x)}</li>" for x in why(v.reasons, lang))
        items.append(
            f'<li class="rf"><span class="rank">{rank}</span>'
            f'<div class="rf-main"><a class="call" href="{e(names.call_page(v.call_id))}">{e(v.call_id)}</a>'
            f'<span class="meta">{e(words["agent"])} <a href="{e(names.agent_page(v.agent_id))}">{e(v.agent_id)}</a>'
            f" · {e(_when(v.started_at))} · {clock(v.duration_s)}</span>"
            f'<ul class="why{" calm" if v.quiet else ""}">{reasons}</ul></div>{score_badge(v.score, words)}</li>'
        )
    return (
        f'<section class="review-first"><h2>{e(words["review_first"])}</h2>'
        f'<p class="hint">{e(words["review_first_hint"])}</p><ol class="rf-list">{"".join(items)}</ol></section>'
    )


def _calls_table(views: Sequence[CallView], lang: str, words: Mapping[str, str]) -> str:
    agents = sorted({v.agent_id for v in views})
    rules = sorted({str(f["rule_id"]) for v in views for f in v.findings})
    filters = (
        '<form class="filters" id="filters" role="search">'
        + _select("f-agent", words["agent"], agents, words)
        + _select("f-rule", words["rules"], rules, words)
        + _select("f-sev", words["severity"], list(SEVERITIES), words, labels=words)
        + f'<label>{e(words["score_below"])} <input id="f-score" type="number" min="0" max="1000" step="1"></label>'
        + f'<button type="reset" id="f-clear">{e(words["clear"])}</button>'
        + f'<output id="f-count" aria-live="polite">{len(views)} / {len(views)}</output></form>'
    )
    head = (
        "".join(
            f'<th scope="col"><button type="button" data-sort="{key}" data-type="{kind}">'
            f"{e(words[label])}</button></th>"
            for key, kind, label in (
                ("call", "text", "call"),
                ("agent", "text", "agent"),
                ("started", "text", "started"),
                ("score", "num", "score"),
                ("sevrank", "num", "severity"),
                ("findings", "num", "findings"),
            )
        )
        + f'<th scope="col">{e(words["why"])}</th>'
    )
    rows = "".join(_row(v, lang, words) for v in views)
    return (
        f'<section class="all-calls"><h2>{e(words["all_calls"])}</h2>{filters}'
        f'<div class="scroll"><table id="calls" class="calls"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div></section>"
    )


def _select(
    ident: str, label: str, values: Sequence[str], words: Mapping[str, str], labels: Mapping[str, str] | None = None
) -> str:
    options = "".join(f'<option value="{e(v)}">{e((labels or {}).get(v, v))}</option>' for v in values)
    return (
        f'<label>{e(label)} <select id="{ident}"><option value="">{e(words["any"])}</option>{options}</select></label>'
    )


def _row(v: CallView, lang: str, words: Mapping[str, str]) -> str:
    findings = v.findings
    severities = sorted({str(f["severity"]) for f in findings}, key=lambda s: SEVERITY_RANK.get(s, 9))
    worst = severities[0] if severities else ""
    rules = sorted({str(f["rule_id"]) for f in findings})
    score = v.score
    total = f"{float(score['total']):g}" if score else ""
    reasons = "; ".join(why(v.reasons, lang))
    return (
        f'<tr data-call="{e(v.call_id)}" data-agent="{e(v.agent_id)}" data-started="{e(v.started_at or "")}" '
        f'data-score="{total}" data-sevrank="{SEVERITY_RANK.get(worst, 9)}" data-findings="{len(findings)}" '
        f'data-rules=" {e(" ".join(rules))} " data-sevs=" {e(" ".join(severities))} ">'
        f'<td><a href="{e(names.call_page(v.call_id))}">{e(v.call_id)}</a></td>'
        f'<td><a href="{e(names.agent_page(v.agent_id))}">{e(v.agent_id)}</a></td>'
        f"<td>{e(_when(v.started_at))}</td><td>{score_badge(score, words)}</td>"
        f"<td>{severity_tag(worst, words) if worst else ''}</td><td class='n'>{len(findings)}</td>"
        f'<td class="why-cell">{e(reasons)}</td></tr>'
    )


def _agents(cards: Sequence[GroupCard], words: Mapping[str, str]) -> str:
    rows = "".join(
        f'<tr><td><a href="{e(names.agent_page(c.group))}">{e(c.group)}</a></td><td class="n">{c.calls}</td>'
        f'<td class="n">{num(c.score_mean)}</td><td class="n">{pct(c.pass_rate)}</td>'
        f'<td class="n">{c.auto_fails}</td></tr>'
        for c in cards
    )
    head = "".join(
        f'<th scope="col"{"" if k == "agent" else " class=n"}>{e(words[k])}</th>'
        for k in ("agent", "calls", "mean_score", "pass_rate", "auto_fails")
    )
    return (
        f'<section class="agents"><h2>{e(words["agents"])}</h2><table class="calls">'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _when(started_at: str | None) -> str:
    return (started_at or "–").replace("T", " ")[:16]
