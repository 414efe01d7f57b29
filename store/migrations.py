"""Schema versions, applied in order; each in one transaction with its row in ``schema_info``.

A fresh store runs them all; an older store runs those it lacks; a store newer than this
callqa is refused and left untouched (an old binary must never half-understand a new schema).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, inspect, select

from store import schema

Migration = Callable[[Connection], None]


def _v1(conn: Connection) -> None:
    """Calls, their utterances, findings, PII rows and sections; runs."""
    for table in schema.V1_TABLES:
        table.create(conn, checkfirst=True)
    for index in schema.V1_INDEXES:
        index.create(conn, checkfirst=True)


def _v2(conn: Connection) -> None:
    """Coaches' verdicts on findings (they outlive re-runs of the call)."""
    schema.verdicts.create(conn, checkfirst=True)
    for index in schema.V2_INDEXES:
        index.create(conn, checkfirst=True)


def _v3(conn: Connection) -> None:
    """Full-text search over the masked utterances (FTS5 trigram / pg_trgm)."""
    from store.fts import create_text_index

    create_text_index(conn)


def _v4(conn: Connection) -> None:
    """Covering indexes for counts by rule, agent, team and day."""
    for name in schema.V4_DROPPED:
        next(i for i in schema.V1_INDEXES if i.name == name).drop(conn, checkfirst=True)
    for index in schema.V4_INDEXES:
        index.create(conn, checkfirst=True)


MIGRATIONS: tuple[Migration, ...] = (_v1, _v2, _v3, _v4)
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(conn: Connection) -> int:
    """0 for an empty database."""
    if not inspect(conn).has_table("schema_info"):
        return 0
    version = schema.schema_info.c.version
    return conn.execute(select(version).order_by(version.desc())).scalar() or 0


def migrate(conn: Connection, upto: int = SCHEMA_VERSION) -> int:
    """Apply the migrations after the store's version, up to ``upto``; returns the new version."""
    version = current_version(conn)
    for number in range(version + 1, upto + 1):
        MIGRATIONS[number - 1](conn)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        conn.execute(schema.schema_info.insert().values(version=number, migrated_at=now))
    return max(version, upto)
