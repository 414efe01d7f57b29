"""Per-call metadata (agent, team, queue, start time, channel map, language) from three sources.

1. A **manifest**: a CSV or JSONL file (chosen by extension, UTF-8 with or without a BOM), one row
   per call, columns :data:`MANIFEST_COLUMNS`; other columns are kept as metadata. ``path`` is
   relative to the manifest's folder. A bad row is reported with its line number and skipped; the
   other rows go on.
2. A **sidecar** JSON next to the recording: ``call1.wav`` → ``call1.meta.json``, one JSON object.
3. A **filename pattern**: ``{started_at}_{agent_id}_{call_id}`` matched against the file name
   without its extension, or ``re:`` and a regular expression with named groups.

Precedence: manifest > sidecar > filename pattern. Each later source only fills keys the earlier
ones left missing (:func:`merge_metadata`); it never overrides them.

Keys callqa reads: ``call_id``, ``agent_id``, ``team``, ``queue``, ``started_at`` (ISO 8601),
``channel_map`` (``"agent,customer"`` or ``{"0": "agent", "1": "customer"}``), ``language``.
Every other key is kept as it is in the call's ``metadata``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

SIDECAR_SUFFIX = ".meta.json"
MANIFEST_COLUMNS = ("call_id", "path", "agent_id", "team", "queue", "started_at", "channel_map", "language")
MANIFEST_EXTENSIONS = (".csv", ".jsonl")


# ---------------------------------------------------------------- sidecar


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


# ---------------------------------------------------------------- precedence


def merge_metadata(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Earlier layers win; a later one only fills keys that are missing or empty."""
    out: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if _empty(out.get(key)) and not _empty(value):
                out[key] = value
    return out


def metadata_for(path: Path, manifest: Manifest | None = None, pattern: str | None = None) -> dict[str, Any]:
    """All three sources for one recording, in order; a broken sidecar raises ValueError."""
    row = manifest.for_path(path) if manifest is not None else None
    named = parse_filename(pattern, path) if pattern else {}
    return merge_metadata(row.metadata if row else {}, read_sidecar(path), named)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ---------------------------------------------------------------- manifest


@dataclass(frozen=True)
class ManifestRow:
    line: int  # 1-based; a CSV's header is line 1
    call_id: str | None  # None when the row gave only a path
    path: Path | None  # absolute; None when the row gave only a call id
    metadata: Mapping[str, Any] = field(default_factory=dict)  # every non-empty column except path


@dataclass(frozen=True)
class Manifest:
    path: Path
    rows: tuple[ManifestRow, ...]
    errors: tuple[tuple[int, str], ...] = ()  # (line, problem) of each row that was skipped

    def for_path(self, path: Path) -> ManifestRow | None:
        return self._by_path.get(_key(path))

    def for_call(self, call_id: str) -> ManifestRow | None:
        return self._by_call.get(call_id)

    # indexes, built once: a night's manifest has tens of thousands of rows
    @cached_property
    def _by_path(self) -> dict[Path, ManifestRow]:
        return {_key(r.path): r for r in reversed(self.rows) if r.path is not None}

    @cached_property
    def _by_call(self) -> dict[str, ManifestRow]:
        return {r.call_id: r for r in reversed(self.rows) if r.call_id is not None}


def _key(path: Path) -> Path:
    return path.expanduser().resolve()


