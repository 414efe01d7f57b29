"""Run the callqa CLI in this process and print its peak resident memory (MB) last.

``python -m bench.peak_rss run FILE --out DIR ...``: used by the long-audio test and the benchmark so the
measurement covers exactly one run and nothing else the test process did.
"""

from __future__ import annotations

import resource
import sys

from qa.cli import main

if __name__ == "__main__":
    try:
        main(sys.argv[1:], standalone_mode=False)
    finally:
        # the calls run in a worker process (--workers 1): the larger of it and this one
        peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        print(f"peak_rss_mb={peak / 1024:.0f}")
