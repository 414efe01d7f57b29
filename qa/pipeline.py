"""One call through every stage: decode → diarize → ASR → utterances with roles → analysis → CallResult.

A :class:`Pipeline` holds the loaded models and is reused for every call a worker handles.
:meth:`Pipeline.process` never raises for a bad call: the call comes back with
``status="failed"`` and a coded error, and the run goes on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

from asr import AsrOptions, WhisperEngine
from batch import CallSource
from diarize import (
    DiarizeOptions,
    RoleOptions,
    assign_roles,
    diarize,
    method_for,
    parse_channel_map,
    utterances_from_words,
)
from pii.detect import scrub
from qa import __version__
from qa.analyse import AnalysisOptions, analyse, scrub_metadata
from qa.audio import DecodeOptions, as_mono, load_audio, sha256_of
from qa.errors import CallqaError
from qa.model import Audio, CallResult, Diarization, Issue, RoleAssignment, Source, SpeakerTurns, Utterance
from qa.transcript_input import load_transcript
from rules import RulePack

log = logging.getLogger("callqa.pipeline")


@dataclass(frozen=True)
class PipelineOptions:
    asr: AsrOptions = field(default_factory=AsrOptions)
    diarize: DiarizeOptions = field(default_factory=DiarizeOptions)
    roles: RoleOptions = field(default_factory=RoleOptions)
    decode: DecodeOptions = field(default_factory=DecodeOptions)
    analysis: AnalysisOptions = field(default_factory=AnalysisOptions)  # PII, emotion, rules, score, masking

    @property
    def rules(self) -> RulePack | None:
        return self.analysis.rules


@dataclass(frozen=True)
class Processed:
    """A call's result plus the turns behind its RTTM (not part of the JSON)."""

    result: CallResult  # masked
    turns: SpeakerTurns | None = None
    unredacted: CallResult | None = None  # only when AnalysisOptions.keep_unredacted


