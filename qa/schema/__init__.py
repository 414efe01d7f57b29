"""The JSON Schema of the per-call output, shipped with the package."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from typing import Any


@lru_cache(maxsize=1)
def call_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of ``calls/<call_id>.json``, schema v1."""
    return dict(json.loads(files("qa.schema").joinpath("call-v1.schema.json").read_text(encoding="utf-8")))
