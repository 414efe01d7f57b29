"""The ``pyannote`` diarization method, end to end, with a real pyannote.audio 4 pipeline.

Pretrained pyannote weights are gated hub downloads, so the pipeline is a tiny random one built
in a temp dir (``tests/pyannote_fixture.py``): its turns mean nothing acoustically, but every
step is pyannote's own code — config.yaml loading, segmentation, embeddings, PLDA + VBx — and
ours around it: the waveform hand-off, turn naming, roles, RTTM, error codes, telemetry off.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from diarize import DiarizeOptions, diarize
from qa.audio import load_audio
from qa.errors import CallqaError
from tests.audiofiles import tone, write_audio
from tests.conftest import require
from tests.pyannote_fixture import build_tiny_pipeline

SAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "pyannote-audio" / "sample.wav"
SPEAKER_NAME = re.compile(r"^SPEAKER_\d{2}$")


@pytest.fixture(scope="module")
def tiny_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_pipeline(tmp_path_factory.mktemp("tiny-pipeline"))


@pytest.fixture(scope="module")
def sample() -> Path:
    return require(SAMPLE)  # skips locally, fails when CI=true


@pytest.fixture(scope="module")
def sample_turns(tiny_pipeline: Path, sample: Path):
    """Diarized once with the default count (2 speakers), as the whole-call test does: compared there."""
    return diarize(load_audio(sample), DiarizeOptions(method="pyannote", pyannote_pipeline=str(tiny_pipeline)))


@pytest.fixture
def tone_wav(tmp_path: Path) -> Path:
    return write_audio(tmp_path / "tone.wav", tone(1.0, 16000), 16000)


def _check_turns(turns, duration: float) -> None:
    assert turns.method == "pyannote"
    assert turns.turns, "the pipeline produced no speaker turns"
    for t in turns.turns:
        assert 0.0 <= t.start < t.end <= duration + 1e-3, t
        assert SPEAKER_NAME.match(t.speaker), t.speaker
        assert t.channel == 0
    assert [t.start for t in turns.turns] == sorted(t.start for t in turns.turns)
    assert set(turns.speakers) == {t.speaker for t in turns.turns}
    # Named in order of first appearance: SPEAKER_00 speaks first.
    assert turns.turns[0].speaker == "SPEAKER_00"
    assert list(turns.speakers) == [f"SPEAKER_{i:02d}" for i in range(len(turns.speakers))]
    assert turns.speech, "ASR would hear nothing: no VAD regions"


@pytest.mark.shared_data
def test_pyannote_diarizes_real_speech(sample: Path, sample_turns):
    _check_turns(sample_turns, load_audio(sample).duration)
    assert len(sample_turns.speakers) == DiarizeOptions().num_speakers == 2


@pytest.mark.shared_data
def test_pyannote_counts_speakers(tiny_pipeline: Path, sample: Path):
    audio = load_audio(sample)
    options = DiarizeOptions(method="pyannote", pyannote_pipeline=str(tiny_pipeline), num_speakers=0)
    turns = diarize(audio, options)
    _check_turns(turns, audio.duration)
    assert 1 <= len(turns.speakers) <= options.max_speakers


@pytest.mark.shared_data
@pytest.mark.slow
def test_whole_call_with_pyannote(tiny_pipeline: Path, sample: Path, sample_turns, tmp_path: Path):
    from asr import AsrOptions
    from batch import discover
    from qa.outputs import write_call
    from qa.pipeline import Pipeline, PipelineOptions

    options = PipelineOptions(
        diarize=DiarizeOptions(method="pyannote", pyannote_pipeline=str(tiny_pipeline)),
        asr=AsrOptions(model="tiny.en"),
    )
    [source] = discover([sample])
    processed = Pipeline(options).process(source)
    result = processed.result

    assert result.status == "ok", result.error
    assert result.audio is not None and result.diarization is not None
    assert result.diarization.method == "pyannote"
    assert result.versions["diarization"] == f"pyannote:{tiny_pipeline}"
    assert processed.turns is not None
    assert result.diarization.speakers == len(processed.turns.speakers)
    # Same pipeline, same audio, same options: the same turns (DESIGN §10, deterministic).
    assert processed.turns.turns == sample_turns.turns

    assert result.utterances, "tiny.en heard no words in sample.wav"
    roles = {r.speaker: r.role for r in result.diarization.roles}
    # The tiny pipeline splits sample.wav in two at ~8.7 s, so both speakers have words; a
    # speaker with turns but no words gets no role (qa.pipeline assigns roles from utterances).
    assert {u.speaker for u in result.utterances} == set(processed.turns.speakers)
    assert set(roles) == set(processed.turns.speakers), "every speaker gets a role"
    assert sorted(roles.values()) == ["agent", "customer"]
    for u in result.utterances:
        assert u.role == roles[u.speaker]

    write_call(tmp_path, result, processed.turns)
    rttm = (tmp_path / "calls" / f"{result.call_id}.rttm").read_text(encoding="utf-8")
    lines = rttm.splitlines()
    assert len(lines) == sum(1 for t in processed.turns.turns if t.duration > 0) > 0
    for line in lines:
        fields = line.split()
        assert fields[0] == "SPEAKER" and len(fields) == 10, line
        assert fields[1] == result.call_id
        onset, duration = float(fields[3]), float(fields[4])
        assert onset >= 0 and duration > 0 and onset + duration <= result.audio.duration_s + 1e-3
        assert fields[7] in processed.turns.speakers


def test_a_missing_folder_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from diarize.pyannote_backend import load_pipeline

    monkeypatch.delenv("HF_TOKEN", raising=False)  # with a token, a name would go to the hub
    with pytest.raises(CallqaError) as err:
        load_pipeline(str(tmp_path / "no-such-pipeline"))
    assert err.value.code == "diarize.config"


def _broken(kind: str, good: Path, folder: Path) -> Path:
    folder.mkdir()
    config = (good / "config.yaml").read_text(encoding="utf-8")
    if kind == "not-yaml":
        (folder / "config.yaml").write_text("pipeline: [unclosed\n  : :\n", encoding="utf-8")
    elif kind == "no-pipeline-key":
        (folder / "config.yaml").write_text("params: {}\n", encoding="utf-8")
    elif kind == "missing-weights":  # config.yaml copied by hand without the model folders
        (folder / "config.yaml").write_text(config, encoding="utf-8")
    elif kind == "unknown-clustering":
        for sub in ("segmentation", "embedding", "plda"):
            shutil.copytree(good / sub, folder / sub)
        (folder / "config.yaml").write_text(config.replace("VBxClustering", "NoSuchClustering"), encoding="utf-8")
    return folder


@pytest.mark.parametrize("kind", ["not-yaml", "no-pipeline-key", "missing-weights", "unknown-clustering"])
def test_a_broken_pipeline_is_a_config_error(kind: str, tiny_pipeline: Path, tmp_path: Path, tone_wav: Path):
    folder = _broken(kind, tiny_pipeline, tmp_path / kind)
    with pytest.raises(CallqaError) as err:
        diarize(load_audio(tone_wav), DiarizeOptions(method="pyannote", pyannote_pipeline=str(folder)))
    assert err.value.code == "diarize.config"
    assert str(folder) in err.value.message


def test_a_broken_pipeline_fails_the_call_not_the_run(tiny_pipeline: Path, tmp_path: Path, tone_wav: Path):
    from batch import discover
    from qa.pipeline import Pipeline, PipelineOptions

    folder = _broken("missing-weights", tiny_pipeline, tmp_path / "broken")
    pipeline = Pipeline(PipelineOptions(diarize=DiarizeOptions(method="pyannote", pyannote_pipeline=str(folder))))
    [source] = discover([tone_wav])
    result = pipeline.process(source).result
    assert result.status == "failed"
    assert result.error is not None and result.error.code == "diarize.config"


def test_telemetry_is_off_after_loading(tiny_pipeline: Path, monkeypatch: pytest.MonkeyPatch):
    from pyannote.audio.telemetry import metrics

    from diarize.pyannote_backend import load_pipeline

    spans: list[str] = []

    class RecordingTracer:
        def start_as_current_span(self, name: str, *args, **kwargs):
            spans.append(name)
            raise RuntimeError(f"pyannote telemetry span {name!r} started")  # surfaces in the load error

    monkeypatch.setattr(metrics, "tracer", RecordingTracer())
    # As if the user's environment or pyannote's own default had switched it on.
    monkeypatch.setenv("PYANNOTE_METRICS_ENABLED", "1")
    # A config.yaml path (not the folder): a spec not yet cached, so it really loads here.
    pipeline = load_pipeline(str(tiny_pipeline / "config.yaml"))
    assert pipeline is not None
    # The backend writes "0" and then set_telemetry_metrics(False) writes "false": both are off.
    assert os.environ["PYANNOTE_METRICS_ENABLED"].lower() in {"0", "false"}
    assert metrics.is_metrics_enabled() is False
    assert spans == []
