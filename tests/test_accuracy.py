"""Accuracy on real recordings (../shared/data): figures are printed, floors guard regressions.

Floors sit a margin above what was measured (README, "Measured"), so a real regression fails
while run-to-run noise does not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from batch import discover
from bench.accuracy import CER_CASES, DER_CASES, WER_CASES, cer, der, reference, transcript_text, wer
from diarize import DiarizeOptions, diarize
from qa.audio import load_audio

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def pipeline_base():
    from qa.pipeline import Pipeline

    return Pipeline()  # the defaults: bundled multilingual base, auto device


def test_embedded_der_on_a_two_party_call(shared: Path):
    audio_file, (rttm, uri) = "pyannote-audio/sample.wav", DER_CASES["pyannote-audio/sample.wav"]
    score = der(diarize(load_audio(shared / audio_file), DiarizeOptions(method="embedded")), shared / rttm, uri)
    print(f"\nDER embedded {audio_file}: {score.der:.1%} ({score.speakers} speakers)")
    assert score.speakers == 2
    assert score.der <= 0.15


@pytest.mark.parametrize("audio_file", ["pyannote-audio/ami-dev/dev00.wav", "pyannote-audio/ami-dev/dev01.wav"])
def test_embedded_der_on_meetings_is_reported(shared: Path, audio_file: str):
    rttm, uri = DER_CASES[audio_file]
    score = der(diarize(load_audio(shared / audio_file), DiarizeOptions(method="embedded")), shared / rttm, uri)
    print(f"\nDER embedded {audio_file}: {score.der:.1%} (meetings with overlap: not our target)")
    assert score.der <= 0.40


def test_channels_put_each_sides_words_on_its_own_speaker(shared: Path, pipeline_base):
    [source] = discover([shared / "faster-whisper/stereo_diarization.wav"])
    result = pipeline_base.process(source).result
    assert result.status == "ok" and result.diarization.method == "channels"
    for channel, side in ((0, "left"), (1, "right")):
        said = " ".join(u.text for u in result.utterances if u.channel == channel)
        assert {u.speaker for u in result.utterances if u.channel == channel} == {f"SPEAKER_{channel:02d}"}
        error = wer(reference(f"faster-whisper/stereo_diarization.{side}.txt", shared), said)
        print(f"\nchannels {side}: WER {error:.1%}")
        assert error <= 0.2


@pytest.mark.parametrize("audio_file", list(WER_CASES))
def test_english_wer(shared: Path, pipeline_base, audio_file: str):
    [source] = discover([shared / audio_file])
    result = pipeline_base.process(source).result
    error = wer(reference(WER_CASES[audio_file], shared), transcript_text(result))
    print(f"\nWER base {audio_file}: {error:.1%}")
    assert result.language == "en"
    assert error <= 0.15


@pytest.mark.parametrize("audio_file", list(CER_CASES))
def test_mandarin_cer_in_simplified_characters(shared: Path, pipeline_base, audio_file: str):
    [source] = discover([shared / audio_file])
    result = pipeline_base.process(source).result
    text = transcript_text(result)
    error = cer(reference(CER_CASES[audio_file], shared), text)
    print(f"\nCER base {audio_file}: {error:.1%} ({text})")
    assert result.language == "zh"
    from asr import to_simplified

    assert to_simplified(text) == text  # simplified characters, whatever Whisper chose
    assert error <= 0.35
