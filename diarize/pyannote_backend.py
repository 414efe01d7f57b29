"""pyannote.audio pipelines: a local folder or config.yaml (air-gapped), or a hub name + token.

pyannote.audio sends usage telemetry unless told not to; it is switched off before the first
import. Audio goes in as a waveform from our own decoder, because pyannote's file loading needs
a system FFmpeg that callqa does not require.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from diarize.options import DiarizeOptions
from diarize.vad import speech_regions
from qa.errors import CallqaError
from qa.model import Audio, SpeakerTurn, SpeakerTurns

log = logging.getLogger("callqa.diarize")


def _quiet_pyannote() -> None:
    os.environ["PYANNOTE_METRICS_ENABLED"] = "0"
    from pyannote.audio.telemetry import set_telemetry_metrics

    set_telemetry_metrics(False)


@lru_cache(maxsize=2)
def load_pipeline(spec: str, token: str | None = None) -> Any:
    """Load once per worker. ``spec``: a folder with config.yaml, a config.yaml, or a hub name."""
    _quiet_pyannote()
    from pyannote.audio import Pipeline

    path = Path(spec).expanduser()
    local = path.exists()
    if not local and token is None and not os.environ.get("HF_TOKEN"):
        raise CallqaError(
            "diarize.config",
            f"pyannote pipeline {spec!r} is not a local folder or config.yaml; a hub name needs a token "
            "(--pyannote-token or HF_TOKEN) and network access",
        )
    try:
        pipeline = Pipeline.from_pretrained(path if local else spec, token=token)
    except Exception as e:  # pyannote and the hub raise many types; the cause is in the message
        raise CallqaError("diarize.config", f"cannot load pyannote pipeline {spec!r}: {type(e).__name__}: {e}") from e
    if pipeline is None:
        raise CallqaError("diarize.config", f"cannot load pyannote pipeline {spec!r} (gated or missing)")
    return pipeline


def diarize_pyannote(audio: Audio, options: DiarizeOptions) -> SpeakerTurns:
    import torch

    assert options.pyannote_pipeline  # DiarizeOptions.validate() ensured it
    pipeline = load_pipeline(options.pyannote_pipeline, options.pyannote_token)
    waveform = torch.from_numpy(audio.pcm.read(0)).unsqueeze(0)
    kwargs: dict[str, int] = {}
    if options.num_speakers:
        kwargs["num_speakers"] = options.num_speakers
    else:
        kwargs["max_speakers"] = options.max_speakers
    try:
        output = pipeline({"waveform": waveform, "sample_rate": audio.pcm.sample_rate}, **kwargs)
    except Exception as e:
        raise CallqaError("diarize.failed", f"pyannote pipeline failed: {type(e).__name__}: {e}") from e
    # pyannote 4 also gives turns without overlap, meant for lining words up with speakers
    annotation = getattr(output, "exclusive_speaker_diarization", None) or getattr(
        output, "speaker_diarization", output
    )
    names: dict[str, str] = {}
    turns = []
    for segment, _, label in annotation.itertracks(yield_label=True):
        speaker = names.setdefault(label, f"SPEAKER_{len(names):02d}")
        turns.append(SpeakerTurn(speaker, round(segment.start, 3), round(segment.end, 3), 0))
    turns.sort(key=lambda t: t.start)
    # ASR still listens to VAD regions: pyannote's turns can cut a word at a speaker change.
    regions = speech_regions(audio, 0, options)
    return SpeakerTurns("pyannote", tuple(turns), tuple(sorted(names.values())), tuple(regions))
