"""What a call's stored result was made from, as two keys, so a re-run knows what it can keep.

- ``work_key``: the audio's sha256 + everything that shapes the masked transcript (decoding,
  diarization, roles, ASR settings and the model's identity, sensitive-data detection and
  masking, emotion, the metadata that steers ASR and roles, callqa's version). When it changes
  the call is processed again from the audio.
- ``rules_key``: ``work_key`` + the rule pack's sha256 + its scorecard + the call's metadata.
  When only this changes, rules and score run again on the stored transcript, never ASR.

Where the work runs (CPU or GPU, threads, batch size, executor) is not part of either key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from pii.audio import AudioRedactOptions
from qa import __version__
from qa.pipeline import PipelineOptions

# metadata that changes what the pipeline hears or who it thinks is speaking
_WORK_METADATA = ("language", "channel_map")
_EXECUTION_ONLY = ("device", "cpu_threads", "batch_size", "allow_download")


@dataclass(frozen=True)
class RunKeys:
    """The per-run half of the keys, computed once; each call adds its own sha256 and metadata."""

    work: str
    rules: str

    def work_key(self, sha256: str, metadata: dict[str, Any]) -> str:
        steer = {k: metadata.get(k) for k in _WORK_METADATA if metadata.get(k) is not None}
        return _digest({"run": self.work, "sha256": sha256, "metadata": steer})

    def rules_key(self, work_key: str, metadata: dict[str, Any], verdicts: str | None = None) -> str:
        """``verdicts``: a digest of the coaches' disagreements with this call's findings."""
        key = {"work": work_key, "rules": self.rules, "metadata": metadata}
        return _digest(key | {"verdicts": verdicts} if verdicts else key)


def run_keys(options: PipelineOptions, model_identity: str, redact_audio: AudioRedactOptions | None) -> RunKeys:
    asr = {k: v for k, v in asdict(options.asr).items() if k not in _EXECUTION_ONLY}
    diarize = asdict(options.diarize)
    diarize.pop("pyannote_token", None)  # a secret, and not a setting
    analysis = options.analysis
    work = {
        "callqa": __version__,
        "model": model_identity,
        "asr": asr,
        "diarize": diarize,
        "roles": asdict(options.roles),
        "decode": asdict(options.decode),
        "pii": {"entities": sorted(analysis.pii.entities), "ner": analysis.pii.ner, "allow": analysis.pii.allow},
        "mask": analysis.redact.mask,
        "emotion": asdict(analysis.emotion) if analysis.emotion is not None else None,
        "unredacted": analysis.keep_unredacted,
        "redact_audio": asdict(redact_audio) if redact_audio is not None else None,
    }
    pack = options.rules
    rules = {"pack": pack.sha256, "scorecard": asdict(pack.card)} if pack is not None else None
    return RunKeys(_digest(work), _digest({"rules": rules}))


def model_identity(options: PipelineOptions) -> str:
    """The ASR model's identity without loading it; a hub name is trusted by name."""
    from asr.models import BUNDLED, resolve_model
    from qa.errors import CallqaError

    spec = options.asr.model
    if spec in BUNDLED:
        return f"{spec}@{BUNDLED[spec].sha256[:12]}"
    try:
        return resolve_model(spec, allow_download=False).identity
    except CallqaError:
        return f"{spec}@hub"


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
