"""The results store: open (and migrate), record runs, save calls, tell a run what is done."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from batch.lock import FileLock, Holder
from qa.errors import CallqaError
from store import schema
from store.migrations import SCHEMA_VERSION, current_version, migrate
from store.rows import as_json

log = logging.getLogger("callqa.store")

_LOCK_KEY = 0x63616C6C7161  # "callqa": the advisory lock every run on a PostgreSQL store takes


@dataclass(frozen=True)
class Known:
    """What a run needs to decide whether a call is done."""

    call_id: str
    status: str
    source_path: str | None
    sha256: str | None
    size: int | None
    mtime_ns: int | None
    work_key: str | None
    rules_key: str | None


def default_url(out: Path) -> str:
    return f"sqlite:///{(out / 'callqa.db').absolute()}"


def masked_url(url: str) -> str:
    """The URL with its password (if any) replaced, for messages and records."""
    # up to the last "@" before the path: a password with a raw "@" in it is masked whole
    return re.sub(r"(://[^:/@]+:)[^/]*@", r"\1***@", url)


def open_store(url: str) -> Store:
    return Store(url)


class Store:
    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine, event
        from sqlalchemy.exc import SQLAlchemyError

        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]  # the driver we ship
        self.url = masked_url(url)
        self.dialect = url.split(":", 1)[0].split("+", 1)[0]
        if self.dialect not in ("sqlite", "postgresql"):
            raise CallqaError("store.open", f"store {self.url}: use sqlite:///FILE or postgresql://USER@HOST/DB")
        self._file_lock: FileLock | None = None
        self._lock_conn: Any = None
        self.migrated_from: int = 0  # the schema version found on opening (``store migrate`` reports it)
        try:
            self.engine = create_engine(url, future=True)
        except (SQLAlchemyError, ImportError, ValueError) as e:
            raise CallqaError("store.open", f"cannot open the store {self.url}: {type(e).__name__}") from e
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._open()

    def _open(self) -> None:
        from contextlib import nullcontext

        # Two runs opening a fresh SQLite store at once: one migrates, the other waits and then
        # finds it done (PostgreSQL does the same with a transaction-level advisory lock below).
        database = self.engine.url.database if self.dialect == "sqlite" else None
        if database and database != ":memory:" and not Path(database).parent.is_dir():
            self.engine.dispose()  # SQLite would only say "unable to open database file"
            raise CallqaError(
                "store.open", f"cannot open the store {self.url}: {Path(database).parent} is not a folder"
            )
        with _flocked(Path(f"{database}.migrate")) if database and database != ":memory:" else nullcontext():
            self._check_and_migrate()

    def _check_and_migrate(self) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self.engine.begin() as conn:
                if self.dialect == "postgresql":
                    # two runs creating a fresh store at once: the second waits for the first's DDL
                    from sqlalchemy import text

                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY + 1})
                version = self.migrated_from = current_version(conn)
                if version > SCHEMA_VERSION:
                    raise CallqaError(
                        "store.schema",
                        f"the store {self.url} has schema version {version}; this callqa reads up to "
                        f"{SCHEMA_VERSION}: upgrade callqa (the store was not changed)",
                    )
                if version < SCHEMA_VERSION:
                    log.info("store %s: schema %d → %d", self.url, version, SCHEMA_VERSION)
                    migrate(conn)
        except CallqaError:
            self.engine.dispose()
            raise
        except SQLAlchemyError as e:
            self.engine.dispose()
            detail = str(getattr(e, "orig", None) or type(e).__name__).splitlines()[0][:200]
            raise CallqaError("store.open", f"cannot open the store {self.url}: {masked_url(detail)}") from e

    @property
    def version(self) -> int:
        with self.engine.connect() as conn:
            return current_version(conn)

    # --- one run at a time ---------------------------------------------------------------------

    def acquire(self, holder: Holder) -> None:
        """Refuse a second run on this store; the lock dies with the process that holds it."""
        if self.dialect == "sqlite":
            path = Path(self.engine.url.database or "store")
            self._file_lock = FileLock(Path(f"{path}.lock"), holder, f"the store {path.name}")
            self._file_lock.acquire()
            return
        from sqlalchemy import text

        conn = self.engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _LOCK_KEY}).scalar()
        if got:
            # The holder's name goes on the session that holds the lock: a second run reads it
            # from pg_stat_activity, and it vanishes with the session, so a killed run's name
            # never outlives its lock (a row in a table would, and would name the wrong run).
            conn.execute(text("SELECT set_config('application_name', :n, false)"), {"n": _holder_tag(holder)})
        conn.commit()
        if not got:
            conn.close()
            raise CallqaError(
                "run.locked",
                f"another callqa run is using the store {self.url} ({self._lock_holder()}); wait for it to "
                "finish, or stop it. A run that died leaves no lock behind: then just run again",
            )
        self._lock_conn = conn  # the lock lives as long as this session: a dead run's dies with it

    def _lock_holder(self) -> str:
        """Who holds the PostgreSQL run lock: the holder's session name, else the newest unfinished run."""
        from sqlalchemy import select, text

        hi, lo = _LOCK_KEY >> 32, _LOCK_KEY & 0xFFFFFFFF
        holders = text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            f"WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {hi} AND l.objid = {lo} "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        r = schema.runs.c
        newest = select(schema.runs).where(r.finished_at.is_(None)).order_by(r.started_at.desc()).limit(1)
        with self.engine.connect() as conn:
            for (name,) in conn.execute(holders):
                parts = (name or "").split(" ", 3)
                if len(parts) == 4 and parts[0] == "callqa":
                    return f"host {parts[3]}, pid {parts[1]}, started {parts[2]}"
            row = conn.execute(newest).first()  # a holder from before callqa named its session
        return f"host {row.host}, pid {row.pid}, started {row.started_at}" if row else "another process"

    def release(self) -> None:
        if self._file_lock is not None:
            self._file_lock.release()
            self._file_lock = None
        if self._lock_conn is not None:
            from sqlalchemy import text

            self._lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
            self._lock_conn.close()
            self._lock_conn = None

    def close(self) -> None:
        self.release()
        self.engine.dispose()

    # --- runs and calls ------------------------------------------------------------------------

    def start_run(self, run_id: str, record: Mapping[str, Any]) -> None:
        from sqlalchemy import delete, insert

        holder = record.get("holder") or {}
        with self.engine.begin() as conn:
            conn.execute(delete(schema.runs).where(schema.runs.c.run_id == run_id))
            conn.execute(
                insert(schema.runs).values(
                    run_id=run_id,
                    started_at=record.get("started_at"),
                    host=holder.get("host"),
                    pid=holder.get("pid"),
                    options=as_json(record.get("options")),
                )
            )

    def finish_run(self, run_id: str, summary: Mapping[str, Any]) -> None:
        from sqlalchemy import update

        with self.engine.begin() as conn:
            conn.execute(
                update(schema.runs)
                .where(schema.runs.c.run_id == run_id)
                .values(finished_at=_now(), summary=as_json(dict(summary)))
            )

    def known(self) -> dict[str, Known]:
        from sqlalchemy import select

        c = schema.calls.c
        query = select(c.call_id, c.status, c.source_path, c.sha256, c.size, c.mtime_ns, c.work_key, c.rules_key)
        with self.engine.connect() as conn:
            return {row.call_id: Known(*row) for row in conn.execute(query)}

    def save_call(
        self, call: Mapping[str, Any], *, run_id: str, size: int | None = None, mtime_ns: int | None = None
    ) -> None:
        """Replace every row of this call, in one transaction: a re-save never duplicates."""
        from sqlalchemy import delete, insert

        from store.rows import call_rows

        rows = call_rows(call, run_id, size, mtime_ns, _now())
        call_id = rows["calls"]["call_id"]
        with self.engine.begin() as conn:
            for table in (*schema.CALL_TABLES, schema.calls):
                conn.execute(delete(table).where(table.c.call_id == call_id))
            conn.execute(insert(schema.calls), [rows["calls"]])
            for table in schema.CALL_TABLES:
                if rows[table.name]:
                    conn.execute(insert(table), rows[table.name])

    def counts(self) -> dict[str, int]:
        from sqlalchemy import func, select

        tables = (schema.runs, schema.calls, *schema.CALL_TABLES, schema.verdicts)
        with self.engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() or 0 for t in tables}

    def runs(self, limit: int = 5) -> list[dict[str, Any]]:
        from sqlalchemy import select

        r = schema.runs.c
        query = select(schema.runs).order_by(r.started_at.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]


@contextmanager
def _flocked(path: Path) -> Iterator[None]:
    import fcntl

    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers (an auditor's query) never block the night's writer
    cur.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a power cut loses at most the last commit
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _holder_tag(holder: Holder) -> str:
    """The holder as a PostgreSQL session name: ASCII, at most 63 bytes (the host, last, may be cut)."""
    return f"callqa {holder.pid} {holder.started_at} {holder.host}".encode("ascii", "replace")[:63].decode()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
