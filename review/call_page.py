"""A call's page: audio, timeline, findings (each plays from its start), transcript, the score by
section with the findings that moved it, the rules' explanations and coaches' verdicts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from review import names
from review.data import CallView, Verdict
from review.html import e, page, role_label, score_badge, severity_tag
from review.i18n import why
from review.svg import Mark, bar, clock, timeline, valence_class
from scoring.scorecards import describe


def render(v: CallView, audio_href: str | None, original: bool, *, lang: str, words: Mapping[str, str]) -> str:
    findings = v.findings
    reasons = "".join(f"<li>{e(x)}</li>" for x in why(v.reasons, lang))
    head = (
        f'<nav class="crumbs"><a href="../index.html">{e(words["back_index"])}</a> › '
        f'<a href="{e(names.agent_page(v.agent_id, "../"))}">{e(words["agent"])} {e(v.agent_id)}</a></nav>'
        f'<div class="call-head"><div><h1>{e(v.call_id)}</h1>'
        f'<p class="meta">{e(words["agent"])} {e(v.agent_id)} · {e((v.started_at or "–").replace("T", " "))}'
        f" · {e(words['duration'])} {clock(v.duration_s)}</p>"
        f'<ul class="why{" calm" if v.quiet else ""}">{reasons}</ul></div>'
        f"{score_badge(v.score, words)}</div>"
    )
    marks = [
        Mark(
            int(f["idx"]),
            float(f["start"] or 0.0),
            str(f["severity"]),
            f"{clock(float(f['start'] or 0))} {f['rule_id']}",
        )
        for f in findings
    ]
    player = (
        f'<section class="player"><h2>{e(words["audio"])}</h2>'
        + _audio(audio_href, original, words)
        + timeline(v.utterances, marks, v.duration_s, {**words})
        + f'<p class="hint">{e(words["timeline_hint"])}</p></section>'
    )
    side = _findings(findings, v.verdicts, words) + _sections(v, words) + _rules(findings, words)
    body = (
        head
        + player
        + f'<div class="cols"><div class="side">{side}</div>'
        + f'<div class="main">{_transcript(v.utterances, findings, words)}</div></div>'
    )
    return page(v.call_id, body, lang=lang, depth=1, words=words, kind="callpage")


def _audio(audio_href: str | None, original: bool, words: Mapping[str, str]) -> str:
    if not audio_href:
        return f'<p class="note">{e(words["no_audio"])}</p>'
    note = words["audio_original"] if original else words["audio_masked"]
    return (
        f'<audio id="audio" controls preload="auto" src="{e(audio_href)}"></audio>'
        f'<p class="note{" warn" if original else ""}">{e(note)}</p>'
    )


def _findings(findings: Sequence[Mapping[str, Any]], verdicts: Sequence[Verdict], words: Mapping[str, str]) -> str:
    if not findings:
        return f'<section class="findings"><h2>{e(words["findings"])}</h2><p>{e(words["no_findings"])}</p></section>'
    by_finding: dict[int, list[Verdict]] = defaultdict(list)
    for verdict in verdicts:
        by_finding[verdict.finding_idx].append(verdict)
    items = []
    ordered = sorted(findings, key=lambda f: (f["severity"] != "critical", not f["auto_fail"], f["start"] or 0.0))
    for f in ordered:
        idx, start = int(f["idx"]), float(f["start"] or 0.0)
        moved = f["moved_points"]
        tags = severity_tag(str(f["severity"]), words)
        if f["auto_fail"]:
            tags += f' <span class="sev af">{e(words["auto_fail"])}</span>'
        pts = f' <span class="pts">{moved:+g} {e(words["points"])}</span>' if moved else ""
        evidence = f'<blockquote class="evidence">{e(f["evidence"])}</blockquote>' if f["evidence"] else ""
        items.append(
            f'<li class="finding {e(f["severity"])}" id="f{idx}">'
            f'<button type="button" class="play" data-t="{start:.2f}" data-f="{idx}" '
            f'aria-label="{e(words["play_from"])} {clock(start)}: {e(f["rule_id"])}">▶ {clock(start)}</button>'
            f'<div class="f-body"><div class="f-title">{tags} <code>{e(f["rule_id"])}</code>{pts}</div>'
            f'<p class="expl">{e(f["explanation"])}</p>{evidence}{_verdicts(by_finding.get(idx, []), words)}</div></li>'
        )
    title = f"{words['findings']} ({len(findings)})"
    return f'<section class="findings"><h2>{e(title)}</h2><ol>{"".join(items)}</ol></section>'


def _verdicts(verdicts: Sequence[Verdict], words: Mapping[str, str]) -> str:
    if not verdicts:
        return ""
    items = "".join(
        f'<li class="verdict {e(v.verdict)}"><b>{e(v.by)}</b> {e(words.get("verdict_" + v.verdict, v.verdict))}'
        f" <time>{e(v.at[:16].replace('T', ' '))}</time>{': ' + e(v.note) if v.note else ''}</li>"
        for v in verdicts
    )
    return f'<div class="verdicts"><h3>{e(words["verdicts"])}</h3><ul>{items}</ul></div>'


def _sections(v: CallView, words: Mapping[str, str]) -> str:
    if not v.sections:
        return ""
    moved: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for f in v.findings:
        if f["moved_points"]:
            moved[str(f["section"])].append(f)
    order = list(((v.score or {}).get("section_details") or {}).keys())  # the pack's order, not the table's
    rows = []
    for s in sorted(v.sections, key=lambda s: order.index(s["section"]) if s["section"] in order else len(order)):
        top, got = s["max"], s["score"]
        if not s["applicable"] or got is None or not top:
            cells = f'<td class="n">{e(words["na"])}</td><td></td>'
        else:
            cells = f'<td class="n">{got:g} / {top:g}</td><td>{bar(100.0 * got / top)}</td>'
        links = " ".join(
            f'<a href="#f{int(f["idx"])}">{e(f["rule_id"])} {f["moved_points"]:+g}</a>'
            for f in moved.get(str(s["section"]), [])
        )
        rows.append(
            f'<tr><th scope="row">{e(s["title"] or s["section"])}</th>{cells}<td class="moved">{links}</td></tr>'
        )
    head = "".join(f'<th scope="col">{e(words[k])}</th>' for k in ("section", "score")) + "<th></th>"
    head += f'<th scope="col">{e(words["moved_by"])}</th>'
    return (
        f'<section class="sections"><h2>{e(words["score_by_section"])}</h2>'
        f'<table class="sect"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></section>'
    )


def _rules(findings: Sequence[Mapping[str, Any]], words: Mapping[str, str]) -> str:
    rules: dict[str, str] = {}
    for f in findings:
        rules.setdefault(str(f["rule_id"]), describe(f["explanation"]))
    if not rules:
        return ""
    items = "".join(f"<dt><code>{e(r)}</code></dt><dd>{e(d)}</dd>" for r, d in sorted(rules.items()))
    return f'<section class="rules"><h2>{e(words["explanations"])}</h2><dl>{items}</dl></section>'


def _transcript(
    utterances: Sequence[Mapping[str, Any]], findings: Sequence[Mapping[str, Any]], words: Mapping[str, str]
) -> str:
    flagged: dict[Any, list[Mapping[str, Any]]] = defaultdict(list)
    for f in findings:
        if f["utterance"] is not None:
            flagged[f["utterance"]].append(f)
    lines = []
    for i, u in enumerate(utterances):
        start, end = float(u["start"] or 0.0), float(u["end"] or 0.0)
        role = str(u["role"] or "unknown")
        refs = "".join(
            f' <a class="ref {e(f["severity"])}" href="#f{int(f["idx"])}">{e(f["rule_id"])}</a>'
            for f in flagged.get(u["id"], [])
        )
        mood = ""
        if role == "customer":
            label = (u.get("sentiment") or {}).get("label") or ""
            mood = (
                f' <span class="mood-dot {valence_class((u.get("sentiment") or {}).get("valence"))}">{e(label)}</span>'
            )
        lines.append(
            f'<li class="line {e(role)}{" flagged" if refs else ""}" id="u{i}" data-s="{start:.2f}" data-e="{end:.2f}">'
            f'<button type="button" class="ts" data-t="{start:.2f}" '
            f'aria-label="{e(words["play_from"])} {clock(start)}">'
            f"{clock(start)}</button>"
            f'<span class="who">{e(role_label(role, words))}</span>'
            f'<span class="text">{e(u["text"])}{mood}{refs}</span></li>'
        )
    return f'<section class="transcript"><h2>{e(words["transcript"])}</h2><ol>{"".join(lines)}</ol></section>'
