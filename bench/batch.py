"""``python -m bench.batch``: a night's run on this machine.

- 5-minute 8 kHz stereo calls (the demo calls' real speech, looped) with the bundled ``base``
  model: local executor with 1 and 2 workers, and Ray with 2 actors; calls and audio hours per
  hour, scaling efficiency, Ray ÷ local, peak RSS per worker (sampled from the process tree).
- 10,000 transcript calls: the first run, a re-run where every call is skipped (time per
  skipped call), and a rules-only re-run after a pack edit (calls per second).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CALL_S = 300.0


def make_calls(folder: Path, count: int) -> list[Path]:
    """``count`` different 5-minute 8 kHz stereo WAVs from the demo's two stereo calls."""
    import wave

    from scipy.signal import resample_poly

    from qa.audio import load_audio

    sides = []
    for name in ("stereo_card_declined.wav", "stereo_transfer_fee.flac"):
        audio = load_audio(ROOT / "demo" / "calls" / name)
        rate = audio.pcm.sample_rate  # decoded for ASR at 16 kHz, whatever the file had
        pcm = np.stack([audio.pcm.read(c) for c in range(2)], axis=1)
        sides.append(resample_poly(pcm, 8000, rate, axis=0).astype(np.float32))
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        parts, total = [], 0
        i = n  # each call starts with a different piece, so every file has its own sha256
        while total < CALL_S * 8000:
            piece = sides[i % 2]
            parts += [piece, np.zeros((8000, 2), np.float32)]
            total += len(piece) + 8000
            i += 1
        pcm = np.concatenate(parts)[: int(CALL_S * 8000)]
        path = folder / f"night-{n:02d}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(2)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes((np.clip(pcm, -1, 1) * 32767).astype("<i2").tobytes())
        paths.append(path)
    return paths


def _clip(src: Path, dst: Path, seconds: float) -> None:
    import wave

    dst.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(src), "rb") as r, wave.open(str(dst), "wb") as w:
        w.setparams(r.getparams())
        w.writeframes(r.readframes(int(seconds * r.getframerate())))


