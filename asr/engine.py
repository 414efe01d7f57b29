"""Speech recognition with faster-whisper over the speech regions of a call.

Only speech is transcribed. The regions of all channels are packed back to back (channel by
channel, a short silence between them) into windows of at most 30 s, and the windows go through
faster-whisper's batched pipeline together, so a stereo call costs about as much as its speech,
not twice its length. Word times are then mapped back to the original recording and channel.
Long calls are cut into blocks of at most ``max_block_s`` of speech, which bounds memory.
"""

from __future__ import annotations

import bisect
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from asr.chinese import to_simplified
from asr.models import ResolvedModel, resolve_model
from qa.errors import CallqaError
from qa.model import Audio, SpeechRegion, Word

log = logging.getLogger("callqa.asr")

WINDOW_S = 30.0
_PIECE_S = 29.5  # longest region piece; Whisper hears at most 30 s at a time
_GAP_S = 0.2  # silence between packed regions so Whisper hears a boundary
_ZH_PROMPT = "以下是普通话的句子。"  # steers Whisper to simplified characters with punctuation


@dataclass(frozen=True)
class AsrOptions:
    model: str = "base"
    device: str = "auto"  # auto | cpu | cuda
    compute_type: str = "auto"  # auto: float16 on CUDA, int8 on CPU
    cpu_threads: int = 0  # 0: every core this process may use
    language: str | None = None  # None: detect per call
    batch_size: int = 0  # 0: 16 on CUDA, 8 on CPU
    beam_size: int = 5
    max_block_s: float = 600.0
    allow_download: bool = True  # only reached when the user names a hub model


@dataclass(frozen=True)
class ChannelWords:
    """What one channel said, word by word, in the recording's time."""

    channel: int
    words: tuple[Word, ...]


@dataclass(frozen=True)
class AsrResult:
    language: str | None
    language_probability: float
    channels: tuple[ChannelWords, ...]

    def words(self, channel: int) -> tuple[Word, ...]:
        return next((c.words for c in self.channels if c.channel == channel), ())


def resolve_device(device: str, compute_type: str) -> tuple[str, str]:
    if device == "auto":
        import ctranslate2

        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    if compute_type == "auto":
        compute_type = "float16" if device == "cuda" else "int8"
    return device, compute_type


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class WhisperEngine:
    """One loaded model, reused for every call a worker handles."""

    def __init__(self, options: AsrOptions) -> None:
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        self.options = options
        self.model_info: ResolvedModel = resolve_model(options.model, allow_download=options.allow_download)
        self.device, self.compute_type = resolve_device(options.device, options.compute_type)
        threads = options.cpu_threads or available_cores()
        try:
            self.model = WhisperModel(
                str(self.model_info.path), device=self.device, compute_type=self.compute_type, cpu_threads=threads
            )
        except (RuntimeError, ValueError, OSError) as e:
            raise CallqaError("asr.model", f"cannot load model {self.model_info.name}: {e}") from e
        self.pipeline = BatchedInferencePipeline(self.model)
        self.batch_size = options.batch_size or (16 if self.device == "cuda" else 8)
        log.info(
            "ASR model %s on %s (%s, %d threads, batch %d)",
            self.model_info.identity,
            self.device,
            self.compute_type,
            threads,
            self.batch_size,
        )

    @property
    def multilingual(self) -> bool:
        return bool(self.model.model.is_multilingual)

    def transcribe(self, audio: Audio, regions: Sequence[SpeechRegion], language: str | None = None) -> AsrResult:
        """Words of every region, per channel; ``language`` forces one, else it is detected."""
        language = language or self.options.language
        if not self.multilingual:
            if language not in (None, "en"):
                raise CallqaError("asr.model", f"model {self.model_info.name} is English-only; language {language!r}")
            language = "en"
        by_channel: dict[int, list[Word]] = {}
        probability = 1.0
        for block in _blocks(_pieces(regions), self.options.max_block_s):
            packed = _pack(audio, block)
            if language is None:
                language, probability = self._detect(packed.samples)
            for channel, word in self._run(packed, language):
                by_channel.setdefault(channel, []).append(word)
        channels = tuple(
            ChannelWords(ch, tuple(sorted(ws, key=lambda w: w.start))) for ch, ws in sorted(by_channel.items())
        )
        return AsrResult(language, probability, channels)

    def _detect(self, samples: np.ndarray) -> tuple[str, float]:
        lang, prob, _ = self.model.detect_language(audio=samples[: int(WINDOW_S * 16000)])
        log.debug("detected language %s (p=%.2f)", lang, prob)
        return lang, float(prob)

    def _run(self, packed: _Packed, language: str) -> list[tuple[int, Word]]:
        segments, _ = self.pipeline.transcribe(
            packed.samples,
            language=language,
            clip_timestamps=[{"start": a, "end": b} for a, b in packed.windows],
            word_timestamps=True,
            batch_size=self.batch_size,
            beam_size=self.options.beam_size,
            initial_prompt=_ZH_PROMPT if language == "zh" else None,
            log_progress=False,
        )
        out: list[tuple[int, Word]] = []
        for seg in segments:
            for w in seg.words or ():
                mapped = packed.to_original(w, simplified=language == "zh")
                if mapped is not None:
                    out.append(mapped)
        return out


