"""Shared fixtures. Recordings are made by the tests themselves, from the project's demo calls
(real speech made with espeak-ng) or synthetic signals; ``../shared/data`` is used only by tests
marked ``shared_data``, which fail instead of skipping when CI=true and the data is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo" / "calls"
SHARED = ROOT.parent / "shared" / "data"
IN_CI = os.environ.get("CI") == "true"


def missing(what: str, hint: str = "required") -> NoReturn:
    """A part a test needs is not here: skip locally, fail in CI (a missing part is a failure there)."""
    if IN_CI:
        pytest.fail(f"{what} (CI=true: {hint})")
    pytest.skip(what)


def require(path: Path) -> Path:
    """The path if it exists; otherwise skip locally, fail in CI."""
    if not path.exists():
        missing(f"{path} is missing")
    return path


def require_tools(*names: str) -> None:
    """System programs a test needs (espeak-ng, sox): skip locally when missing, fail in CI."""
    import shutil

    absent = [name for name in names if shutil.which(name) is None]
    if absent:
        missing(f"{' and '.join(absent)} missing", ".ci/run installs them")


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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL: the one .ci/run started ($CALLQA_TEST_POSTGRES), or a throwaway cluster
    of our own (.ci/pg) when Debian's postgresql is installed; skipped locally, a failure in CI."""
    url = os.environ.get("CALLQA_TEST_POSTGRES")
    if url:
        yield url
        return
    import glob
    import subprocess
    import tempfile

    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        missing("PostgreSQL is not installed", ".ci/run installs it and exports CALLQA_TEST_POSTGRES")
    folder = tempfile.mkdtemp(prefix="callqa-pg-")  # not under pytest's 0700 tmp: the postgres user must reach it
    env = {**os.environ, "CALLQA_PG_PORT": str(55000 + os.getpid() % 1000)}
    pg = str(ROOT / ".ci" / "pg")
    url = subprocess.run([pg, "start", folder], env=env, check=True, capture_output=True, text=True).stdout.strip()
    try:
        yield url
    finally:
        subprocess.run([pg, "stop", folder], env=env, check=False, capture_output=True)
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the test server for one test; dropped after it."""
    import uuid

    from sqlalchemy import create_engine, text

    name = f"t_{uuid.uuid4().hex[:12]}"
    driver = postgres_server.replace("postgresql://", "postgresql+psycopg://")
    admin = create_engine(driver, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_server.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Both databases the store supports, one test each."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'callqa.db'}"
    return request.getfixturevalue("postgres_url")