class PeakRss:
    """The largest resident set of any process under this one (a worker or a Ray actor)."""

    def __init__(self) -> None:
        import psutil

        self.me = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psutil

        while not self._stop.wait(0.5):
            for child in self.me.children(recursive=True):
                with contextlib.suppress(psutil.Error):  # a process that just ended
                    self.peak = max(self.peak, child.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def audio_runs(calls: list[Path], short: Path, model: str) -> list[dict[str, Any]]:
    from asr import AsrOptions
    from qa.pipeline import PipelineOptions
    from qa.run import BatchOptions, run_batch
    from rules import load_pack

    options = PipelineOptions(asr=AsrOptions(model=model))
    options = replace(options, analysis=replace(options.analysis, rules=load_pack("bank-en")))
    rows = []
    for executor, workers in (("local", 1), ("local", 2), ("ray", 2)):
        out = Path(tempfile.mkdtemp(prefix="callqa-bench-"))
        batch = BatchOptions(workers=workers, executor=executor)  # type: ignore[arg-type]
        # start-up (processes or Ray, imports, models) once per run, measured on a 2-second call
        warm = Path(tempfile.mkdtemp(prefix="callqa-bench-"))
        t = time.perf_counter()
        run_batch([short], warm, options, batch=batch)
        startup = time.perf_counter() - t
        shutil.rmtree(warm, ignore_errors=True)
        with PeakRss() as rss:
            t = time.perf_counter()
            summary = run_batch(calls, out, options, batch=batch)
            wall = time.perf_counter() - t
        assert summary.ok == len(calls), summary
        rows.append(
            {
                "executor": executor,
                "workers": workers,
                "calls": len(calls),
                "wall_s": round(wall, 1),
                "startup_s": round(startup, 1),
                "calls_per_hour": round(len(calls) * 3600 / wall, 1),
                "steady_calls_per_hour": round(len(calls) * 3600 / max(wall - startup, 1e-9), 1),
                "audio_hours_per_hour": round(summary.audio_s / wall, 2),
                "peak_rss_per_worker_mb": round(rss.peak / 2**20),
            }
        )
        r = rows[-1]
        print(
            f"  {executor:5s} × {workers}: {wall:7.1f} s ({startup:.1f} s start-up), "
            f"{r['calls_per_hour']:6.1f} calls/h "
            f"({r['steady_calls_per_hour']:.1f} after start-up), "
            f"{r['audio_hours_per_hour']:5.2f} audio h/h, peak RSS per worker {r['peak_rss_per_worker_mb']} MB",
            flush=True,
        )
        shutil.rmtree(out, ignore_errors=True)
    return rows


def transcript_runs(count: int) -> dict[str, Any]:
    """First run, unchanged re-run, and re-scoring after a pack edit, on ``count`` transcripts."""
    import sys

    sys.path.insert(0, str(ROOT))
    from pii.detect import PiiOptions
    from qa.analyse import AnalysisOptions
    from qa.pipeline import PipelineOptions
    from qa.run import BatchOptions, run_batch
    from rules import load_pack
    from tests.batchcalls import write_calls

    work = Path(tempfile.mkdtemp(prefix="callqa-bench-"))
    write_calls(work / "in", count)
    pack = load_pack("bank-en")
    analysis = AnalysisOptions(rules=pack, pii=PiiOptions(ner=False), emotion=None)
    options = PipelineOptions(analysis=analysis)
    batch = BatchOptions(workers=2)
    out = work / "out"
    t = time.perf_counter()
    first = run_batch([work / "in"], out, options, batch=batch)
    first_s = time.perf_counter() - t
    t = time.perf_counter()
    again = run_batch([work / "in"], out, options, batch=batch)
    skip_s = time.perf_counter() - t
    assert again.skipped == count, again
    edited = work / "bank-en-edited.yaml"
    edited.write_text(Path(pack.path).read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    rescore_options = replace(options, analysis=replace(analysis, rules=load_pack(edited)))
    t = time.perf_counter()
    rescored = run_batch([work / "in"], out, rescore_options, batch=batch)
    rescore_s = time.perf_counter() - t
    assert rescored.rescored == count, rescored
    shutil.rmtree(work, ignore_errors=True)
    return {
        "calls": count,
        "first_run_s": round(first_s, 1),
        "first_run_calls_per_s": round(first.ok / first_s, 1),
        "rerun_s": round(skip_s, 2),
        "ms_per_skipped_call": round(skip_s * 1000 / count, 2),
        "rescore_s": round(rescore_s, 1),
        "rescore_calls_per_s": round(count / rescore_s, 1),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="base")
    parser.add_argument("--calls", type=int, default=6, help="5-minute calls per configuration")
    parser.add_argument("--transcripts", type=int, default=10_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="callqa-bench-calls-"))
    calls = make_calls(folder, args.calls)
    short = folder / "short" / "warm.wav"
    _clip(calls[0], short, 2.0)
    print(f"  {args.calls} calls of {CALL_S / 60:.0f} min, 8 kHz stereo, model {args.model}", flush=True)
    rows = audio_runs(calls, short, args.model)
    one, two, ray = rows
    results: dict[str, Any] = {"audio": rows}
    results["scaling_efficiency_2_workers"] = round(two["calls_per_hour"] / (2 * one["calls_per_hour"]), 2)
    results["ray_vs_local_2_workers"] = round(ray["calls_per_hour"] / two["calls_per_hour"], 2)
    results["ray_vs_local_after_startup"] = round(ray["steady_calls_per_hour"] / two["steady_calls_per_hour"], 2)
    print(
        f"  2 workers vs 1: ×{two['calls_per_hour'] / one['calls_per_hour']:.2f} "
        f"(efficiency {results['scaling_efficiency_2_workers']:.2f}); "
        f"Ray ÷ local: {results['ray_vs_local_2_workers']:.2f} "
        f"({results['ray_vs_local_after_startup']:.2f} after start-up)"
    )
    shutil.rmtree(folder, ignore_errors=True)
    tr = transcript_runs(args.transcripts)
    results["transcripts"] = tr
    print(
        f"  {tr['calls']} transcript calls: first run {tr['first_run_s']} s ({tr['first_run_calls_per_s']} calls/s); "
        f"unchanged re-run {tr['rerun_s']} s = {tr['ms_per_skipped_call']} ms per skipped call; "
        f"re-score after a pack edit {tr['rescore_s']} s = {tr['rescore_calls_per_s']} calls/s"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
