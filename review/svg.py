"""The pages' charts as inline SVG: no script, no library, and nothing the CSP has to allow.

Colours come from classes styled in ``site.css`` (a ``style`` attribute would need
'unsafe-inline'). Every text that reaches SVG passes through ``html.escape``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

W = 1000.0  # the viewBox width; the SVG scales to the page


@dataclass(frozen=True)
class Mark:
    """A finding on the timeline."""

    idx: int
    start: float
    severity: str
    label: str


@dataclass(frozen=True)
class Point:
    """One call on the score trend."""

    label: str
    value: float
    href: str
    passed: bool
    when: str = ""  # a date under the first and last point


def _x(t: float, duration: float) -> float:
    return round(W * min(max(t, 0.0), duration) / duration, 1) if duration > 0 else 0.0


def valence_class(valence: float | None) -> str:
    if valence is None:
        return "v0"
    if valence <= -0.5:
        return "vn2"
    if valence <= -0.05:
        return "vn1"
    if valence >= 0.5:
        return "vp2"
    if valence >= 0.05:
        return "vp1"
    return "v0"


def timeline(
    utterances: Sequence[Mapping[str, Any]],
    marks: Sequence[Mark],
    duration: float,
    labels: Mapping[str, str],
) -> str:
    """Findings above, agent and customer lanes, the customer's mood below, a time axis at the bottom.

    Utterance bars and finding marks carry ``data-t`` (their start): app.js plays from there.
    """
    duration = max(duration, max((float(u.get("end") or 0.0) for u in utterances), default=0.0), 1.0)
    lanes = {"agent": 28.0, "customer": 56.0}
    out = [
        f'<svg class="timeline" viewBox="0 0 {W + 120:.0f} 120" role="group" '
        f'aria-label="{escape(labels["timeline"])}" preserveAspectRatio="none">',
        '<g transform="translate(90,0)">',
        f'<rect class="lane" x="0" y="{lanes["agent"]}" width="{W}" height="20"/>',
        f'<rect class="lane" x="0" y="{lanes["customer"]}" width="{W}" height="20"/>',
        f'<rect class="lane" x="0" y="82" width="{W}" height="10"/>',
    ]
    for u in utterances:
        role = str(u.get("role") or "unknown")
        start, end = float(u.get("start") or 0.0), float(u.get("end") or 0.0)
        x, w = _x(start, duration), max(_x(end, duration) - _x(start, duration), 1.5)
        tip = escape(f"{clock(start)} {u.get('text') or ''}"[:160])
        y = lanes.get(role, 42.0)
        out.append(
            f'<rect class="u {escape(role)}" x="{x}" y="{y}" width="{w}" height="20" data-t="{start:.2f}">'
            f"<title>{tip}</title></rect>"
        )
        if role == "customer":
            valence = (u.get("sentiment") or {}).get("valence")
            out.append(
                f'<rect class="mood {valence_class(valence)}" x="{x}" y="82" width="{w}" height="10" '
                f'data-t="{start:.2f}"><title>{tip}</title></rect>'
            )
    for m in marks:
        x = _x(m.start, duration)
        out.append(
            f'<g class="mark {escape(m.severity)}" tabindex="0" role="button" data-t="{m.start:.2f}" '
            f'data-f="{m.idx}" aria-label="{escape(m.label)}"><title>{escape(m.label)}</title>'
            f'<path d="M{x - 7},2 L{x + 7},2 L{x},16 Z"/><line x1="{x}" y1="16" x2="{x}" y2="92"/></g>'
        )
    out.append("</g>")
    out.append(_lane_label(lanes["agent"] + 14, labels["agent_role"]))
    out.append(_lane_label(lanes["customer"] + 14, labels["customer_role"]))
    out.append(_lane_label(91, labels["emotion"], small=True))
    out.extend(_axis(duration))
    out.append("</svg>")
    return "".join(out)


def _lane_label(y: float, text: str, small: bool = False) -> str:
    return f'<text class="lbl{" small" if small else ""}" x="0" y="{y}">{escape(text)}</text>'


def _axis(duration: float) -> list[str]:
    step = next((s for s in (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800) if duration / s <= 10), 3600)
    ticks = []
    t = 0
    while t <= duration:
        x = 90 + _x(t, duration)
        ticks.append(f'<text class="tick" x="{x}" y="112">{clock(t)}</text>')
        t += step
    return ticks


def line_chart(points: Sequence[Point], top: float, pass_mark: float | None, label: str) -> str:
    """Scores in call order, the pass mark dashed; each point links to its call."""
    width, height, left, pad = 640.0, 212.0, 36.0, 14.0
    top = top or 100.0
    n = len(points)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (width - left - pad) * (i / (n - 1) if n > 1 else 0.5)
        y = pad + (height - 2 * pad) * (1 - min(max(v, 0.0), top) / top)
        return round(x, 1), round(y, 1)

    out = [f'<svg class="chart" viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(label)}">']
    for v in (0.0, top / 2, top):
        _, y = xy(0, v)
        out.append(f'<line class="grid" x1="{left}" y1="{y}" x2="{width - pad}" y2="{y}"/>')
        out.append(f'<text class="tick" x="{left - 6}" y="{y + 4}" text-anchor="end">{v:g}</text>')
    if pass_mark is not None:
        _, y = xy(0, pass_mark)
        out.append(f'<line class="passline" x1="{left}" y1="{y}" x2="{width - pad}" y2="{y}"/>')
    if n > 1:
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y) in enumerate(xy(i, p.value) for i, p in enumerate(points))
        )
        out.append(f'<path class="trend" d="{path}"/>')
    for i, p in enumerate(points):
        x, y = xy(i, p.value)
        out.append(
            f'<a href="{escape(p.href)}"><circle class="pt {"ok" if p.passed else "bad"}" cx="{x}" cy="{y}" r="5">'
            f"<title>{escape(p.label)}: {p.value:g}</title></circle></a>"
        )
    for i in {0, n - 1} if n else set():
        x, _ = xy(i, 0.0)
        anchor = "start" if i == 0 and n > 1 else "end" if n > 1 else "middle"
        out.append(
            f'<text class="tick" x="{x}" y="{height - 1}" text-anchor="{anchor}">{escape(points[i].when)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def bar(pct: float, cls: str = "") -> str:
    """A 0–100 % bar that stretches to its cell."""
    pct = round(min(max(pct, 0.0), 100.0), 1)
    return (
        f'<svg class="bar {cls}" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">'
        f'<rect class="track" width="100" height="10"/><rect class="fill" width="{pct}" height="10"/></svg>'
    )


def clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"
