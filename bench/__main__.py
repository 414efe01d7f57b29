"""``python -m bench``: accuracy, throughput against plain faster-whisper, rules, PII, emotion, the nightly
batch (workers, Ray, skip and re-score), peak memory.

Every ratio is measured in this one process run: the same model object transcribes the same
audio once through ``WhisperModel.transcribe()`` with its defaults (the peer baseline) and once
through the whole callqa pipeline (decode + diarize + ASR). Results are printed and written to
``bench-out/results.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from batch import discover
from bench.accuracy import CER_CASES, DER_CASES, SHARED, WER_CASES, cer, der, reference, transcript_text, wer
from diarize import DiarizeOptions, diarize
from qa.audio import load_audio
from qa.pipeline import Pipeline, PipelineOptions

ROOT = Path(__file__).resolve().parents[1]
THROUGHPUT_FILES = [
    ROOT / "demo/calls/stereo_card_declined.wav",
    ROOT / "demo/calls/stereo_transfer_fee.flac",
    ROOT / "demo/calls/mono_complaint.mp3",
    SHARED / "google-speech/commercial_mono.wav",
    SHARED / "pyannote-audio/sample.wav",
]


def accuracy(pipeline: Pipeline) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for audio_file, (rttm, uri) in DER_CASES.items():
        score = der(diarize(load_audio(SHARED / audio_file), DiarizeOptions(method="embedded")), SHARED / rttm, uri)
        out[f"DER embedded {audio_file}"] = score.der
    [stereo] = discover([SHARED / "faster-whisper/stereo_diarization.wav"])
    result = pipeline.process(stereo).result
    for channel, side in ((0, "left"), (1, "right")):
        said = " ".join(u.text for u in result.utterances if u.channel == channel)
        out[f"WER channels stereo_diarization {side}"] = wer(
            reference(f"faster-whisper/stereo_diarization.{side}.txt"), said
        )
    for cases, metric, name in ((WER_CASES, wer, "WER"), (CER_CASES, cer, "CER")):
        for audio_file, ref in cases.items():
            [source] = discover([SHARED / audio_file])
            out[f"{name} {audio_file}"] = metric(reference(ref), transcript_text(pipeline.process(source).result))
    return out


def throughput(pipeline: Pipeline, repeats: int) -> list[dict[str, Any]]:
    model = pipeline.engine.model  # the very model object the pipeline uses
    rows = []
    for path in THROUGHPUT_FILES:
        if not path.exists():
            print(f"  (missing {path}, skipped)", file=sys.stderr)
            continue
        [source] = discover([path])
        plain_s, callqa_s = [], []
        for i in range(repeats + 1):  # the first round warms caches and is not counted
            t = time.perf_counter()
            segments, info = model.transcribe(str(path))
            list(segments)
            p = time.perf_counter() - t
            t = time.perf_counter()
            result = pipeline.process(source).result
            c = time.perf_counter() - t
            if i:
                plain_s.append(p)
                callqa_s.append(c)
        duration = info.duration
        rows.append(
            {
                "file": path.name,
                "channels": result.audio.channels if result.audio else None,
                "duration_s": round(duration, 1),
                "plain_s": round(min(plain_s), 2),
                "callqa_s": round(min(callqa_s), 2),
                "ratio": round(min(plain_s) / min(callqa_s), 2),
                "callqa_x_realtime": round(duration / min(callqa_s), 1),
                "stages": {k: round(v, 2) for k, v in result.timings.items()},
            }
        )
    return rows


def peak_rss(model: str) -> int:
    """Peak memory of one worker processing the demo calls, in a fresh process."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "bench.peak_rss", "run", str(ROOT / "demo/calls"), "--out", out, "--model", model]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    match = re.search(r"peak_rss_mb=(\d+)", proc.stdout)
    return int(match.group(1)) if match else -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="base")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit(f"{SHARED} is missing: the benchmark needs ../shared/data beside the checkout")
    from asr import AsrOptions

    pipeline = Pipeline(PipelineOptions(asr=AsrOptions(model=args.model)))
    engine = pipeline.engine
    print(f"model {engine.model_info.identity} on {engine.device} ({engine.compute_type}), batch {engine.batch_size}")

    print("\n== accuracy (../shared/data)")
    acc = accuracy(pipeline)
    for name, value in acc.items():
        print(f"  {name:60s} {value:6.1%}")

    print("\n== throughput: callqa run (decode + diarize + ASR) vs plain WhisperModel.transcribe(), same model")
    rows = throughput(pipeline, args.repeats)
    print(f"  {'file':28s} {'ch':>2s} {'dur s':>6s} {'plain s':>8s} {'callqa s':>9s} {'ratio':>6s}  stages")
    for r in rows:
        print(
            f"  {r['file']:28s} {r['channels']:>2} {r['duration_s']:6.1f} {r['plain_s']:8.2f} {r['callqa_s']:9.2f} "
            f"{r['ratio']:6.2f}  {r['stages']}"
        )
    total_plain, total_callqa = sum(r["plain_s"] for r in rows), sum(r["callqa_s"] for r in rows)
    print(f"  all files: ratio {total_plain / total_callqa:.2f}")

    print("\n== rules + metrics on transcript input (one core)")
    from bench import rules_speed

    rules_rates = rules_speed.main()

    print("\n== sensitive data: labelled corpus, and speed on transcript input")
    from bench import pii

    pii_scores = pii.main()

    print("\n== emotion: agreement with hand labels, time per call, acoustic share")
    from bench import emotion

    emotion_json = args.out / "emotion.json"
    args.out.mkdir(parents=True, exist_ok=True)
    emotion.main(["--json", str(emotion_json)])

    print("\n== nightly batch: workers, Ray, skipping and re-scoring (about 12 minutes)")
    from bench import batch

    batch_results = batch.main(["--model", args.model])

    rss = peak_rss(args.model)
    print(f"\n== peak RSS of one worker over the demo calls: {rss} MB")
    args.out.mkdir(parents=True, exist_ok=True)
    results = {
        "model": engine.model_info.identity,
        "device": engine.device,
        "accuracy": acc,
        "throughput": rows,
        "throughput_ratio_all": round(total_plain / total_callqa, 2),
        "peak_rss_mb": rss,
        "rules_calls_per_s": rules_rates,
        "pii": {t: {"precision": sc.precision, "recall": sc.recall, "f1": sc.f1} for t, sc in pii_scores.items()},
        "emotion": json.loads(emotion_json.read_text(encoding="utf-8")),
        "batch": batch_results,
    }
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {args.out / 'results.json'}")


if __name__ == "__main__":
    main()