def _pieces(regions: Sequence[SpeechRegion]) -> list[SpeechRegion]:
    """Regions in channel-then-time order, each cut into pieces Whisper can hear whole."""
    out: list[SpeechRegion] = []
    for r in sorted(regions, key=lambda r: (r.channel, r.start)):
        start = r.start
        while r.end - start > _PIECE_S:
            out.append(SpeechRegion(r.channel, start, start + _PIECE_S))
            start += _PIECE_S
        if r.end - start > 0.05:
            out.append(SpeechRegion(r.channel, start, r.end))
    return out


def _blocks(pieces: list[SpeechRegion], max_block_s: float) -> list[list[SpeechRegion]]:
    blocks: list[list[SpeechRegion]] = []
    total = max_block_s
    for p in pieces:
        if total + p.duration > max_block_s:
            blocks.append([])
            total = 0.0
        blocks[-1].append(p)
        total += p.duration
    return blocks


@dataclass
class _Packed:
    samples: np.ndarray
    windows: list[tuple[float, float]]  # Whisper windows in packed time
    starts: list[float]  # packed start of each piece
    pieces: list[SpeechRegion]

    def to_original(self, w: Any, *, simplified: bool) -> tuple[int, Word] | None:
        # Whisper's word starts run early: a region's first word often "starts" in the silent
        # gap before it. Its midpoint says where it was really spoken.
        mid = (w.start + w.end) / 2
        i = max(bisect.bisect_right(self.starts, mid) - 1, 0)
        if mid - self.starts[i] > self.pieces[i].duration and i + 1 < len(self.pieces):
            i += 1  # in the gap: the word belongs to the region that follows
        piece, offset = self.pieces[i], self.starts[i]
        rel_start = min(max(0.0, w.start - offset), piece.duration)
        rel_end = min(max(rel_start, w.end - offset), piece.duration)
        start, end = piece.start + rel_start, piece.start + rel_end
        text = w.word.strip()
        if simplified:
            text = to_simplified(text)
        if not text:
            return None
        return piece.channel, Word(round(start, 3), round(end, 3), text, float(w.probability))


def _pack(audio: Audio, pieces: list[SpeechRegion]) -> _Packed:
    parts: list[np.ndarray] = []
    starts: list[float] = []
    windows: list[tuple[float, float]] = []
    gap = np.zeros(int(_GAP_S * 16000), dtype=np.float32)
    cursor = win_start = 0.0
    for p in pieces:
        samples = audio.pcm.read(p.channel, p.start, p.end)
        if cursor - win_start + (len(samples) + len(gap)) / 16000 > WINDOW_S:
            windows.append((win_start, cursor))
            win_start = cursor
        starts.append(cursor)
        parts += [samples, gap]
        cursor += (len(samples) + len(gap)) / 16000
    if cursor > win_start:
        windows.append((win_start, cursor))
    return _Packed(np.concatenate(parts) if parts else np.zeros(0, np.float32), windows, starts, pieces)
