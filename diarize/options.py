"""Speaker-separation settings, each default defined once."""

from __future__ import annotations

from dataclasses import dataclass

METHODS = ("auto", "channels", "embedded", "pyannote")


@dataclass(frozen=True)
class DiarizeOptions:
    method: str = "auto"  # auto: channels for stereo, embedded for mono
    num_speakers: int = 2  # 0: count them (embedded, pyannote)
    max_speakers: int = 4  # ceiling when counting
    # Silero VAD: a lower threshold than Silero's 0.5 and short padding found telephone speech
    # that the defaults missed (DESIGN §5 prototype), without merging the two parties' turns.
    vad_threshold: float = 0.5
    vad_min_silence_ms: int = 300
    vad_pad_ms: int = 100
    vad_min_speech_ms: int = 150
    window_s: float = 1.6  # GE2E embedding window (resemblyzer's own partial length)
    hop_s: float = 0.4
    cluster_threshold: float = 1.75  # Ward distance that splits speakers when counting them
    utterance_gap_s: float = 1.0  # a pause this long ends an utterance
    pyannote_pipeline: str | None = None  # local folder / config.yaml, or a hub name
    pyannote_token: str | None = None

    def validate(self) -> None:
        from qa.errors import CallqaError

        if self.method not in METHODS:
            raise CallqaError("diarize.config", f"diarization {self.method!r} is not one of {', '.join(METHODS)}")
        if self.num_speakers < 0 or self.max_speakers < 1:
            raise CallqaError("diarize.config", "speaker counts must be positive (0 means: count them)")
        if self.method == "pyannote" and not self.pyannote_pipeline:
            raise CallqaError(
                "diarize.config",
                "diarization 'pyannote' needs a pipeline: a local folder or config.yaml, or a hub name",
            )
