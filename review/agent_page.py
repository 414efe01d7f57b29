"""An agent's scorecard over the period: score trend, section averages, top violated rules,
customer mood change, the calls to review first and every call — from ``scoring.scorecards``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from review import names
from review.data import CallView
from review.html import e, num, page, pct, score_badge, severity_tag, stat
from review.i18n import why
from review.svg import Point, bar, clock, line_chart
from scoring.scorecards import GroupCard, describe


def render(card: GroupCard, views: Sequence[CallView], *, lang: str, words: Mapping[str, str], period: str) -> str:
    titles = {str(s["section"]): str(s["title"] or s["section"]) for v in views for s in v.sections}
    scored = [v for v in views if v.score]
    top = max((float(v.score.get("max") or 100.0) for v in scored if v.score), default=100.0)
    pass_mark = next(
        (float(v.score["pass_mark"]) for v in scored if v.score and v.score.get("pass_mark") is not None), None
    )
    points = [
        Point(
            f"{v.call_id} {(v.started_at or '')[:10]}",
            float(v.score["total"]),
            names.call_page(v.call_id, "../"),
            bool(v.score.get("passed")),
            (v.started_at or "")[:10],
        )
        for v in scored
        if v.score
    ]
    stats = "".join(
        (
            stat(words["calls"], str(card.calls)),
            stat(words["mean_score"], num(card.score_mean)),
            stat(words["pass_rate"], pct(card.pass_rate)),
            stat(words["auto_fails"], str(card.auto_fails)),
            stat(
                words["sentiment_change"],
                "–" if card.sentiment.mean_change is None else f"{card.sentiment.mean_change:+.2f}",
            ),
        )
    )
    body = (
        f'<nav class="crumbs"><a href="../index.html">{e(words["back_index"])}</a></nav>'
        f"<h1>{e(words['scorecard'])}: {e(words['agent'])} {e(card.group)}</h1>"
        f'<p class="period">{e(words["period"])}: {e(period)}</p><div class="stats">{stats}</div>'
        + _review_first(card, views, lang, words)
        + '<div class="cols2">'
        + f'<section class="trend"><h2>{e(words["score_trend"])}</h2>'
        + line_chart(points, top, pass_mark, words["score_trend"])
        + (f'<p class="hint">- - {e(words["pass_mark"])} {pass_mark:g}</p>' if pass_mark is not None else "")
        + "</section>"
        + _section_averages(card, titles, words)
        + '</div><div class="cols2">'
        + _top_rules(card, {str(f["rule_id"]): describe(f["explanation"]) for v in views for f in v.findings}, words)
        + _sentiment(card, words)
        + "</div>"
        + _calls(views, lang, words)
    )
    return page(f"{words['agent']} {card.group}", body, lang=lang, depth=1, words=words, kind="agentpage")


def _review_first(card: GroupCard, views: Sequence[CallView], lang: str, words: Mapping[str, str]) -> str:
    by_id = {v.call_id: v for v in views}
    flagged = [by_id[r.call_id] for r in card.review_first if not by_id[r.call_id].quiet]
    items = "".join(
        f'<li><a class="call" href="{e(names.call_page(v.call_id, "../"))}">{e(v.call_id)}</a> '
        f"{score_badge(v.score, words)} "
        f'<span class="why-inline">{e("; ".join(why(v.reasons, lang)))}</span></li>'
        for v in flagged
    )
    listed = f'<ol class="rf-short">{items}</ol>' if items else f"<p>{e(words['nothing_flagged'])}</p>"
    return f'<section class="review-first"><h2>{e(words["review_first"])}</h2>{listed}</section>'


def _section_averages(card: GroupCard, titles: Mapping[str, str], words: Mapping[str, str]) -> str:
    rows = "".join(
        f'<tr><th scope="row">{e(titles.get(s, s))}</th><td class="n">{value:.0f}%</td><td>{bar(value)}</td></tr>'
        for s, value in sorted(card.sections_pct.items(), key=lambda kv: (kv[1], kv[0]))
    )
    return (
        f'<section class="sections"><h2>{e(words["section_averages"])}</h2>'
        f'<table class="sect"><tbody>{rows}</tbody></table></section>'
    )


def _top_rules(card: GroupCard, described: Mapping[str, str], words: Mapping[str, str]) -> str:
    rows = "".join(
        f"<tr><td><code>{e(r.rule_id)}</code><br><small>{e(described.get(r.rule_id, r.description))}</small></td>"
        f'<td>{severity_tag(r.severity, words)}</td><td class="n">{r.calls} {e(words["in_calls"])}</td>'
        f'<td class="n">{r.count} {e(words["times"])}</td></tr>'
        for r in card.top_rules
    )
    return (
        f'<section class="top-rules"><h2>{e(words["top_rules"])}</h2>'
        f'<table class="calls"><tbody>{rows}</tbody></table></section>'
    )


def _sentiment(card: GroupCard, words: Mapping[str, str]) -> str:
    s = card.sentiment
    change = "–" if s.mean_change is None else f"{s.mean_change:+.2f}"
    return (
        f'<section class="sentiment"><h2>{e(words["sentiment_change"])}</h2><div class="stats">'
        + stat(words["mean_change"], change)
        + stat(words["improving"], pct(s.improving))
        + stat(words["worsening"], pct(s.worsening))
        + "</div></section>"
    )


def _calls(views: Sequence[CallView], lang: str, words: Mapping[str, str]) -> str:
    rows = "".join(
        f'<tr><td><a href="{e(names.call_page(v.call_id, "../"))}">{e(v.call_id)}</a></td>'
        f"<td>{e((v.started_at or '–').replace('T', ' ')[:16])}</td><td>{clock(v.duration_s)}</td>"
        f'<td>{score_badge(v.score, words)}</td><td class="n">{len(v.findings)}</td>'
        f'<td class="why-cell">{e("; ".join(why(v.reasons, lang)))}</td></tr>'
        for v in views
    )
    head = "".join(
        f'<th scope="col">{e(words[k])}</th>' for k in ("call", "started", "duration", "score", "findings", "why")
    )
    return (
        f'<section class="agent-calls"><h2>{e(words["agent_calls"])}</h2><div class="scroll"><table class="calls">'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div></section>"
    )
