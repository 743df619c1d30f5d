"""What a run costs: CPU seconds and peak memory, for the stage lines and the benchmarks."""

from __future__ import annotations

import sys
import time


def peak_rss() -> int:
    """This process's peak resident memory so far, in bytes (0 where the OS does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


def cpu_seconds() -> float:
    """CPU time of this process, all threads (file-reading workers report their own)."""
    return time.process_time()
