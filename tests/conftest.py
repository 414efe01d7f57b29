"""Shared fixtures. Recordings are made by the tests themselves, from the project's demo calls
(real speech made with espeak-ng) or synthetic signals; ``../shared/data`` is used only by tests
marked ``shared_data``, which fail instead of skipping when CI=true and the data is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo" / "calls"
SHARED = ROOT.parent / "shared" / "data"
IN_CI = os.environ.get("CI") == "true"


def require(path: Path) -> Path:
    """The path if it exists; otherwise skip locally, fail in CI (a missing part is a failure there)."""
    if not path.exists():
        message = f"{path} is missing"
        if IN_CI:
            pytest.fail(message + " (CI=true: required)")
        pytest.skip(message)
    return path


def require_tools(*names: str) -> None:
    """System programs a test needs (espeak-ng, sox): skip locally when missing, fail in CI."""
    import shutil

    missing = [name for name in names if shutil.which(name) is None]
    if missing:
        message = f"{' and '.join(missing)} missing"
        if IN_CI:
            pytest.fail(message + " (CI=true: .ci/run installs them)")
        pytest.skip(message)


@pytest.fixture(scope="session")
def shared() -> Path:
    return require(SHARED)


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Offline and self-contained: models assemble into a temp cache, hub access is off."""
    os.environ.setdefault("CALLQA_CACHE", str(tmp_path_factory.mktemp("callqa-cache")))
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["PYANNOTE_METRICS_ENABLED"] = "0"


@pytest.fixture(scope="session")
def pipeline_en():
    """One English pipeline (tiny.en) shared by the tests that run whole calls: loaded once."""
    from asr import AsrOptions
    from qa.pipeline import Pipeline, PipelineOptions

    return Pipeline(PipelineOptions(asr=AsrOptions(model="tiny.en")))
