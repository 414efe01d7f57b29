"""Finding the calls of a run and their metadata (executors, resume and the store come later).

Public API: :func:`discover`, :class:`CallSource`, :func:`read_sidecar`.
"""

from __future__ import annotations

from batch.discover import CallSource, discover
from batch.metadata import read_sidecar

__all__ = ["CallSource", "discover", "read_sidecar"]
