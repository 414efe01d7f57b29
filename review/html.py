"""The page frame every review page shares (CSP, stylesheet, script) and small HTML pieces."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

# No inline script or style, no remote anything: the only script and stylesheet are the site's own.
CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self';"
SEVERITIES = ("critical", "major", "minor")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def e(value: Any) -> str:
    """Escaped text for element content and quoted attributes."""
    return escape("" if value is None else str(value), quote=True)


def page(title: str, body: str, *, lang: str, depth: int, words: Mapping[str, str], kind: str) -> str:
    root = "../" * depth
    return (
        f'<!doctype html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)} · {e(words['site'])}</title>\n"
        f'<link rel="stylesheet" href="{root}assets/site.css">\n</head>\n'
        f'<body class="{kind}">\n<header class="top"><a class="brand" href="{root}index.html">{e(words["site"])}</a>'
        f"</header>\n<main>\n{body}\n</main>\n"
        f'<footer>{e(words["generated"])}</footer>\n<script src="{root}assets/app.js"></script>\n</body>\n</html>\n'
    )


def score_badge(score: Mapping[str, Any] | None, words: Mapping[str, str]) -> str:
    if not score:
        return f'<span class="badge none">{e(words["no_score"])}</span>'
    if score.get("auto_fail"):
        cls, result = "af", words["auto_fail"]
    elif score.get("passed"):
        cls, result = "ok", words["passed"]
    else:
        cls, result = "bad", words["failed"]
    return f'<span class="badge {cls}"><b>{float(score["total"]):g}</b> {e(result)}</span>'


def severity_tag(severity: str, words: Mapping[str, str]) -> str:
    return f'<span class="sev {e(severity)}">{e(words.get(severity, severity))}</span>'


def role_label(role: str | None, words: Mapping[str, str]) -> str:
    return words.get(f"{role}_role", words["unknown_role"])


def stat(label: str, value: str) -> str:
    return f'<div class="stat"><span class="v">{e(value)}</span><span class="k">{e(label)}</span></div>'


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def num(x: float | None) -> str:
    return "–" if x is None else f"{x:g}"