def read_manifest(path: Path, check_files: bool = True) -> Manifest:
    """Read a CSV or JSONL manifest; ValueError when the file as a whole cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in MANIFEST_EXTENSIONS:
        raise ValueError(f"{path.name}: a manifest is a {' or '.join(MANIFEST_EXTENSIONS)} file")
    try:
        text = path.read_bytes().decode("utf-8-sig")  # utf-8-sig drops a BOM when there is one
    except OSError as e:
        raise ValueError(f"{path.name}: cannot read the manifest ({e.strerror or type(e).__name__})") from e
    except UnicodeDecodeError as e:
        raise ValueError(f"{path.name}: the manifest is not UTF-8 text") from e
    records = _csv_records(text, path.name) if suffix == ".csv" else _jsonl_records(text)
    return _validate(path, records, check_files)


def _csv_records(text: str, name: str) -> Iterator[tuple[int, Mapping[str, Any] | str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        if not any(header):
            raise ValueError(f"{name}: the manifest is empty; its first line names the columns")
        _check_header(header, name)
        last = reader.line_num
        for fields in reader:
            line, last = last + 1, reader.line_num  # a quoted field can span lines: report where it starts
            if not any(f.strip() for f in fields):
                continue
            if len(fields) > len(header):
                yield line, f"{len(fields)} fields, but the header names {len(header)}"
                continue
            yield line, dict(zip(header, fields, strict=False))
    except csv.Error as e:
        raise ValueError(f"{name}:{reader.line_num}: not valid CSV ({e})") from e


def _check_header(header: list[str], name: str) -> None:
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise ValueError(f"{name}: column(s) {', '.join(dupes)} appear more than once in the header")
    if "call_id" not in header and "path" not in header:
        raise ValueError(f"{name}: the header needs a call_id or a path column; columns: {', '.join(MANIFEST_COLUMNS)}")


def _jsonl_records(text: str) -> Iterator[tuple[int, Mapping[str, Any] | str]]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            yield line, "not valid JSON"
            continue
        yield line, record if isinstance(record, dict) else "not a JSON object"


def _validate(path: Path, records: Iterator[tuple[int, Mapping[str, Any] | str]], check_files: bool) -> Manifest:
    rows: list[ManifestRow] = []
    errors: list[tuple[int, str]] = []
    ids: dict[str, int] = {}
    paths: dict[Path, int] = {}
    for line, record in records:
        try:
            if isinstance(record, str):
                raise ValueError(record)
            row = _row(line, record, path.parent, check_files)
            _unique(row.call_id, ids, "call_id")
            _unique(row.path and _key(row.path), paths, "path")
        except ValueError as e:
            errors.append((line, str(e)))
            continue
        if row.call_id is not None:
            ids[row.call_id] = line
        if row.path is not None:
            paths[_key(row.path)] = line
        rows.append(row)
    return Manifest(path, tuple(rows), tuple(errors))


def _unique(value: Any, seen: Mapping[Any, int], what: str) -> None:
    if value is not None and value in seen:
        raise ValueError(f"duplicate {what} {str(value)!r} (first on line {seen[value]})")


def _row(line: int, record: Mapping[str, Any], folder: Path, check_files: bool) -> ManifestRow:
    values = {str(k).strip(): v.strip() if isinstance(v, str) else v for k, v in record.items()}
    values = {k: v for k, v in values.items() if k and not _empty(v)}
    call_id, raw_path = values.get("call_id"), values.pop("path", None)
    if call_id is None and raw_path is None:
        raise ValueError("the row has neither a call_id nor a path")
    resolved = _resolve(raw_path, folder, check_files) if raw_path is not None else None
    check_metadata(values)
    if call_id is not None:
        values["call_id"] = call_id = str(call_id)
    return ManifestRow(line, call_id, resolved, values)


def _resolve(raw: Any, folder: Path, check_files: bool) -> Path:
    if not isinstance(raw, str):
        raise ValueError(f"path must be text, not {type(raw).__name__}")
    path = Path(raw).expanduser()
    path = path if path.is_absolute() else folder / path
    if check_files and not path.is_file():
        raise ValueError(f"path {raw!r} is not a file (paths are relative to the manifest's folder)")
    return path.absolute()


def check_metadata(values: Mapping[str, Any]) -> None:
    """ValueError naming the first known key whose value callqa could not use."""
    if "started_at" in values:
        parse_started_at(values["started_at"])
    if "channel_map" in values:
        from diarize import parse_channel_map

        try:
            parse_channel_map(values["channel_map"])
        except (ValueError, TypeError) as e:
            raise ValueError(f"channel_map {values['channel_map']!r}: {e}") from e
    language = values.get("language")
    if language is not None and not (isinstance(language, str) and re.fullmatch(r"[A-Za-z]{2,3}", language)):
        raise ValueError(f"language {language!r} is not a 2 or 3 letter code such as zh, en, yue")
    if "call_id" in values and not isinstance(values["call_id"], str | int):
        raise ValueError(f"call_id must be text, not {type(values['call_id']).__name__}")


def parse_started_at(value: Any) -> date:
    """The call's date from an ISO 8601 date or date-time (as written: no time-zone shift)."""
    if isinstance(value, str):
        text = value.strip()
        for parse in (date.fromisoformat, datetime.fromisoformat):
            try:
                parsed = parse(text)
            except ValueError:
                continue
            return parsed.date() if isinstance(parsed, datetime) else parsed
    raise ValueError(f"started_at {value!r} is not an ISO 8601 date or date-time such as 2026-11-21T09:30:00")