class Pipeline:
    def __init__(self, options: PipelineOptions | None = None) -> None:
        self.options = options or PipelineOptions()
        self.options.diarize.validate()
        self.options.analysis.validate()
        self._engine: WhisperEngine | None = None

    @property
    def engine(self) -> WhisperEngine:
        """Loaded on first use, so a run over transcripts never loads a model."""
        if self._engine is None:
            self._engine = WhisperEngine(self.options.asr)
        return self._engine

    def process(self, source: CallSource, overrule: tuple[tuple[str, float | None], ...] = ()) -> Processed:
        started = time.perf_counter()
        try:
            if source.metadata_error:
                raise CallqaError("input.unsupported", f"{source.path.name}: metadata sidecar: {source.metadata_error}")
            audio = None
            if source.kind == "transcript":
                transcript = load_transcript(source.path, source.call_id, dict(source.metadata))
                versions = {**transcript.versions, "callqa": __version__}
                processed = Processed(self._with_roles(transcript.with_(versions=versions)))
            else:
                processed, audio = self._process_audio(source)
            done = analyse(processed.result, audio, self.options.analysis, overrule)
            return Processed(done.result, processed.turns, done.unredacted)
        except CallqaError as e:
            return Processed(failed_result(source, e.code, e.message, started))
        except Exception as e:  # one broken call must never stop the batch
            log.exception("unexpected error on call %s", source.call_id)
            return Processed(failed_result(source, "internal", f"{type(e).__name__}: {str(e)[:200]}", started))

    def _process_audio(self, source: CallSource) -> tuple[Processed, Audio]:
        timings: dict[str, float] = {}
        t = time.perf_counter()
        audio = load_audio(source.path, self.options.decode)
        timings["decode_s"] = time.perf_counter() - t

        if method_for(audio, self.options.diarize) != "channels":
            audio = as_mono(audio)  # one signal for a mono diarizer, and for ASR to follow it
        t = time.perf_counter()
        try:
            turns = diarize(audio, self.options.diarize)
        except CallqaError:
            raise
        except Exception as e:
            raise CallqaError("diarize.failed", f"{type(e).__name__}: {str(e)[:200]}") from e
        timings["diarize_s"] = time.perf_counter() - t
        if not turns.speech:
            raise CallqaError("audio.silent", f"{source.path.name}: no speech on any channel ({audio.duration:.1f} s)")

        t = time.perf_counter()
        try:
            asr = self.engine.transcribe(audio, turns.speech, language=source.metadata.get("language"))
        except CallqaError:
            raise
        except Exception as e:
            raise CallqaError("asr.failed", f"{type(e).__name__}: {str(e)[:200]}") from e
        timings["asr_s"] = time.perf_counter() - t

        words = {c.channel: c.words for c in asr.channels}
        utterances = utterances_from_words(turns, words, self.options.diarize.utterance_gap_s)
        roles = self._roles(source, utterances)
        # a speaker the diarizer heard but ASR found no words for has no evidence either way
        assigned = {r.speaker for r in roles}
        roles += tuple(RoleAssignment(s, "unknown", 0.0, "default") for s in turns.speakers if s not in assigned)
        role_of = {r.speaker: r.role for r in roles}
        utterances = tuple(replace(u, role=role_of.get(u.speaker, "unknown")) for u in utterances)
        result = CallResult(
            call_id=source.call_id,
            status="ok",
            source=audio.source,
            metadata=dict(source.metadata),
            audio=audio.info,
            language=asr.language,
            diarization=Diarization(turns.method, len(turns.speakers), roles),
            utterances=utterances,
            timings=timings,
            versions=self._versions(turns.method),
            warnings=tuple(_warnings(audio, turns, utterances, self.options.diarize.method)),
        )
        return Processed(result, turns), audio

    def _with_roles(self, result: CallResult) -> CallResult:
        """A transcript without roles gets them the way a mono call does: from phrase evidence."""
        if any(u.role != "unknown" for u in result.utterances):
            return result
        speakers = sorted({u.speaker for u in result.utterances})
        roles = assign_roles(result.utterances, speakers, self.options.roles)
        role_of = {r.speaker: r.role for r in roles}
        method = result.diarization.method if result.diarization else "transcript"
        return result.with_(
            utterances=tuple(replace(u, role=role_of.get(u.speaker, "unknown")) for u in result.utterances),
            diarization=Diarization(method, len(speakers), roles),
        )

    def _roles(self, source: CallSource, utterances: tuple[Utterance, ...]) -> tuple[RoleAssignment, ...]:
        raw = source.metadata.get("channel_map")
        cmap = None
        if raw is not None:
            try:
                cmap = parse_channel_map(raw)
            except ValueError as e:
                raise CallqaError("input.unsupported", f"{source.path.name}: metadata: {e}") from e
        speakers = sorted({u.speaker for u in utterances})
        return assign_roles(utterances, speakers, self.options.roles, cmap, "metadata")

    def _versions(self, method: str) -> dict[str, str]:
        versions = {"callqa": __version__, "asr_model": self.engine.model_info.identity}
        versions["diarization"] = {
            "channels": "silero-vad",
            "embedded": "silero-vad+resemblyzer-ge2e",
            "pyannote": f"pyannote:{self.options.diarize.pyannote_pipeline}",
        }.get(method, method)
        return versions


def failed_result(source: CallSource, code: str, message: str, started: float | None = None) -> CallResult:
    """A call that could not be processed: its source, a coded error, its metadata (scrubbed)."""
    try:
        sha = sha256_of(source.path)
    except OSError:
        sha = None
    return CallResult(
        call_id=source.call_id,
        status="failed",
        source=Source(str(source.path), sha, source.kind),
        error=Issue(code, scrub(message)),
        metadata=scrub_metadata(source.metadata),
        timings={"total_s": time.perf_counter() - started} if started is not None else {},
        versions={"callqa": __version__},
    )


def _warnings(audio: Audio, turns: SpeakerTurns, utterances: tuple[Utterance, ...], asked: str) -> list[Issue]:
    out = []
    if audio.info.channels > 1 and turns.method != "channels":
        if asked == "auto":
            out.append(Issue("audio.dual_mono", "both channels carry the same signal; diarized as mono"))
        else:
            out.append(Issue("audio.downmixed", f"stereo mixed to mono for the {turns.method} diarizer"))
    if turns.method == "channels":
        heard = {r.channel for r in turns.speech}
        for ch in range(audio.pcm.channels):
            if ch not in heard:
                out.append(Issue("audio.silent_channel", f"channel {ch} has no speech; only one side was recorded"))
    if not utterances:
        out.append(Issue("asr.no_words", "speech was detected but no words were recognised"))
    return out
