"""Emotion: text valence on call speech (zh, en), the voice against the speaker's own baseline,
the per-call summary, and agreement with the hand-labelled set."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from qa.audio import MemoryPcm
from qa.model import Audio, AudioInfo, Source, Utterance
from scoring.emotion import CallEmotion, EmotionOptions, analyse, summarize, text_valence
from tests.conftest import require_tools


def _label(text: str, language: str | None) -> str:
    u = Utterance(0, "customer", "S1", 0.0, 2.0, text)
    return analyse([u], language).sentiments[0]["label"]


TEXT_CASES = [
    # (text, language, expected label) — plain questions and requests must stay neutral
    ("请问我的余额是多少", "zh", "neutral"),
    ("我想查一下上个月的账单", "zh", "neutral"),
    ("麻烦您提供一下身份证号码", "zh", "neutral"),
    ("好的，那我等一下", "zh", "neutral"),
    ("您好，工号一零二四为您服务", "zh", "neutral"),
    ("我想取消自动续费", "zh", "neutral"),
    ("这个问题我已经反映三次了，还是没解决", "zh", "negative"),
    ("钱扣了但是东西没收到", "zh", "negative"),
    ("我对这个处理结果不满意", "zh", "negative"),  # "满意" inside "不满意" is not praise
    ("真是谢谢你们了，又让我白跑一趟", "zh", "negative"),  # sarcasm: thanks with a complaint
    ("我要投诉你们", "zh", "angry"),
    ("什么破服务，我要销户", "zh", "angry"),
    ("谢谢您的耐心解答", "zh", "positive"),
    ("太好了，问题解决了，非常感谢", "zh", "positive"),
    ("Hi, I'd like to check my account balance please.", "en", "neutral"),
    ("Why was I charged twice for the same order?", "en", "neutral"),
    ("Could you please confirm your date of birth?", "en", "neutral"),
    ("Thank you for calling, my name is Sarah, how can I help you today?", "en", "neutral"),
    ("Yes, that's correct.", "en", "neutral"),
    ("I'd like to cancel the automatic renewal.", "en", "neutral"),
    ("I've been on hold for forty minutes.", "en", "negative"),
    ("Nobody called me back like they promised.", "en", "negative"),
    ("Wow, thanks for nothing.", "en", "negative"),
    ("This is unacceptable, I want to speak to your manager right now.", "en", "angry"),
    ("If this isn't sorted today I'm cancelling my account.", "en", "angry"),
    ("Thank you so much, that's really helpful.", "en", "positive"),
    ("Perfect, thanks for your help.", "en", "positive"),
]


@pytest.mark.parametrize(("text", "language", "expected"), TEXT_CASES, ids=[c[0][:30] for c in TEXT_CASES])
def test_text_labels(text: str, language: str, expected: str) -> None:
    assert _label(text, language) == expected


def test_language_none_picks_by_script() -> None:
    assert _label("我要投诉你们", None) == "angry"
    assert _label("This is absolutely ridiculous!", None) == "angry"
    assert text_valence("请问我的余额是多少", None) == 0.0
    assert text_valence("", "en") == 0.0


def test_text_valence_range_and_sign() -> None:
    values = [text_valence(t, lang) for t, lang, _ in TEXT_CASES]
    assert all(-1.0 <= v <= 1.0 for v in values)
    assert text_valence("我要投诉你们", "zh") < 0 < text_valence("谢谢您的耐心解答", "zh")
    assert text_valence("You people are a complete scam.", "en") < 0 < text_valence("Thanks, great help!", "en")


def test_sentiment_shape_without_audio() -> None:
    us = [Utterance(i, "customer", "S1", i, i + 1.0, t) for i, t in enumerate(["Hello.", "This is ridiculous!"])]
    felt = analyse(us, "en")
    assert isinstance(felt, CallEmotion) and len(felt.sentiments) == 2
    s = felt.sentiments[1]
    assert set(s) == {"label", "score", "valence", "arousal", "text", "voice"}
    assert s["voice"] is None and s["score"] == s["valence"] == s["text"]
    assert s["label"] == "angry" and -1 <= s["arousal"] <= 1


def test_options_validate() -> None:
    EmotionOptions().validate()
    for bad in (
        EmotionOptions(zh_neutral=(0.9, 0.2)),
        EmotionOptions(voice_weight=1.5),
        EmotionOptions(min_baseline=1),
        EmotionOptions(angry_valence=0.1),
        EmotionOptions(negative_below=0.1),
        EmotionOptions(start_share=0.8),
        EmotionOptions(floor_pitch_st=0),
    ):
        with pytest.raises(ValueError):
            bad.validate()


# --- voice ---------------------------------------------------------------------------------------

_LINES = (
    "I am calling about my bill from last month.",
    "The amount looks different to what I expected.",
    "Could you check the charges for me?",
    "I paid the usual amount on the first.",
    "My account number is on the letter.",
    "I would like to understand the extra fee.",
)


def _espeak(text: str, folder: Path, name: str, amplitude: int, pitch: int, speed: int) -> np.ndarray:
    raw, wav = folder / f"{name}.raw.wav", folder / f"{name}.wav"
    args = ["-v", "en-us", "-a", str(amplitude), "-p", str(pitch), "-s", str(speed), "-w", str(raw), text]
    subprocess.run(["espeak-ng", *args], check=True, capture_output=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)], check=True, capture_output=True)
    with wave.open(str(wav)) as f:
        return np.frombuffer(f.readframes(f.getnframes()), dtype=np.int16)


@pytest.fixture(scope="module")
def voiced_call(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Utterance], Audio]:
    """Customer (left): six utterances in a normal voice, then two loud, high and fast ones.
    Agent (right): the same six sentences, all loud and high, none raised against the others."""
    require_tools("espeak-ng", "sox")
    folder = tmp_path_factory.mktemp("voice")
    clips = [("customer", 0, t, _espeak(t, folder, f"c{i}", 70, 45, 160)) for i, t in enumerate(_LINES)]
    clips += [("customer", 0, t, _espeak(t, folder, f"r{i}", 180, 80, 230)) for i, t in enumerate(_LINES[:2])]
    clips += [("agent", 1, t, _espeak(t, folder, f"a{i}", 180, 70, 200)) for i, t in enumerate(_LINES)]
    total = sum(len(c[3]) for c in clips) + 16000 * len(clips)
    samples = np.zeros((total, 2), dtype=np.int16)
    utterances, t = [], 0.2
    for k, (role, channel, text, clip) in enumerate(clips):
        a = int(t * 16000)
        samples[a : a + len(clip), channel] = clip
        end = t + len(clip) / 16000
        utterances.append(Utterance(k, role, "SPEAKER_00", t, end, text, channel=channel))  # type: ignore[arg-type]
        t = end + 0.5
    return utterances, Audio(Source("espeak", None), AudioInfo(total / 16000, 16000, 2), MemoryPcm(samples))


def test_raised_voice_has_higher_arousal_than_the_same_speakers_normal_voice(voiced_call) -> None:
    utterances, audio = voiced_call
    felt = analyse(utterances, "en", audio)
    customer = [s for u, s in zip(utterances, felt.sentiments, strict=True) if u.role == "customer"]
    normal, raised = customer[:6], customer[6:]
    assert all(s["voice"] is not None for s in customer)
    assert min(s["arousal"] for s in raised) > max(s["arousal"] for s in normal) + 0.3
    for s in raised:
        assert s["voice"]["loudness"] > 2 and s["voice"]["pitch"] > 2
    # the same words without audio: no difference at all between the two groups
    words_only = analyse(utterances, "en").sentiments
    assert {s["arousal"] for s in words_only[:8]} == {words_only[0]["arousal"]}


def test_a_uniformly_loud_speaker_is_not_elevated(voiced_call) -> None:
    utterances, audio = voiced_call
    felt = analyse(utterances, "en", audio)
    agent = [s for u, s in zip(utterances, felt.sentiments, strict=True) if u.role == "agent"]
    assert len(agent) == 6 and all(s["voice"] is not None for s in agent)
    assert max(s["arousal"] for s in agent) < 0.25
    assert all(s["label"] != "angry" for s in agent)


def test_too_few_utterances_have_no_voice_baseline(voiced_call) -> None:
    utterances, audio = voiced_call
    few = [utterances[0], utterances[1], utterances[8]]  # two customer utterances, one agent one
    felt = analyse(few, "en", audio)
    assert all(s["voice"] is None for s in felt.sentiments)


# --- summary -------------------------------------------------------------------------------------


def _s(label: str, valence: float, arousal: float = 0.0) -> dict:
    return {"label": label, "score": valence, "valence": valence, "arousal": arousal, "text": valence, "voice": None}


def _built(rows: list[tuple[str, float, float, str, float, float]]) -> tuple[list[Utterance], list[dict]]:
    us = [Utterance(i, role, role, a, b, "") for i, (role, a, b, *_) in enumerate(rows)]  # type: ignore[arg-type]
    return us, [_s(label, v, ar) for (_, _, _, label, v, ar) in rows]


def test_summary_quarters_trend_and_peaks() -> None:
    us, ss = _built(
        [
            ("agent", 0, 5, "neutral", 0.0, 0.0),
            ("customer", 5, 10, "angry", -0.6, 0.6),
            ("customer", 10, 15, "angry", -0.5, 0.7),  # adjacent to the last: one peak
            ("agent", 15, 20, "neutral", 0.0, 0.0),  # the agent between does not split it
            ("customer", 20, 25, "negative", -0.4, 0.1),
            ("customer", 25, 30, "angry", -0.7, 0.5),  # a second peak
            ("agent", 30, 35, "neutral", 0.1, 0.0),
            # nothing from the customer in the third quarter
            ("customer", 62, 70, "neutral", 0.0, 0.0),
            ("customer", 70, 80, "positive", 0.5, 0.0),
        ]
    )
    summary = summarize(us, ss)
    c = summary["customer"]
    # the call is 80 s long (the last end): quarters are 0–20, 20–40, 40–60, 60–80 s
    assert c["quarters"] == [-0.55, -0.55, None, 0.25]
    assert c["arousal_quarters"] == [0.65, 0.3, None, 0.0]
    assert c["start"] == pytest.approx(-0.55) and c["end"] == pytest.approx(0.25)  # thirds: 2 of 6 each
    assert c["trend"] == "improving"
    assert [(p["utterance"], p["start"], p["end"]) for p in c["peaks"]] == [(1, 5, 15), (5, 25, 30)]
    assert c["peaks"][0]["valence"] == -0.6 and c["peaks"][0]["arousal"] == 0.7
    a = summary["agent"]
    assert a["trend"] == "flat" and a["peaks"] == []
    assert set(c) == {"start", "end", "trend", "quarters", "arousal_quarters", "peaks"}


def test_summary_worsening_and_missing_role() -> None:
    us, ss = _built(
        [
            ("customer", 0, 5, "positive", 0.4, 0.0),
            ("customer", 5, 10, "neutral", 0.0, 0.0),
            ("customer", 10, 15, "negative", -0.5, 0.1),
        ]
    )
    summary = summarize(us, ss)
    assert summary["customer"]["trend"] == "worsening"
    assert summary["agent"] == {}
    # a sentiment of None (emotion not scored for that utterance) is left out
    assert summarize(us, [None, None, ss[2]])["customer"]["start"] == -0.5
    assert summarize([], []) == {"customer": {}, "agent": {}}


def test_analyse_summary_from_text() -> None:
    lines = [
        ("customer", "我要投诉你们，太过分了！"),
        ("agent", "非常抱歉，我马上帮您查一下"),
        ("customer", "钱扣了但是东西没收到"),
        ("agent", "已经为您提交了退款申请"),
        ("customer", "好的，谢谢你"),
        ("customer", "问题解决了，非常感谢"),
    ]
    us = [Utterance(i, role, role, 5.0 * i, 5.0 * i + 4, t) for i, (role, t) in enumerate(lines)]  # type: ignore[arg-type]
    felt = analyse(us, "zh")
    c = felt.summary["customer"]
    assert c["trend"] == "improving" and c["start"] < 0 < c["end"]
    assert [p["utterance"] for p in c["peaks"]] == [0]


# --- agreement with the hand-labelled set ----------------------------------------------------------

# floors a little under what was measured (bench.emotion prints the figures); "fresh" was written
# after the cue lists were frozen and is the fair one
FLOORS = {
    ("zh", "dev+test+holdout"): 0.95,
    ("en", "dev+test+holdout"): 0.95,
    ("zh", "fresh"): 0.5,
    ("en", "fresh"): 0.5,
}


@pytest.mark.parametrize(("language", "splits"), list(FLOORS), ids=[f"{k[0]}-{k[1]}" for k in FLOORS])
def test_agreement_with_hand_labels(language: str, splits: str) -> None:
    from bench.emotion import agreement, load_set

    rows = load_set()
    assert len(rows) >= 120 and {r["lang"] for r in rows} == {"zh", "en"}
    chosen = [r for r in rows if r["lang"] == language and r["split"] in splits.split("+")]
    result = agreement(chosen)
    p = result["polarity"]
    print(f"{language} {splits}: n={result['n']} accuracy={p['accuracy']} kappa={p['kappa']}")
    assert p["accuracy"] >= FLOORS[(language, splits)]
    # the generic models' worst habit on calls: a plain question read as a complaint
    neutral_as_negative = p["confusion"][1][0]
    assert neutral_as_negative <= 1
