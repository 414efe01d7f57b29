"""Call metadata from a manifest, a sidecar and a filename pattern, and their precedence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batch.metadata import (
    compile_pattern,
    merge_metadata,
    metadata_for,
    parse_filename,
    read_manifest,
    read_sidecar,
    sidecar_path,
)

HEADER = "call_id,path,agent_id,team,queue,started_at,channel_map,language,customer_tier\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "audio").mkdir()
    for name in ("a.wav", "b.wav", "c.wav", "客户 d.wav"):
        (tmp_path / "audio" / name).write_bytes(b"RIFF")
    return tmp_path


def write(folder: Path, name: str, text: str, bom: bool = False) -> Path:
    path = folder / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


@pytest.mark.parametrize("bom", [False, True])
def test_csv_manifest_rows_and_metadata(folder: Path, bom: bool):
    text = HEADER + (
        'c1,audio/a.wav,A1,blue,cards,2026-11-21T09:30:00,"agent,customer",en,S\n'
        "c2,audio/客户 d.wav,A2,,,2026-11-22,,zh,\n"
    )
    m = read_manifest(write(folder, "m.csv", text, bom))
    assert m.errors == ()
    assert [(r.line, r.call_id) for r in m.rows] == [(2, "c1"), (3, "c2")]
    first = m.rows[0]
    assert first.path == (folder / "audio" / "a.wav").absolute()
    assert first.metadata == {
        "call_id": "c1",
        "agent_id": "A1",
        "team": "blue",
        "queue": "cards",
        "started_at": "2026-11-21T09:30:00",
        "channel_map": "agent,customer",
        "language": "en",
        "customer_tier": "S",
    }
    assert m.rows[1].metadata == {"call_id": "c2", "agent_id": "A2", "started_at": "2026-11-22", "language": "zh"}
    assert m.for_call("c2") is m.rows[1]
    assert m.for_path(folder / "audio" / ".." / "audio" / "客户 d.wav") is m.rows[1]
    assert m.for_call("nope") is None and m.for_path(folder / "x.wav") is None


BAD_ROWS = [
    (",,A9,,,,,,\n", "neither a call_id nor a path"),
    ("c9,audio/missing.wav,,,,,,,\n", "'audio/missing.wav' is not a file"),
    ("c1,audio/b.wav,,,,,,,\n", "duplicate call_id 'c1' (first on line 2)"),
    ("c9,audio/a.wav,,,,,,,\n", "duplicate path"),
    ("c9,audio/b.wav,,,,21/11/2026,,,\n", "started_at '21/11/2026' is not an ISO 8601"),
    ("c9,audio/b.wav,,,,,agent;boss,,\n", "channel_map 'agent;boss'"),
    ("c9,audio/b.wav,,,,,,english,\n", "language 'english' is not a 2 or 3 letter code"),
    ("c9,audio/b.wav,,,,,,,,,extra\n", "11 fields, but the header names 9"),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS, ids=[m for _, m in BAD_ROWS])
def test_a_bad_csv_row_is_reported_with_its_line_and_skipped(folder: Path, row: str, message: str):
    good = "c1,audio/a.wav,A1,,,,,,\n"
    m = read_manifest(write(folder, "m.csv", HEADER + good + "\n" + row + "c3,audio/c.wav,A3,,,,,,\n"))
    assert [r.call_id for r in m.rows] == ["c1", "c3"]
    assert len(m.errors) == 1
    line, problem = m.errors[0]
    assert line == 4  # header 1, c1 2, a blank line 3
    assert message in problem


def test_check_files_off_accepts_paths_that_are_not_here(folder: Path):
    m = read_manifest(write(folder, "m.csv", HEADER + "c1,elsewhere/a.wav,,,,,,,\n"), check_files=False)
    assert m.errors == () and m.rows[0].path == (folder / "elsewhere" / "a.wav").absolute()


def test_a_quoted_field_over_two_lines_reports_where_its_row_starts(folder: Path):
    text = HEADER + 'c1,audio/a.wav,A1,,,,,,"two\nlines"\nc2,audio/b.wav,,,,bad,,,\n'
    m = read_manifest(write(folder, "m.csv", text))
    assert m.rows[0].metadata["customer_tier"] == "two\nlines"
    assert m.errors == ((4, "started_at 'bad' is not an ISO 8601 date or date-time such as 2026-11-21T09:30:00"),)


def test_jsonl_manifest(folder: Path):
    lines = [
        {"call_id": "c1", "path": "audio/a.wav", "agent_id": "A1", "channel_map": {"0": "customer", "1": "agent"}},
        {"path": str(folder / "audio" / "b.wav"), "started_at": "2026-11-21T10:00:00+08:00", "score_hint": 3},
        "not an object",
        {"call_id": 7, "path": "audio/c.wav", "language": "yue"},
        {"call_id": "c4", "channel_map": {"0": "boss"}},
    ]
    text = "\n".join(json.dumps(x) for x in lines[:2]) + "\n\n" + "\n".join(json.dumps(x) for x in lines[2:])
    text += "\n{broken\n"
    m = read_manifest(write(folder, "m.jsonl", text, bom=True))
    assert [(r.line, r.call_id) for r in m.rows] == [(1, "c1"), (2, None), (5, "7")]
    assert m.rows[1].metadata == {"started_at": "2026-11-21T10:00:00+08:00", "score_hint": 3}
    assert m.rows[2].metadata["call_id"] == "7"
    assert [line for line, _ in m.errors] == [4, 6, 7]
    assert m.errors[0][1] == "not a JSON object"
    assert "role 'boss'" in m.errors[1][1]
    assert m.errors[2][1] == "not valid JSON"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("m.txt", "call_id\n", "a manifest is a .csv or .jsonl file"),
        ("m.csv", "", "the manifest is empty"),
        ("m.csv", "agent_id,team\nA1,blue\n", "needs a call_id or a path column"),
        ("m.csv", "call_id,call_id\n", "call_id appear more than once"),
        ("m.csv", b"call_id\n\xff\xfe\n", "not UTF-8"),
    ],
)
def test_a_manifest_that_cannot_be_read_raises(tmp_path: Path, name: str, content: str | bytes, message: str):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ValueError, match=message):
        read_manifest(path)


def test_a_missing_manifest_raises(tmp_path: Path):
    with pytest.raises(ValueError, match="cannot read the manifest"):
        read_manifest(tmp_path / "none.csv")


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        (
            "{started_at}_{agent_id}_{call_id}",
            "2026-11-21_A1024_000123.wav",
            {"started_at": "2026-11-21", "agent_id": "A1024", "call_id": "000123"},
        ),
        ("{started_at}_{agent_id}_{call_id}", "2026-11-21_A1024_000_123.mp3", {"call_id": "000_123"}),
        ("{started_at}_{agent_id}_{call_id}", "2026-11-21_A1024.wav", {}),
        ("{queue}-{agent_id}", "cards-A7.wav", {"queue": "cards", "agent_id": "A7"}),
        ("rec {agent_id} ({branch})", "rec A7 (north).flac", {"agent_id": "A7", "branch": "north"}),
        ("{call_id}", "no extension", {"call_id": "no extension"}),
        ("re:^(?P<agent_id>A\\d+)-(?P<queue>[a-z]+)", "A12-cards-extra.wav", {"agent_id": "A12", "queue": "cards"}),
        ("re:(?P<agent_id>A\\d+)(?P<team>T\\d+)?", "x_A12.wav", {"agent_id": "A12"}),
        ("re:^(?P<agent_id>A\\d+)$", "B12.wav", {}),
    ],
)
def test_parse_filename(pattern: str, name: str, expected: dict[str, str]):
    got = parse_filename(pattern, Path("/calls/2026") / name)
    assert {k: got[k] for k in expected} == expected if expected else got == {}


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("{agent-id}_{call_id}", "unknown placeholder {agent-id}"),
        ("{1}", "unknown placeholder {1}"),
        ("{agent_id}{call_id}", "literal text between {agent_id} and {call_id}"),
        ("{call_id}_{call_id}", "{call_id} appears twice"),
        ("recording", "has no {placeholder}"),
        ("{call_id}_{agent", "unbalanced"),
        ("re:(?P<agent_id>", "not a valid regular expression"),
        ("re:A\\d+", "needs named groups"),
    ],
)
def test_bad_patterns_raise(pattern: str, message: str):
    with pytest.raises(ValueError, match=message.replace("{", r"\{").replace("}", r"\}")):
        compile_pattern(pattern)


def test_merge_metadata_earlier_wins_later_fills_gaps():
    assert merge_metadata({"agent_id": "A1", "team": ""}, {"agent_id": "A2", "team": "blue"}, {"queue": "q"}) == {
        "agent_id": "A1",
        "team": "blue",
        "queue": "q",
    }


def test_metadata_for_applies_manifest_then_sidecar_then_pattern(folder: Path):
    audio = folder / "audio" / "a.wav"
    pattern_name = folder / "audio" / "2026-11-21_A9_c1.wav"
    audio.rename(pattern_name)
    sidecar_path(pattern_name).write_text(json.dumps({"agent_id": "SIDE", "team": "side-team", "queue": "side-q"}))
    m = read_manifest(write(folder, "m.csv", "path,agent_id,team\naudio/2026-11-21_A9_c1.wav,MAN,\n"))
    meta = metadata_for(pattern_name, m, "{started_at}_{agent_id}_{call_id}")
    assert meta == {
        "agent_id": "MAN",
        "team": "side-team",
        "queue": "side-q",
        "started_at": "2026-11-21",
        "call_id": "c1",
    }
    assert metadata_for(pattern_name) == read_sidecar(pattern_name)


def test_sidecar_still_works(tmp_path: Path):
    audio = tmp_path / "call1.wav"
    assert sidecar_path(audio).name == "call1.meta.json"
    assert read_sidecar(audio) == {}
    sidecar_path(audio).write_text("[1]")
    with pytest.raises(ValueError, match="must hold a JSON object"):
        read_sidecar(audio)
