"""The static review site for coaches: ``build_site(store, SITE, run_dir=OUT)``."""

from __future__ import annotations

from review.site import SiteSummary, build_site

__all__ = ["SiteSummary", "build_site"]
