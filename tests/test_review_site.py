"""The static review site, without a browser: a page per call and agent, escaping, CSP, nothing
remote, no unmasked PII, both languages, links that resolve, the CLI. The store comes from the
real pipeline over generated transcripts, so what is masked is what the pipeline masked."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from qa.cli_review_site import build
from review import build_site
from review.html import CSP
from review.names import call_page, href, stem
from store import default_url, open_store
from tests.batchcalls import CARD, transcript, transcript_zh, write_calls

XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
UNICODE_ID = "客户 投诉#1"


def write_special_calls(folder: Path) -> None:
    """An angry customer whose words carry markup (so they are both transcript and evidence), and a
    Mandarin call whose id needs care in a file name and a link."""
    hostile = transcript(99, leak=True, angry=True)
    hostile["utterances"][1]["text"] = f"This is ridiculous, I am furious {XSS[0]} {XSS[1]} you charged me twice!"
    (folder / "xss-call.json").write_text(json.dumps(hostile), encoding="utf-8")
    meta = {"agent_id": "A<b>9", "team": "red", "started_at": "2026-11-21T10:00:00"}
    (folder / "xss-call.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    (folder / f"{UNICODE_ID}.json").write_text(json.dumps(transcript_zh(3)), encoding="utf-8")
    zh_meta = {"agent_id": "坐席七", "started_at": "2026-11-22T11:00:00"}
    (folder / f"{UNICODE_ID}.meta.json").write_text(json.dumps(zh_meta), encoding="utf-8")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from qa.analyse import AnalysisOptions
    from qa.pipeline import Pipeline, PipelineOptions
    from qa.run import run_batch
    from rules import load_pack

    folder = tmp_path_factory.mktemp("in")
    write_calls(folder, 8)
    write_special_calls(folder)
    out = tmp_path_factory.mktemp("out")
    run_batch([folder], out, pipeline=Pipeline(PipelineOptions(analysis=AnalysisOptions(rules=load_pack("bank-en")))))
    # a stand-in for the masked audio a run writes, to see it copied and linked
    (out / "audio").mkdir(exist_ok=True)
    (out / "audio" / "call-0001.wav").write_bytes(b"RIFF----WAVEfmt masked")
    return out


@pytest.fixture(scope="module")
def site(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    store = open_store(default_url(run_dir))
    try:
        summary = build_site(store, out, run_dir=run_dir)
    finally:
        store.close()
    assert summary.calls == 10 and summary.agents == 5 and summary.audio_files == 1
    assert summary.pages == 1 + 10 + 5 + 2
    return out


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def texts(site: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in site.rglob("*") if p.suffix in (".html", ".js", ".css")}


def test_a_page_for_every_call_and_agent(site: Path, run_dir: Path) -> None:
    calls = sorted(json.loads(p.read_text())["call_id"] for p in (run_dir / "calls").glob("*.json"))
    assert sorted(unquote(href(c)) for c in calls) == sorted(p.stem for p in (site / "calls").glob("*.html"))
    assert {p.name for p in (site / "agents").glob("*.html")} == {
        f"{stem(a)}.html" for a in ("A001", "A002", "A003", "A<b>9", "坐席七")
    }
    assert (site / "index.html").is_file() and (site / "assets" / "app.js").is_file()
    assert (site / "assets" / "site.css").is_file()


def test_every_link_and_source_resolves(site: Path) -> None:
    for page, text in texts(site).items():
        for link in re.findall(r'(?:href|src)="([^"#]+)(?:#[^"]*)?"', text):
            assert (page.parent / unquote(link)).exists(), f"{page.relative_to(site)} → {link}"


def test_finding_anchors_match_the_auditors_links(site: Path, run_dir: Path) -> None:
    from audit.violations import page_link

    ids = [json.loads(p.read_text())["call_id"] for p in (run_dir / "calls").glob("*.json")]
    assert any(not i.isascii() for i in ids)
    for call_id in ids:
        link, _, anchor = page_link(call_id, 0).partition("#")
        page = site / unquote(link)
        assert page.is_file(), link
        assert f'id="{anchor}"' in page.read_text(encoding="utf-8")
        assert call_page(call_id) == page_link(call_id)


def test_transcript_and_evidence_are_escaped(site: Path) -> None:
    for page, text in texts(site).items():
        for raw in (*XSS, "A<b>9"):
            assert raw not in text, f"{raw!r} unescaped in {page.relative_to(site)}"
    page = (site / "calls" / "xss-call.html").read_text(encoding="utf-8")
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
    transcript_line = re.search(r'<span class="text">[^<]*' + re.escape(escaped), page)
    evidence = re.search(r'<blockquote class="evidence">[^<]*' + re.escape(escaped), page)
    assert transcript_line and evidence
    assert not re.search(r"<[^>]*\son[a-z]+=", page), "an inline event handler"


def test_every_page_has_the_csp_and_nothing_inline_or_remote(site: Path) -> None:
    assert "'unsafe-inline'" not in CSP and "http" not in CSP
    for page in pages(site):
        text = page.read_text(encoding="utf-8")
        assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in text, page
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"inline script in {page}"
        assert "<style" not in text and " style=" not in text
    for path, text in texts(site).items():
        assert "http://" not in text and "https://" not in text, path
        assert "//" not in re.sub(r"/\*.*?\*/|//[^\n]*", "", text) or path.suffix != ".css"


def test_no_unmasked_pii_anywhere_in_the_site(site: Path, run_dir: Path) -> None:
    digits = CARD.replace(" ", "")
    for path in site.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert CARD.encode() not in data and digits.encode() not in data, path
    leak = (site / "calls" / "call-0001.html").read_text(encoding="utf-8")
    assert "pii.agent_reads_number" in leak and "[NUMBER]" in leak


def test_audio_is_the_masked_copy_by_default(site: Path) -> None:
    page = (site / "calls" / "call-0001.html").read_text(encoding="utf-8")
    assert '<audio id="audio" controls preload="auto" src="../audio/call-0001.wav">' in page
    assert (site / "audio" / "call-0001.wav").read_bytes() == b"RIFF----WAVEfmt masked"
    assert "<audio" not in (site / "calls" / "call-0000.html").read_text(encoding="utf-8")


def test_original_audio_only_when_asked(run_dir: Path, tmp_path: Path) -> None:
    store = open_store(default_url(run_dir))
    try:
        summary = build_site(store, tmp_path, run_dir=run_dir, original_audio=True)
    finally:
        store.close()
    # these calls' sources are transcripts: there is no original recording to copy, and the masked one is not used
    assert summary.audio_files == 0 and not any((tmp_path / "audio").iterdir())


def test_calls_to_review_first_say_why(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    first = re.search(r'<ol class="rf-list">(.*?)</ol></section>', index, re.S)
    assert first
    items = re.findall(
        r'<a class="call" href="([^"]+)">.*?<ul class="why([^"]*)">(.*?)</ul></div><span class="badge (\w+)"', first[1]
    )
    assert 3 <= len(items) <= 10
    assert items[0][0] == "calls/xss-call.html" and "auto-fail: pii.agent_reads_number" in items[0][2]
    assert items[1][0] == "calls/call-0001.html"
    for _link, quiet, reasons, badge in items:
        assert reasons and not quiet, "a call that passed with nothing to fix is not one to review first"
        assert badge != "ok" or "angry" in reasons or "critical" in reasons
    # every call is in the filterable table, with what app.js filters and sorts on
    rows = re.findall(r'<tr data-call="[^"]*" data-agent="[^"]*" data-started="[^"]*" data-score="[^"]*"', index)
    assert len(rows) == 10


def test_chinese_and_english(run_dir: Path, tmp_path: Path) -> None:
    store = open_store(default_url(run_dir))
    try:
        build_site(store, tmp_path / "zh", run_dir=run_dir, lang="zh")
        with pytest.raises(ValueError, match="language"):
            build_site(store, tmp_path / "fr", run_dir=run_dir, lang="fr")
    finally:
        store.close()
    zh = (tmp_path / "zh" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in zh and "优先复核" in zh and "一票否决：pii.agent_reads_number" in zh
    assert "Review these first" not in zh
    call = (tmp_path / "zh" / "calls" / "call-0001.html").read_text(encoding="utf-8")
    assert "转写文本" in call and "分项得分" in call


def test_english_strings(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in index and "Review these first" in index
    agent = (site / "agents" / "A001.html").read_text(encoding="utf-8")
    assert "Score trend" in agent and '<svg class="chart"' in agent and "Most violated rules" in agent


def test_since_until_and_the_cli(run_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        build, [str(run_dir), "--out", str(tmp_path / "s"), "--since", "2026-11-02", "--until", "2026-11-03"]
    )
    assert result.exit_code == 0, result.output
    assert "2 calls" in result.output
    assert sorted(p.name for p in (tmp_path / "s" / "calls").iterdir()) == ["call-0001.html", "call-0002.html"]
    bad = CliRunner().invoke(build, [str(run_dir), "--out", str(tmp_path / "t"), "--since", "yesterday"])
    assert bad.exit_code == 2 and "not a date" in bad.output
    neither = CliRunner().invoke(build, ["--out", str(tmp_path / "u")], env={"CALLQA_STORE": None})
    assert neither.exit_code == 2


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [("call-0001", "call-0001"), ("客户 投诉", "客户 投诉"), ("50%?#", "50%?#"), ("a/b", None), ("..x", None)],
)
def test_file_names(identifier: str, expected: str | None) -> None:
    got = stem(identifier)
    if expected is not None:
        assert got == expected
    else:
        assert "/" not in got and not got.startswith(".") and got != stem(identifier + "_")


def test_coach_verdicts_show_on_the_finding(run_dir: Path, tmp_path: Path) -> None:
    from sqlalchemy import delete, insert

    from store import schema

    url = f"sqlite:///{tmp_path / 'copy.db'}"
    copy = open_store(url)
    try:
        for path in sorted((run_dir / "calls").glob("call-0001.json")):
            copy.save_call(json.loads(path.read_text()), run_id="r")
        note = "the customer read it <i>aloud</i>"
        with copy.engine.begin() as conn:
            conn.execute(delete(schema.verdicts))
            conn.execute(
                insert(schema.verdicts),
                [
                    {
                        "call_id": "call-0001",
                        "finding_idx": 2,
                        "rule_id": "pii.agent_reads_number",
                        "start_s": 25.05,
                        "verdict": "disagree",
                        "note": note,
                        "by": "lin",
                        "at": "2026-11-25T10:00:00",
                    },
                ],
            )
        build_site(copy, tmp_path / "site", run_dir=None)
    finally:
        copy.close()
    page = (tmp_path / "site" / "calls" / "call-0001.html").read_text(encoding="utf-8")
    finding = re.search(r'<li class="finding [^"]*" id="f2">(.*?)</li></ul></div>', page, re.S)
    assert finding and "pii.agent_reads_number" in finding[1]
    assert (
        "<b>lin</b> disagrees <time>2026-11-25 10:00</time>: the customer read it &lt;i&gt;aloud&lt;/i&gt;"
        in finding[1]
    )
