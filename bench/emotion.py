"""``python -m bench.emotion``: agreement with hand labels, and the time emotion scoring takes.

Agreement: ``tests/data/emotion_set.jsonl`` — contact-centre utterances written and labelled by
one person (the one who also wrote the cue lists), so this measures agreement with one annotator
on text, not emotion-recognition accuracy. Its splits say how far to trust each figure:
``dev`` and ``test`` were written first and the cue lists were tuned on both; ``holdout`` was
written blind, measured once (zh 0.56, en 0.72 accuracy) and then tuned on too; ``fresh`` was
written after the lists were frozen and is the only fair estimate of how new phrasing fares.

Speed: a synthetic 5-minute stereo call (agent on the left, customer on the right) made of
espeak-ng utterances, scored with and without audio; the acoustic share is the difference.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa.model import Audio, AudioInfo, Source, Utterance
from scoring.emotion import DEFAULT_OPTIONS, EmotionOptions, analyse, label_of
from scoring.text_sentiment import text_emotion

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "data" / "emotion_set.jsonl"
CLASSES = ("negative", "neutral", "positive")
RATE = 16000


def load_set(path: Path = LABELLED) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def predict(row: dict[str, Any], options: EmotionOptions = DEFAULT_OPTIONS) -> tuple[str, bool]:
    """(polarity, angry) from the words: angry counts as negative polarity, as in the labels."""
    t = text_emotion(row["text"], row["lang"], options)
    label = label_of(t.valence, t.arousal, options)
    return ("negative" if label == "angry" else label), label == "angry"


def agreement(rows: Sequence[dict[str, Any]], options: EmotionOptions = DEFAULT_OPTIONS) -> dict[str, Any]:
    """Accuracy, Cohen's kappa and confusion (rows: hand label, columns: predicted) for polarity,
    and the same for the angry flag."""
    gold, got, gold_angry, got_angry = [], [], [], []
    for r in rows:
        label, angry = predict(r, options)
        gold.append(r["label"])
        got.append(label)
        gold_angry.append(bool(r["angry"]))
        got_angry.append(angry)
    return {
        "n": len(rows),
        "polarity": _agreement(gold, got, CLASSES),
        "angry": _agreement(gold_angry, got_angry, (False, True)),
    }


def _agreement(gold: Sequence[Any], got: Sequence[Any], classes: Sequence[Any]) -> dict[str, Any]:
    index = {c: i for i, c in enumerate(classes)}
    m = np.zeros((len(classes), len(classes)), dtype=int)
    for g, p in zip(gold, got, strict=True):
        m[index[g], index[p]] += 1
    n = int(m.sum())
    observed = float(np.trace(m)) / n if n else 0.0
    expected = float((m.sum(1) * m.sum(0)).sum()) / n**2 if n else 0.0
    kappa = (observed - expected) / (1 - expected) if expected < 1 else 1.0
    return {
        "accuracy": round(observed, 3),
        "kappa": round(kappa, 3),
        "classes": [str(c) for c in classes],
        "confusion": m.tolist(),
    }


def disagreements(rows: Sequence[dict[str, Any]]) -> list[str]:
    out = []
    for r in rows:
        label, angry = predict(r)
        if label != r["label"] or angry != r["angry"]:
            hand = r["label"] + (" angry" if r["angry"] else "")
            out.append(
                f"{r['lang']} {r['split']:<4} hand {hand:<14} got {label}{' angry' if angry else '':<6} {r['text']}"
            )
    return out


# --- speed ---------------------------------------------------------------------------------------

_AGENT_LINES = (
    "Thank you for calling, my name is Sam, how can I help you today?",
    "Let me look at your account, one moment please.",
    "I can see the payment was taken on Monday.",
    "I understand, I am sorry about the wait.",
    "I have raised a refund, it should arrive in three to five days.",
    "Is there anything else I can help you with?",
)
_CUSTOMER_LINES = (
    "Hi, I am calling about a charge on my statement.",
    "It was taken twice and nobody called me back.",
    "This is the third time I have called about this.",
    "This is absolutely ridiculous, I want it fixed today!",
    "Okay, so when will I get the money back?",
    "Fine, thank you for your help.",
)


class ArrayPcm:
    """Samples in memory, float32 frames × channels, read like the pipeline's decoded audio."""

    sample_rate = RATE

    def __init__(self, samples: np.ndarray) -> None:
        self._samples = samples
        self.frames, self.channels = samples.shape

    def read(self, channel: int, start: float = 0.0, end: float | None = None) -> np.ndarray:
        a = min(max(0, round(start * RATE)), self.frames)
        b = self.frames if end is None else min(max(a, round(end * RATE)), self.frames)
        return self._samples[a:b, channel]


def espeak(
    text: str, folder: Path, name: str, voice: str = "en-us", amplitude: int = 100, pitch: int = 50, speed: int = 170
) -> np.ndarray:
    """One espeak-ng utterance as float32 at 16 kHz (sox resamples espeak's 22.05 kHz)."""
    raw, wav = folder / f"{name}.raw.wav", folder / f"{name}.wav"
    args = ["-v", voice, "-a", str(amplitude), "-p", str(pitch), "-s", str(speed), "-w", str(raw), text]
    subprocess.run(["espeak-ng", *args], check=True, capture_output=True)
    subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(wav)], check=True, capture_output=True)
    import soundfile

    samples, _ = soundfile.read(str(wav), dtype="float32")
    return np.asarray(samples, dtype=np.float32)


