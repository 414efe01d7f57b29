"""Per-call metadata from a sidecar JSON next to the recording: ``call1.wav`` → ``call1.meta.json``.

Keys callqa reads today: ``call_id``, ``agent_id``, ``channel_map`` (``"agent,customer"`` or
``{"0": "agent", "1": "customer"}``), ``language``. Every other key is kept as it is in the
call's ``metadata``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SIDECAR_SUFFIX = ".meta.json"


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> dict[str, Any]:
    """The sidecar's mapping, ``{}`` when there is none; a broken sidecar raises ValueError."""
    side = sidecar_path(path)
    if not side.is_file():
        return {}
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ValueError(f"{side.name}: not valid JSON ({type(e).__name__})") from e
    if not isinstance(data, dict):
        raise ValueError(f"{side.name}: must hold a JSON object")
    return data
