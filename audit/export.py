"""Rows out: an aligned table for a terminal, CSV for a spreadsheet, JSON or JSON lines for tools."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Sequence
from typing import Any, Literal

Format = Literal["table", "csv", "json", "jsonl"]


def render(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: Format, widths: dict[str, int] | None = None
) -> str:
    if fmt == "json":
        return json.dumps([{c: r.get(c) for c in columns} for r in rows], ensure_ascii=False, indent=2) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps({c: r.get(c) for c in columns}, ensure_ascii=False) + "\n" for r in rows)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_cell(r.get(c)) for c in columns] for r in rows])
        return buf.getvalue()
    return _table(rows, columns, widths or {})


def clock(seconds: float | None) -> str:
    """Seconds into the call as m:ss."""
    if seconds is None:
        return ""
    m, s = divmod(round(seconds), 60)
    return f"{m}:{s:02d}"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    text = text.replace("\n", " ")
    if _width(text) <= width:
        return text + " " * (width - _width(text))
    out, used = "", 0
    for ch in text:
        w = _width(ch)
        if used + w > width - 1:
            break
        out, used = out + ch, used + w
    return out + "…" + " " * (width - used - 1)


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[str], widths: dict[str, int]) -> str:
    if not rows:
        return "(no rows)\n"
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    sizes = [
        min(widths.get(c, 10**6), max(_width(c), *(_width(row[i]) for row in cells))) for i, c in enumerate(columns)
    ]
    lines = ["  ".join(_fit(c, w) for c, w in zip(columns, sizes, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in sizes))
    lines += ["  ".join(_fit(v, w) for v, w in zip(row, sizes, strict=True)).rstrip() for row in cells]
    return "\n".join(lines) + "\n"
