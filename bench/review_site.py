"""``python -m bench.review_site``: how long the review site takes per 1,000 calls, and what a
10-minute call's page weighs (HTML; the shared app.js and site.css counted once, beside it).

Calls are real pipeline results (rules, PII masking, emotion, scores) from generated transcripts;
to reach 1,000 without running the pipeline 1,000 times, each result is saved again under new ids
and agents — the site builder reads them from the store like any other call.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TEN_MINUTES = 600.0
_LINES = [
    ("customer", "I was charged twice for the same payment and nobody called me back last week."),
    ("agent", "I am sorry to hear that, let me look at the account and the two payments for you."),
    ("customer", "It was on Monday, at the supermarket, around fifty pounds each time."),
    ("agent", "I can see both transactions here; one of them is still pending with the merchant."),
    ("customer", "So will I get the money back or do I have to call again tomorrow?"),
    ("agent", "The pending one will drop off within three working days, you do not need to call."),
]


def long_transcript(seconds: float = TEN_MINUTES) -> dict[str, Any]:
    """A two-party call of ``seconds``: opening, then the same kind of exchange until it is long enough."""
    utterances: list[dict[str, Any]] = []
    t, i = 0.0, 0
    opening = ("agent", "Thank you for calling Northwind Bank, this call is recorded, my name is Alex.")
    while t < seconds:
        role, text = opening if i == 0 else _LINES[(i - 1) % len(_LINES)]
        end = t + 0.35 * len(text.split())
        utterances.append(
            {"id": i, "start": round(t, 2), "end": round(end, 2), "text": text, "role": role, "speaker": role}
        )
        t, i = end + 0.7, i + 1
    return {"language": "en", "utterances": utterances}


def make_results(folder: Path, out: Path) -> list[dict[str, Any]]:
    """Real results for 12 generated calls and one 10-minute call."""
    from qa.analyse import AnalysisOptions
    from qa.pipeline import Pipeline, PipelineOptions
    from qa.run import run_batch
    from rules import load_pack

    sys.path.insert(0, str(ROOT))
    from tests.batchcalls import write_calls

    write_calls(folder, 12)
    (folder / "ten-minutes.json").write_text(json.dumps(long_transcript()), encoding="utf-8")
    (folder / "ten-minutes.meta.json").write_text(
        json.dumps({"agent_id": "A001", "started_at": "2026-11-10T10:00:00"}), encoding="utf-8"
    )
    pipeline = Pipeline(PipelineOptions(analysis=AnalysisOptions(rules=load_pack("bank-en"))))
    run_batch([folder], out, pipeline=pipeline)
    return [json.loads(p.read_text()) for p in sorted((out / "calls").glob("*.json")) if ".unredacted" not in p.name]


def fill(url: str, results: list[dict[str, Any]], calls: int) -> None:
    from store import open_store

    store = open_store(url)
    try:
        short = [r for r in results if r["call_id"] != "ten-minutes"]
        for n in range(calls - 1):
            base = short[n % len(short)]
            meta = {
                **base["metadata"],
                "agent_id": f"A{n % 40:03d}",
                "started_at": f"2026-11-{1 + n % 28:02d}T09:00:00",
            }
            store.save_call({**base, "call_id": f"c{n:05d}", "metadata": meta}, run_id="bench")
        store.save_call(next(r for r in results if r["call_id"] == "ten-minutes"), run_id="bench")
    finally:
        store.close()


def measure(calls: int = 1000) -> dict[str, Any]:
    from review import build_site
    from store import open_store

    with tempfile.TemporaryDirectory(prefix="callqa-bench-review-") as tmp:
        root = Path(tmp)
        results = make_results(root / "in", root / "run")
        url = f"sqlite:///{root / 'bench.db'}"
        fill(url, results, calls)
        store = open_store(url)
        try:
            began = time.perf_counter()
            summary = build_site(store, root / "site", run_dir=None)
            seconds = time.perf_counter() - began
        finally:
            store.close()
        page = root / "site" / "calls" / "ten-minutes.html"
        assets = sum((root / "site" / "assets" / a).stat().st_size for a in ("app.js", "site.css"))
        ten = next(r for r in results if r["call_id"] == "ten-minutes")
        return {
            "calls": summary.calls,
            "pages": summary.pages,
            "site_mb": round(summary.bytes / 1e6, 2),
            "seconds": round(seconds, 2),
            "seconds_per_1000_calls": round(1000 * seconds / summary.calls, 2),
            "ten_minute_page_kb": round(page.stat().st_size / 1024, 1),
            "ten_minute_utterances": len(ten["utterances"]),
            "ten_minute_findings": len(ten["findings"]),
            "shared_assets_kb": round(assets / 1024, 1),
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out" / "review_site.json")
    args = parser.parse_args(argv)
    result = measure(args.calls)
    for key, value in result.items():
        print(f"{key:>26}: {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