# ---------------------------------------------------------------- filename pattern

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"[A-Za-z_]+")


def parse_filename(pattern: str, path: Path) -> dict[str, str]:
    """The named parts of ``path``'s file name; ``{}`` when it does not match."""
    regex = compile_pattern(pattern)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    match = regex.search(stem) if pattern.startswith("re:") else regex.fullmatch(stem)
    if match is None:
        return {}
    return {k: v for k, v in match.groupdict().items() if v}


@lru_cache(maxsize=32)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """``{name}`` placeholders (letters and ``_``) with literal text between, or ``re:<regex>``.

    A placeholder matches anything but ``_`` and ``/``; the last one also takes underscores, up to
    the extension. ValueError for a pattern that could not match sensibly.
    """
    if pattern.startswith("re:"):
        return _regex(pattern[3:])
    parts: list[str] = []
    names: list[str] = []
    end = 0
    for m in _PLACEHOLDER.finditer(pattern):
        literal = pattern[end : m.start()]
        if names and not literal:
            raise ValueError(f"pattern {pattern!r}: put literal text between {{{names[-1]}}} and {{{m[1]}}}")
        parts.append(_literal(literal, pattern))
        names.append(_placeholder(m[1], names, pattern))
        parts.append(f"(?P<{names[-1]}>[^_/]+)")
        end = m.end()
    if not names:
        raise ValueError(f"pattern {pattern!r} has no {{placeholder}}; e.g. {{started_at}}_{{agent_id}}_{{call_id}}")
    parts.append(_literal(pattern[end:], pattern))
    last = f"(?P<{names[-1]}>[^_/]+)"
    at = len(parts) - 1 - parts[::-1].index(last)
    parts[at] = f"(?P<{names[-1]}>[^/]+)"
    return re.compile("".join(parts))


def _literal(text: str, pattern: str) -> str:
    if "{" in text or "}" in text:
        raise ValueError(f"pattern {pattern!r}: unbalanced {{ or }}")
    return re.escape(text)


def _placeholder(name: str, seen: list[str], pattern: str) -> str:
    if not _NAME.fullmatch(name):
        known = ", ".join(f"{{{c}}}" for c in MANIFEST_COLUMNS if c != "path")
        raise ValueError(f"pattern {pattern!r}: unknown placeholder {{{name}}}; use {known} or a name of letters and _")
    if name in seen:
        raise ValueError(f"pattern {pattern!r}: {{{name}}} appears twice")
    return name


def _regex(source: str) -> re.Pattern[str]:
    try:
        regex = re.compile(source)
    except re.error as e:
        raise ValueError(f"pattern re:{source!r} is not a valid regular expression ({e})") from e
    if not regex.groupindex:
        raise ValueError(f"pattern re:{source!r} needs named groups such as (?P<agent_id>A\\d+)")
    return regex
