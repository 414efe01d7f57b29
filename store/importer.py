"""Rebuild the store from a run folder's call JSON: the per-call files are the portable record."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from qa.model import SCHEMA_VERSION, CallResult
from store.db import Store


@dataclass(frozen=True)
class ImportSummary:
    calls: int
    errors: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (file name, why it was skipped)


def import_run_dir(store: Store, run_dir: Path, run_id: str | None = None) -> ImportSummary:
    """Every ``run_dir/calls/*.json`` into ``store`` (replacing those calls' rows); bad files are
    named in the summary and skipped, the rest go on."""
    folder = run_dir / "calls"
    if not folder.is_dir():
        from qa.errors import CallqaError

        raise CallqaError("input.not_found", f"{run_dir} has no calls/ folder: is it a callqa output folder?")
    fallback = run_id or "import-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    done = 0
    errors: list[tuple[str, str]] = []
    for path in sorted(p for p in folder.glob("*.json") if not p.name.startswith(".")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
                raise ValueError(f"not a callqa call JSON of schema version {SCHEMA_VERSION}")
            call = CallResult.from_dict(data).to_dict()  # checks the shape before anything is stored
        except (OSError, ValueError, KeyError, TypeError) as e:
            errors.append((path.name, f"{type(e).__name__}: {str(e)[:200]}"))
            continue
        store.save_call(call, run_id=run_id or str(call["versions"].get("run_id") or fallback))
        done += 1
    return ImportSummary(done, tuple(errors))
