"""File names in the site for call and agent ids, and the links to them.

An id keeps its own characters on disk (Chinese included) so that a link is just the id
URL-encoded — ``audit.violations.page_link`` writes ``calls/<quoted id>.html`` and lands on the
same file (``%``, ``?`` and ``#`` too: they are encoded in the link). Characters a file name cannot
hold or should not (``/``, ``\\``, controls, a leading dot, over 150 bytes) become ``_`` with a short
hash so two ids never share a file.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]")
_MAX_BYTES = 150


def stem(identifier: str) -> str:
    safe = _UNSAFE.sub("_", identifier).lstrip(".")
    if safe == identifier and safe and len(safe.encode()) <= _MAX_BYTES:
        return safe
    digest = hashlib.sha256(identifier.encode()).hexdigest()[:10]
    head = safe.encode()[:_MAX_BYTES].decode(errors="ignore")
    return f"{head}_{digest}"


def href(identifier: str) -> str:
    """The URL-encoded file stem, for an ``href`` relative to the folder the file is in."""
    return quote(stem(identifier), safe="")


def call_page(call_id: str, root: str = "") -> str:
    return f"{root}calls/{href(call_id)}.html"


def agent_page(agent_id: str, root: str = "") -> str:
    return f"{root}agents/{href(agent_id)}.html"
