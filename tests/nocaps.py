"""Run Python code as root *without* root's right to read every file, in a fresh interpreter.

Clears CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH with capset(2) before anything else runs, so
permission bits apply. A fresh process, not fork(): forking a test process that already runs
model thread pools can deadlock the child.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_DROP = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
data = (ctypes.c_uint32 * 6)()
assert libc.capget(header, data) == 0
mask = ~((1 << 1) | (1 << 2)) & 0xFFFFFFFF
data[0] &= mask
data[1] &= mask
assert libc.capset(header, data) == 0, ctypes.get_errno()
"""

ROOT = Path(__file__).resolve().parents[1]


def run_without_file_override(code: str, *args: str) -> str:
    """stdout of ``code`` (sys.argv[1:] = args) run with file permissions enforced."""
    proc = subprocess.run(
        [sys.executable, "-c", _DROP + code, *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip()
