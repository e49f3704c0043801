"""The machine's busy CPU time, one reading for the embedder's timing of its threads
(embedder/other_load.py) and for the benchmarks' meters (bench/cpu.py)."""

from typing import Any

import psutil

# Not busy: a core at rest, or waiting on a disk. Guest time is also left out: Linux
# counts it inside user time already (psutil reports both).
NOT_BUSY = ("idle", "iowait", "guest", "guest_nice")


def busy_seconds(times: Any) -> float:
    """Busy seconds in one psutil.cpu_times() reading (steal included: a virtual machine's
    host taking a core keeps it from this machine as surely as a process does)."""
    return sum(value for name, value in times._asdict().items() if name not in NOT_BUSY)


def machine_busy_seconds() -> float:
    """CPU seconds every core has spent busy since boot."""
    return busy_seconds(psutil.cpu_times())
