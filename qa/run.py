"""A run: many calls through one :class:`~qa.pipeline.Pipeline`, outputs written, a summary kept.

The Python API behind ``callqa run``. Progress goes to a callback, never to stdout.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from batch import CallSource, discover
from batch.metadata import Manifest
from pii.audio import AudioRedactOptions
from qa.model import CallResult, Issue
from qa.outputs import write_call, write_json, write_private
from qa.pipeline import Pipeline, PipelineOptions
from rules import RulePack

Progress = Callable[[int, int, CallSource, CallResult | None], None]
"""Called with (index, total, source, result); result is None when a call starts."""


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    started_at: str
    calls: int
    ok: int
    failed: int
    audio_s: float
    wall_s: float
    errors: dict[str, int] = field(default_factory=dict)
    pii: int = 0  # sensitive items masked, over all calls

    @property
    def realtime_factor(self) -> float:
        """Seconds of audio processed per second of wall time."""
        return self.audio_s / self.wall_s if self.wall_s else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "calls": self.calls,
            "ok": self.ok,
            "failed": self.failed,
            "audio_s": round(self.audio_s, 3),
            "wall_s": round(self.wall_s, 3),
            "realtime_factor": round(self.realtime_factor, 2),
            "errors": self.errors,
            "pii_masked": self.pii,
        }


def run_batch(
    inputs: Sequence[Path],
    out: Path,
    options: PipelineOptions | None = None,
    progress: Progress | None = None,
    pipeline: Pipeline | None = None,
    redact_audio: AudioRedactOptions | None = None,
    manifest: Manifest | None = None,
    filename_pattern: str | None = None,
) -> RunSummary:
    """Process every call found under ``inputs`` and write ``out/calls/*`` and ``out/run.json``.

    With ``redact_audio``, ``out/audio/<call_id>.<ext>`` is a masked copy of each recording; an
    unredacted result (``AnalysisOptions.keep_unredacted``) goes to ``out/unredacted/`` (0700/0600).
    """
    pipeline = pipeline or Pipeline(options)
    sources = discover(inputs, manifest, filename_pattern)
    if pipeline.options.rules is not None:
        preflight(sources, pipeline.options.rules)
    started, t0 = datetime.now(UTC).isoformat(timespec="seconds"), time.perf_counter()
    run_id = uuid.uuid4().hex[:12]
    errors: Counter[str] = Counter()
    ok = 0
    masked = 0
    audio_s = 0.0
    for i, source in enumerate(sources):
        if progress:
            progress(i, len(sources), source, None)
        processed = pipeline.process(source)
        result = processed.result
        if redact_audio is not None and result.status == "ok" and source.kind == "audio":
            result = _redact_audio(source, result, out, redact_audio)
        if processed.unredacted is not None:
            write_private(out / "unredacted" / f"{result.call_id}.json", processed.unredacted.to_dict())
        write_call(out, result, processed.turns)
        masked += len(result.pii)
        if result.status == "ok":
            ok += 1
            audio_s += result.audio.duration_s if result.audio else 0.0
        elif result.error:
            errors[result.error.code] += 1
        if progress:
            progress(i, len(sources), source, result)
    summary = RunSummary(
        run_id, started, len(sources), ok, len(sources) - ok, audio_s, time.perf_counter() - t0, dict(errors), masked
    )
    record = {**summary.to_dict(), "options": _describe(pipeline.options)}
    if manifest is not None:
        from pii.detect import scrub

        errors_by_line = [[line, scrub(problem)] for line, problem in manifest.errors]
        record["manifest"] = {"path": str(manifest.path), "rows": len(manifest.rows), "errors": errors_by_line}
    write_json(out / "run.json", record)
    return summary


def _redact_audio(source: CallSource, result: CallResult, out: Path, options: AudioRedactOptions) -> CallResult:
    """A failed audio copy is a warning on the call: its transcript and findings still stand."""
    from pii.audio import redact_audio
    from pii.detect import scrub

    spans = [(float(p["start"]), float(p["end"]), p.get("channel")) for p in result.pii]
    try:
        redact_audio(
            source.path, out / "audio" / f"{result.call_id}{source.path.suffix.lower() or '.wav'}", spans, options
        )
    except Exception as e:
        issue = Issue("audio.redact_failed", scrub(f"no redacted audio: {type(e).__name__}: {str(e)[:200]}"))
        return result.with_(warnings=(*result.warnings, issue))
    return result


def preflight(sources: Sequence[CallSource], pack: RulePack) -> None:
    """Refuse a run, before it starts, whose transcripts lack what the pack's rules need."""
    from qa.errors import CallqaError
    from qa.transcript_input import load_transcript, provides

    lacking: dict[str, list[str]] = {}
    for source in sources:
        if source.kind != "transcript":
            continue  # audio provides times, roles and words
        try:
            result = load_transcript(source.path, source.call_id, {})
        except CallqaError:
            continue  # reported as that call's own failure
        for need in sorted(pack.requires - provides(result)):
            lacking.setdefault(need, []).append(source.path.name)
    if lacking:
        parts = [
            f"{need} (missing in {', '.join(names[:5])}{' …' if len(names) > 5 else ''})"
            for need, names in lacking.items()
        ]
        raise CallqaError("rules.input", f"rule pack {pack.name} needs {'; '.join(parts)}; nothing was processed")


def _describe(options: PipelineOptions) -> dict[str, Any]:
    from dataclasses import asdict, replace

    d = asdict(replace(options, analysis=replace(options.analysis, rules=None)))
    pack = options.rules
    d["analysis"]["rules"] = {"pack": pack.identity, "path": pack.path} if pack else None
    d["analysis"]["pii"]["entities"] = sorted(options.analysis.pii.entities)
    d["diarize"].pop("pyannote_token", None)  # a secret never goes into outputs
    d["roles"].pop("agent_phrases", None)
    d["roles"].pop("customer_phrases", None)
    return d
