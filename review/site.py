"""Write the static review site from the results store: index, one page per call and per agent,
the two assets, and each call's audio (the redacted copy unless the original is asked for)."""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from review import agent_page, call_page, index_page, names
from review.data import CallView, load_calls
from review.i18n import words as words_for
from scoring.scorecards import group_card
from store import Store

log = logging.getLogger("callqa.review")
ASSETS = Path(__file__).parent / "assets"
AUDIO_EXTS = (".wav", ".mp3", ".flac", ".ogg", ".m4a", ".opus")


@dataclass(frozen=True)
class SiteSummary:
    pages: int
    calls: int
    agents: int
    audio_files: int
    bytes: int
    seconds: float


def build_site(
    store: Store,
    out_site: Path,
    *,
    run_dir: Path | None,
    lang: str = "en",
    original_audio: bool = False,
    since: str | None = None,
    until: str | None = None,
) -> SiteSummary:
    """Write the site under ``out_site``. Audio comes from ``run_dir/audio`` (masked), or with
    ``original_audio`` from each call's source file; without ``run_dir`` the pages have no player.
    ValueError for an unknown ``lang`` or a malformed date."""
    began = time.perf_counter()
    words = words_for(lang)
    views = load_calls(store, since, until)
    period = f"{since or '…'} – {until or '…'}" if since or until else words["all_time"]
    by_agent: dict[str, list[CallView]] = defaultdict(list)
    for v in views:
        by_agent[v.agent_id].append(v)
    cards = [group_card(agent, "all", [v.call for v in calls]) for agent, calls in sorted(by_agent.items())]

    for folder in ("calls", "agents", "assets", "audio"):
        (out_site / folder).mkdir(parents=True, exist_ok=True)
    written = 0
    total = 0

    def put(path: Path, text: str) -> None:
        nonlocal written, total
        _write(path, text)
        written += 1
        total += len(text.encode())

    for asset in ("app.js", "site.css"):
        put(out_site / "assets" / asset, (ASSETS / asset).read_text(encoding="utf-8"))
    put(out_site / "index.html", index_page.render(views, cards, lang=lang, words=words, period=period))
    audio_files = 0
    for v in views:
        audio = _copy_audio(v, run_dir, out_site / "audio", original_audio)
        audio_files += audio is not None
        href = f"../audio/{names.href(v.call_id)}{audio.suffix}" if audio else None
        html = call_page.render(v, href, original_audio, lang=lang, words=words)
        put(out_site / "calls" / f"{names.stem(v.call_id)}.html", html)
    for card in cards:
        html = agent_page.render(card, by_agent[card.group], lang=lang, words=words, period=period)
        put(out_site / "agents" / f"{names.stem(card.group)}.html", html)
    seconds = round(time.perf_counter() - began, 3)
    log.info("review site: %d pages, %d calls, %d agents in %.1f s", written, len(views), len(cards), seconds)
    return SiteSummary(written, len(views), len(cards), audio_files, total, seconds)


def _write(path: Path, text: str) -> None:
    """Replace the file whole, so a browser open on the site never reads half a page. No fsync:
    the site is derived from the store and rebuilt in seconds, and an fsync per page tripled the
    time for 1,000 calls."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _copy_audio(v: CallView, run_dir: Path | None, into: Path, original: bool) -> Path | None:
    """The call's audio copied into the site; None when there is none to copy.

    Only the run's masked copies are read (never ``unredacted/``); the source recording only when
    the caller asked for it by name.
    """
    source = _original(v) if original else _masked(v, run_dir)
    if source is None:
        return None
    target = into / f"{names.stem(v.call_id)}{source.suffix.lower()}"
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        shutil.copyfile(source, target)
    return target


def _masked(v: CallView, run_dir: Path | None) -> Path | None:
    if run_dir is None:
        return None
    folder = run_dir / "audio"
    return next((p for ext in AUDIO_EXTS if (p := folder / f"{v.call_id}{ext}").is_file()), None)


def _original(v: CallView) -> Path | None:
    path = Path(v.source_path) if v.source_path else None
    return path if path is not None and path.is_file() and path.suffix.lower() in AUDIO_EXTS else None
