"""The review site in a real browser: Debian's chromium driven by Playwright, offline, from file://.

One real call (demo audio → tiny.en → rules → masked audio) and generated transcript calls, one
of them carrying markup. A coach's path: index → a flagged call → click a finding → the audio
plays from the finding's start; the same from the keyboard. Screenshots of each page kind go to
the test's temp folder and /tmp/callqa-screens/.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from review import build_site
from store import default_url, open_store
from tests.batchcalls import CARD, write_calls
from tests.conftest import missing
from tests.test_review_site import XSS, write_special_calls

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo" / "calls" / "stereo_card_declined"
SCREENS = Path("/tmp/callqa-screens")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from asr import AsrOptions
    from pii.audio import AudioRedactOptions
    from qa.analyse import AnalysisOptions
    from qa.pipeline import Pipeline, PipelineOptions
    from qa.run import run_batch
    from rules import load_pack

    folder = tmp_path_factory.mktemp("in")
    for suffix in (".wav", ".meta.json"):
        shutil.copyfile(DEMO.with_suffix(suffix), folder / f"{DEMO.name}{suffix}")
    write_calls(folder, 5)
    write_special_calls(folder)
    out = tmp_path_factory.mktemp("out")
    # a strict pass mark, so that the real recording (it scores 88) fails and is one to review first
    pack = load_pack("bank-en")
    pack = replace(pack, scorecard=replace(pack.card, pass_mark=95.0))
    options = PipelineOptions(asr=AsrOptions(model="tiny.en"), analysis=AnalysisOptions(rules=pack))
    run_batch([folder], out, pipeline=Pipeline(options), redact_audio=AudioRedactOptions())
    assert (out / "audio" / f"{DEMO.name}.wav").is_file()
    site = tmp_path_factory.mktemp("site")
    store = open_store(default_url(out))
    try:
        assert build_site(store, site, run_dir=out).audio_files == 1
    finally:
        store.close()
    return site


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        missing("/usr/bin/chromium is not installed", "apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed", "pip install -e '.[dev]'; never `playwright install`")
    home = tmp_path_factory.mktemp("browser-home")
    saved = {k: os.environ.get(k) for k in ("HOME", "TMPDIR")}
    os.environ.update(HOME=str(home), TMPDIR=str(home))
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            yield b
            b.close()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Watched:
    """A page whose console errors, page errors and dialogs are collected."""

    def __init__(self, browser: Any) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture()
def watched(browser: Any) -> Iterator[Watched]:
    w = Watched(browser)
    yield w
    w.page.close()
    assert w.errors == [] and w.dialogs == []


def shoot(page: Any, name: str, tmp_path: Path) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    shutil.copyfile(path, SCREENS / path.name)
    print(f"screenshot: {path} and {SCREENS / path.name}")


def current_time(page: Any) -> float:
    return float(page.evaluate("document.getElementById('audio').currentTime"))


def wait_for_audio(page: Any) -> None:
    page.wait_for_function("document.getElementById('audio').readyState >= 1", timeout=10_000)


def test_index_to_flagged_call_to_the_finding_plays_from_its_start(
    site: Path, watched: Watched, tmp_path: Path
) -> None:
    page = watched.page
    page.goto((site / "index.html").as_uri())
    shoot(page, "index", tmp_path)
    assert page.locator(".rf-list .rf a.call").first.is_visible()
    # the real recording is flagged (it failed the pass mark): follow it from the review-first list
    flagged = page.locator(f'.rf-list a.call:text-is("{DEMO.name}")')
    assert "score" in flagged.locator("xpath=..").locator(".why").inner_text()
    flagged.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"calls/{DEMO.name}.html")
    wait_for_audio(page)
    finding = page.locator(".finding button.play").first
    start = float(finding.get_attribute("data-t") or "nan")
    finding.click()
    page.wait_for_function(f"Math.abs(document.getElementById('audio').currentTime - {start}) < 0.3")
    assert abs(current_time(page) - start) <= 0.3
    assert page.locator(".finding.current").count() == 1
    # a timeline mark and a transcript line do the same
    mark = page.locator("svg.timeline .mark").last
    mark_t = float(mark.get_attribute("data-t") or "nan")
    mark.click()
    page.wait_for_function(f"Math.abs(document.getElementById('audio').currentTime - {mark_t}) < 0.3")
    line = page.locator(".transcript button.ts").nth(2)
    line_t = float(line.get_attribute("data-t") or "nan")
    line.click()
    page.wait_for_function(f"Math.abs(document.getElementById('audio').currentTime - {line_t}) < 0.3")
    page.evaluate("document.getElementById('audio').pause()")
    shoot(page, "call", tmp_path)
    assert CARD not in page.content() and CARD.replace(" ", "") not in page.content()


def test_keyboard_tab_to_a_finding_and_enter_plays(site: Path, watched: Watched) -> None:
    page = watched.page
    page.goto((site / "calls" / f"{DEMO.name}.html").as_uri())
    wait_for_audio(page)
    target = page.locator(".finding button.play").last
    start = float(target.get_attribute("data-t") or "nan")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate(
            "document.activeElement === document.querySelectorAll('.finding button.play')["
            "document.querySelectorAll('.finding button.play').length - 1]"
        ):
            break
    else:
        pytest.fail("the last finding's play button is not reachable with Tab")
    page.evaluate("document.getElementById('audio').currentTime = 0")
    page.keyboard.press("Enter")
    page.wait_for_function(f"Math.abs(document.getElementById('audio').currentTime - {start}) < 0.3")
    # a timeline mark is focusable too, and Space plays from it
    mark = page.locator("svg.timeline .mark").first
    mark.focus()
    mark_t = float(mark.get_attribute("data-t") or "nan")
    page.keyboard.press("Space")
    page.wait_for_function(f"Math.abs(document.getElementById('audio').currentTime - {mark_t}) < 0.3")
    page.evaluate("document.getElementById('audio').pause()")


def test_markup_in_a_transcript_is_text_and_opens_no_dialog(site: Path, watched: Watched, tmp_path: Path) -> None:
    page = watched.page
    page.goto((site / "calls" / "xss-call.html").as_uri())
    page.wait_for_timeout(300)  # time for an injected handler (there must be none) to fire
    line = page.locator(".transcript .line").nth(1).locator(".text")
    assert XSS[0] in line.inner_text() and XSS[1] in line.inner_text()
    evidence = page.locator(".evidence", has_text="alert(1)")
    assert evidence.count() >= 1 and XSS[0] in evidence.first.inner_text() and XSS[1] in evidence.first.inner_text()
    assert page.locator("main img").count() == 0 and page.locator("main script").count() == 0
    assert watched.dialogs == []
    shoot(page, "call-escaped", tmp_path)


def test_filter_and_sort_the_calls_table(site: Path, watched: Watched) -> None:
    page = watched.page
    page.goto((site / "index.html").as_uri())
    rows = page.locator("#calls tbody tr")
    total = rows.count()
    page.select_option("#f-sev", "critical")
    visible = page.locator("#calls tbody tr:not([hidden])")
    assert 0 < visible.count() < total
    assert page.locator("#f-count").inner_text() == f"{visible.count()} / {total}"
    page.click("#f-clear")
    page.wait_for_function(f"document.querySelectorAll('#calls tbody tr:not([hidden])').length === {total}")
    page.fill("#f-score", "50")
    scores = [
        float(s)
        for s in page.eval_on_selector_all("#calls tbody tr:not([hidden])", "rs => rs.map(r => r.dataset.score)")
    ]
    assert scores and all(s < 50 for s in scores)
    page.click("#f-clear")
    page.click('button[data-sort="score"]')
    ordered = page.eval_on_selector_all("#calls tbody tr", "rs => rs.map(r => r.dataset.score).filter(s => s !== '')")
    assert [float(s) for s in ordered] == sorted(float(s) for s in ordered)


def test_agent_page(site: Path, watched: Watched, tmp_path: Path) -> None:
    page = watched.page
    meta = json.loads(DEMO.with_suffix(".meta.json").read_text())
    page.goto((site / "agents" / f"{meta['agent_id']}.html").as_uri())
    assert page.locator("svg.chart circle").count() >= 1
    page.locator("svg.chart a").first.click()
    page.wait_for_load_state()
    assert "/calls/" in page.url
    page.go_back()
    shoot(page, "agent", tmp_path)
    page.goto((site / "agents" / "A001.html").as_uri())
    shoot(page, "agent-generated", tmp_path)