def synthetic_call(minutes: float, folder: Path) -> tuple[list[Utterance], Audio]:
    """Agent and customer taking turns on their own channels until the call is ``minutes`` long."""
    clips = {}
    for role, lines, pitch in (("agent", _AGENT_LINES, 45), ("customer", _CUSTOMER_LINES, 60)):
        for i, text in enumerate(lines):
            raised = role == "customer" and "!" in text
            clips[(role, i)] = espeak(
                text,
                folder,
                f"{role}{i}",
                amplitude=170 if raised else 90,
                pitch=80 if raised else pitch,
                speed=220 if raised else 165,
            )
    total = int(minutes * 60 * RATE)
    samples = np.zeros((total, 2), dtype=np.float32)
    utterances: list[Utterance] = []
    t, turn = 0.3, 0
    while True:
        role, lines = ("agent", _AGENT_LINES) if turn % 2 == 0 else ("customer", _CUSTOMER_LINES)
        k = (turn // 2) % len(lines)
        clip = clips[(role, k)]
        a = int(t * RATE)
        if a + len(clip) > total:
            break
        channel = 0 if role == "agent" else 1
        samples[a : a + len(clip), channel] = clip
        end = t + len(clip) / RATE
        utterances.append(Utterance(len(utterances), role, role.upper(), t, end, lines[k], channel=channel))  # type: ignore[arg-type]
        t, turn = end + 0.4, turn + 1
    info = AudioInfo(total / RATE, RATE, 2, "pcm")
    return utterances, Audio(Source("synthetic", None), info, ArrayPcm(samples))


def speed(minutes: float = 5.0, repeats: int = 3) -> dict[str, Any]:
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        return {"skipped": "espeak-ng or sox is not installed"}
    with tempfile.TemporaryDirectory() as tmp:
        utterances, audio = synthetic_call(minutes, Path(tmp))
    language = "en"
    analyse(utterances[:4], language, audio)  # imports and model loading are not per-call costs
    with_audio, text_only = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        felt = analyse(utterances, language, audio)
        with_audio.append(time.perf_counter() - t)
        t = time.perf_counter()
        analyse(utterances, language)
        text_only.append(time.perf_counter() - t)
    full, words = min(with_audio), min(text_only)
    customer = felt.summary["customer"]
    scoring = _scoring_s(utterances, felt.sentiments, audio.duration, repeats)
    return {
        "scoring_s": round(scoring, 4),
        "scoring_and_emotion_s": round(scoring + full, 3),
        "call_s": round(audio.duration, 1),
        "utterances": len(utterances),
        "analyse_s": round(full, 3),
        "text_only_s": round(words, 3),
        "acoustic_share": round((full - words) / full, 3) if full else 0.0,
        "x_realtime": round(audio.duration / full, 1) if full else None,
        "customer_peaks": len(customer["peaks"]),
        "customer_arousal_quarters": customer["arousal_quarters"],
    }


def text_speed(rows: Sequence[dict[str, Any]], repeats: int = 3) -> dict[str, float]:
    """Milliseconds per utterance for the words alone, per language (snownlp is the slow one)."""
    out = {}
    for lang in ("zh", "en"):
        texts = [r["text"] for r in rows if r["lang"] == lang]
        text_emotion(texts[0], lang, DEFAULT_OPTIONS)  # model loading is not a per-utterance cost
        best = float("inf")
        for _ in range(repeats):
            t = time.perf_counter()
            for text in texts:
                text_emotion(text, lang, DEFAULT_OPTIONS)
            best = min(best, time.perf_counter() - t)
        out[lang] = round(1000 * best / len(texts), 2)
    return out


def _scoring_s(utterances: Sequence[Utterance], sentiments: Sequence[Any], duration: float, repeats: int) -> float:
    """The bank-en pack's rules and its scorecard on the same call (emotion rules included)."""
    from dataclasses import replace

    from rules import check_call, load_pack
    from scoring.callscore import score_findings

    pack = load_pack("bank-en")
    felt = [replace(u, sentiment=s) for u, s in zip(utterances, sentiments, strict=True)]
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        score_findings(pack, check_call(felt, duration, "en", pack))
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.emotion", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="length of the synthetic call")
    parser.add_argument("--show", action="store_true", help="list the utterances where the labels disagree")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    rows = load_set()
    results: dict[str, Any] = {"agreement": {}}
    for lang in ("zh", "en"):
        for split in ("dev", "test", "holdout", "fresh", "all"):
            chosen = [r for r in rows if r["lang"] == lang and split in ("all", r["split"])]
            results["agreement"][f"{lang}/{split}"] = agreement(chosen)
    print("Agreement with one annotator's text labels (not an emotion-accuracy claim).")
    print("dev/test: tuned on; holdout: tuned on after a first look; fresh: written after tuning stopped.")
    print(f"{'set':<11} {'n':>4} {'polarity acc':>12} {'kappa':>6} {'angry acc':>9} {'kappa':>6}")
    for name, a in results["agreement"].items():
        p, g = a["polarity"], a["angry"]
        print(
            f"{name:<11} {a['n']:>4} {p['accuracy']:>12.3f} {p['kappa']:>6.3f} {g['accuracy']:>9.3f} {g['kappa']:>6.3f}"
        )
    for name in ("zh/fresh", "en/fresh", "zh/all", "en/all"):
        m = results["agreement"][name]["polarity"]["confusion"]
        print(f"\n{name} confusion (rows hand, columns predicted: {', '.join(CLASSES)})")
        for cls, row in zip(CLASSES, m, strict=True):
            print(f"  {cls:<9} " + " ".join(f"{v:>4}" for v in row))
    if args.show:
        print("\nDisagreements:")
        print("\n".join(disagreements(rows)))

    results["speed"] = speed(args.minutes)
    results["speed"]["text_ms_per_utterance"] = text_speed(rows)
    s = results["speed"]
    print(f"\nSpeed ({args.minutes:g}-minute synthetic stereo call):", json.dumps(s))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
