"""``callqa search``: words across every stored (masked) transcript, Chinese and English.

SQLite answers from its FTS5 trigram index, PostgreSQL from its pg_trgm index; both by substring,
case-insensitively, so ``投诉`` finds ``我要投诉`` and ``declined`` finds ``Declined.``. Only masked
text is stored, so a raw card number finds nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select, text

from audit.filters import Filters, call_conditions, where
from audit.violations import page_link
from store import Store, schema
from store.fts import FTS_TABLE

MARK = ("«", "»")  # around the match in the sentence shown


def search(store: Store, words: str, filters: Filters, limit: int = 200) -> list[dict[str, Any]]:
    words = words.strip()
    if not words:
        raise ValueError("give the words to search for")
    u, c = schema.utterances.c, schema.calls.c
    short = len(words) < 3
    query = select(
        u.call_id, c.started_at, c.agent_id, u.idx, u.utterance_id, u.role, u.start_s, u.end_s, u.text
    ).join_from(schema.calls, schema.utterances, u.call_id == c.call_id, isouter=short and store.dialect == "sqlite")
    # Words too short for the trigram index: an outer join keeps SQLite from reordering, so it walks
    # calls newest first (an index) and reads each call's utterances until it has `limit` hits —
    # milliseconds for a common word where scanning every utterance first took a second. The text
    # condition below drops the NULL rows, so the result is the inner join's.
    conditions = call_conditions(filters)
    if filters.roles:
        conditions.append(u.role.in_(filters.roles))
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if store.dialect == "sqlite" and not short:
        # the trigram index narrows to candidate rows; LIKE below keeps exactly the substring hits
        hits = text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q")
        conditions.append(text("utterances.rowid IN (" + hits.text + ")").bindparams(q=_phrase(words)))
    like = u.text.ilike if store.dialect == "postgresql" else u.text.like  # SQLite's LIKE ignores case already
    conditions.append(like(pattern, escape="\\"))
    query = where(query, [and_(*conditions)]).order_by(c.started_at.desc(), u.call_id, u.idx).limit(limit)
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        row["match"] = marked(row["text"], words)
        row["page"] = page_link(row["call_id"])
    return rows


def marked(sentence: str, words: str) -> str:
    """The sentence with every occurrence of ``words`` between « and », case-insensitively."""
    lower, needle = sentence.lower(), words.lower()
    out, at = [], 0
    while (i := lower.find(needle, at)) >= 0:
        out += [sentence[at:i], MARK[0], sentence[i : i + len(words)], MARK[1]]
        at = i + len(words)
    return "".join([*out, sentence[at:]])


def _phrase(words: str) -> str:
    """An FTS5 string literal: the words as one phrase, quotes doubled."""
    return '"' + words.replace('"', '""') + '"'
