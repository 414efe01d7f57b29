"""What auditors and coaches ask of the store: violations, transcript search, verdicts.

Public API: :func:`violations`, :func:`grouped`, :func:`search`, :func:`mark`, :func:`calibration`,
:class:`Filters`.
"""

from __future__ import annotations

from audit.filters import Filters
from audit.search import search
from audit.verdicts import calibration, mark
from audit.violations import grouped, violations

__all__ = ["Filters", "calibration", "grouped", "mark", "search", "violations"]
