"""Rules and score again on a call's stored result: what a changed rule pack needs, without ASR.

The stored result is masked, and stays the only transcript callqa keeps: nothing unredacted is
written to make re-scoring possible. Sensitive data found the first time is rebuilt from the
call's ``pii`` rows as entities over the masks in the text, so ``pii.v1`` rules see exactly what
they saw before; emotion does not depend on the pack and is kept as it was.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from batch.discover import CallSource
from pii.model import ENTITY_TYPES, Entity
from qa.analyse import judge, scrub_metadata
from qa.errors import CallqaError
from qa.model import CallResult, Utterance
from qa.pipeline import PipelineOptions, Processed, failed_result
from scoring.callscore import Overrule

_LAST4 = re.compile(r"…(\w{4})\]$")


def rescore(
    prior: Path, source: CallSource, options: PipelineOptions, overrule: tuple[Overrule, ...] = ()
) -> Processed:
    started = time.perf_counter()
    try:
        result = CallResult.from_dict(json.loads(prior.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as e:
        return Processed(failed_result(source, "output.unreadable", f"{prior.name}: {e}", started))
    try:
        return Processed(rescored(result, dict(source.metadata), options, overrule))
    except CallqaError as e:
        return Processed(failed_result(source, e.code, e.message, started))


def rescored(
    result: CallResult, metadata: dict[str, Any], options: PipelineOptions, overrule: tuple[Overrule, ...] = ()
) -> CallResult:
    """``result`` with findings, metrics and score from ``options``' pack, and today's metadata."""
    timings = dict(result.timings)
    versions = {k: v for k, v in result.versions.items() if k not in ("rules", "rules_sha256")}
    duration = result.audio.duration_s if result.audio else None
    entities = entities_from_rows(result) if options.rules is not None else ()
    judged = judge(
        result.utterances, duration, result.language, options.analysis, entities, overrule, versions, timings
    )
    changes: dict[str, Any] = {"metadata": scrub_metadata(metadata), "findings": (), "score": None, **judged}
    changes.setdefault("versions", versions)
    return result.with_(timings=timings, **changes)


def entities_from_rows(result: CallResult) -> tuple[Entity, ...]:
    """Each ``pii`` row becomes an entity over its mask in the masked text, in order of appearance."""
    index = {u.id: i for i, u in enumerate(result.utterances)}
    searched_from: dict[int, int] = {}
    out = []
    for row in result.pii:
        i = index.get(row.get("utterance"))  # type: ignore[arg-type]
        mask = str(row.get("mask") or f"[{ENTITY_TYPES.get(str(row.get('type')), 'PII')}]")
        if i is None:
            continue
        u: Utterance = result.utterances[i]
        at = u.text.find(mask, searched_from.get(i, 0))
        if at < 0:
            continue  # a mask the text no longer shows (edited by hand): nothing to point at
        searched_from[i] = at + len(mask)
        last4 = _LAST4.search(mask)
        # the value is gone for good; for --mask last4 the mask keeps the last four, and so does this
        value = "0" * 8 + last4.group(1) if last4 else ""
        start_s, end_s = float(row.get("start", u.start)), float(row.get("end", u.end))
        out.append(Entity(str(row["type"]), i, at, at + len(mask), start_s, end_s, value, str(row.get("detector", ""))))
    return tuple(out)
