"""The results store: every call's result as rows, in SQLite (default) or PostgreSQL.

Public API: :func:`open_store`, :func:`default_url`, :class:`Store`, :class:`Known`,
:func:`import_run_dir`, :data:`SCHEMA_VERSION`. Tables are in :mod:`store.schema`.
"""

from __future__ import annotations

from store.db import Known, Store, default_url, masked_url, open_store
from store.importer import ImportSummary, import_run_dir
from store.migrations import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "ImportSummary",
    "Known",
    "Store",
    "default_url",
    "import_run_dir",
    "masked_url",
    "open_store",
]
