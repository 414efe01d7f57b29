"""Full-text search over the masked utterances: SQLite FTS5 with the trigram tokenizer (finds
Chinese substrings, which have no spaces to split on) or PostgreSQL's pg_trgm.

Both index substrings of three characters or more; a shorter query (a two-character Chinese
word) is answered by the same ``LIKE`` without the index — slower, still correct.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

FTS_TABLE = "utterances_fts"

_SQLITE = (
    # external content: the index points at utterances' rows instead of holding a second copy
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "text, content='utterances', content_rowid='rowid', tokenize='trigram case_sensitive 0')",
    f"CREATE TRIGGER IF NOT EXISTS utterances_fts_insert AFTER INSERT ON utterances BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.rowid, new.text); END",
    f"CREATE TRIGGER IF NOT EXISTS utterances_fts_delete AFTER DELETE ON utterances BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.rowid, old.text); END",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
)
_POSTGRESQL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_utterances_text_trgm ON utterances USING gin (text gin_trgm_ops)",
)


def create_text_index(conn: Connection) -> None:
    for statement in _SQLITE if conn.dialect.name == "sqlite" else _POSTGRESQL:
        conn.execute(text(statement))
