"""Turn the paths a user gave into a list of calls, each with an id, a kind and metadata."""

from __future__ import annotations

import glob
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from batch.metadata import SIDECAR_SUFFIX, Manifest, metadata_for

AUDIO_EXTENSIONS = frozenset({".wav", ".mp3", ".flac", ".ogg", ".m4a", ".opus", ".aac", ".wma", ".webm"})


@dataclass(frozen=True)
class CallSource:
    call_id: str
    path: Path
    kind: Literal["audio", "transcript"]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    metadata_error: str | None = None  # a broken sidecar fails this call, not the run


def discover(inputs: Sequence[Path], manifest: Manifest | None = None, pattern: str | None = None) -> list[CallSource]:
    """Files as given, folders searched recursively for audio and transcript JSON, glob patterns,
    and the recordings a manifest lists; metadata from the manifest, sidecars and the filename pattern.

    A path that does not exist still becomes a call, so that it is reported as failed with its
    own error instead of stopping the run. Ids are unique within the run.
    """
    found: list[Path] = []
    for p in inputs:
        if p.is_dir():
            found += sorted(_walk(p))
        elif not p.exists() and _GLOB.search(str(p)):
            found += _expand(str(p))
        else:
            found.append(p)
    if manifest is not None:
        found += [row.path for row in manifest.rows if row.path is not None]
    seen: dict[str, int] = {}
    out = []
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.absolute(), path)  # a folder and a manifest may name the same file
    for path in unique.values():
        base = call_id_for(path)
        seen[base] = seen.get(base, 0) + 1
        call_id = base if seen[base] == 1 else f"{base}_{hashlib.sha1(str(path).encode()).hexdigest()[:6]}"
        out.append(_source(path, call_id, manifest, pattern))
    return out


_GLOB = re.compile(r"[*?[]")


def _expand(pattern: str) -> list[Path]:
    """A quoted glob (``'/rec/2026-11-2?/**/*.wav'``): a night's 20,000 names need not fit on a
    command line. ``**`` crosses folders; folders it matches are searched like any folder."""
    out: list[Path] = []
    for hit in sorted(glob.glob(pattern, recursive=True)):
        path = Path(hit)
        if path.is_dir():
            out += sorted(_walk(path))
        elif _is_call(path):
            out.append(path)
    return out if out else [Path(pattern)]  # nothing matched: reported as that input's failure


def _walk(folder: Path) -> Iterable[Path]:
    for p in folder.rglob("*"):
        if any(part.startswith(".") for part in p.relative_to(folder).parts):
            continue
        if _is_call(p):
            yield p


def _is_call(p: Path) -> bool:
    """Audio or a transcript; never a sidecar."""
    return p.is_file() and (p.suffix.lower() in AUDIO_EXTENSIONS or _is_transcript(p))


def _is_transcript(p: Path) -> bool:
    return p.suffix.lower() == ".json" and not p.name.endswith(SIDECAR_SUFFIX)


def call_id_for(path: Path) -> str:
    """The file's stem, with anything that is not a letter, digit, ``-`` or ``.`` made ``_``."""
    stem = path.name[: -len(".json")] if _is_transcript(path) else path.stem
    return re.sub(r"[^\w.-]+", "_", stem, flags=re.UNICODE).strip("_") or "call"


def _source(path: Path, call_id: str, manifest: Manifest | None, pattern: str | None) -> CallSource:
    kind: Literal["audio", "transcript"] = "transcript" if _is_transcript(path) else "audio"
    try:
        meta = metadata_for(path, manifest, pattern) if path.exists() else {}
    except ValueError as e:
        return CallSource(call_id, path, kind, {}, str(e))
    return CallSource(str(meta.get("call_id") or call_id), path, kind, meta)
