"""One run at a time per output folder: an advisory lock that names its holder.

The lock is ``fcntl.flock`` on a file; the kernel drops it when the holding process dies however
it dies (``kill -9``, a reboot), so a lock left by a dead run is simply free again: the next
run takes it over without guessing from pids. The file's text says who holds it (host, pid,
start time), for the message the second run prints.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qa.errors import CallqaError


@dataclass(frozen=True)
class Holder:
    host: str
    pid: int
    started_at: str
    run_id: str = ""

    @classmethod
    def me(cls, run_id: str = "") -> Holder:
        return cls(socket.gethostname(), os.getpid(), datetime.now(UTC).isoformat(timespec="seconds"), run_id)

    def describe(self) -> str:
        run = f", run {self.run_id}" if self.run_id else ""
        return f"host {self.host}, pid {self.pid}, started {self.started_at}{run}"

    def to_dict(self) -> dict[str, Any]:
        return {"host": self.host, "pid": self.pid, "started_at": self.started_at, "run_id": self.run_id}


class FileLock:
    """``with FileLock(path, holder):`` or acquire()/release(); raises ``run.locked`` when held."""

    def __init__(self, path: Path, holder: Holder, what: str = "this output folder") -> None:
        self.path = path
        self.holder = holder
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            held_by = read_holder(self.path)
            who = held_by.describe() if held_by else "another process (it has not said who yet)"
            raise CallqaError(
                "run.locked",
                f"another callqa run is using {self.what} ({who}); wait for it to finish, or stop it. "
                f"A run that died leaves no lock behind: then just run again",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(self.holder.to_dict()) + "\n").encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def read_holder(path: Path) -> Holder | None:
    try:
        d = json.loads(path.read_text(encoding="utf-8") or "null")
        return Holder(str(d["host"]), int(d["pid"]), str(d["started_at"]), str(d.get("run_id", "")))
    except (OSError, ValueError, TypeError, KeyError):
        return None
