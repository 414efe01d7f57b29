"""Writing results: every file goes to a temporary name first and is renamed into place."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from diarize import to_rttm
from qa.model import CallResult, SpeakerTurn, SpeakerTurns


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def turns_from_utterances(result: CallResult) -> SpeakerTurns:
    """For transcript input, where no diarizer ran: each utterance is a turn."""
    turns = tuple(SpeakerTurn(u.speaker, u.start, u.end, u.channel) for u in result.utterances)
    method = result.diarization.method if result.diarization else "transcript"
    return SpeakerTurns(method, turns, tuple(sorted({t.speaker for t in turns})))


def write_private(path: Path, data: Any) -> None:
    """Unredacted data: the folder is 0700 and the file 0600, whatever the umask says."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    write_json(path, data)  # mkstemp creates the temporary file 0600; the rename keeps it
    path.chmod(0o600)


def write_call(out: Path, result: CallResult, turns: SpeakerTurns | None, rttm: bool = True) -> Path:
    """``calls/<id>.json`` always; ``calls/<id>.rttm`` for every call that has speech (``rttm``)."""
    calls = out / "calls"
    path = calls / f"{result.call_id}.json"
    write_json(path, result.to_dict())
    if rttm and result.status == "ok":
        write_atomic(calls / f"{result.call_id}.rttm", to_rttm(result.call_id, turns or turns_from_utterances(result)))
    return path
