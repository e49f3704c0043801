"""How busy the rest of the machine kept its cores while this process timed its own work.

A timing of the model's thread counts (thread_calibration.py) is worth keeping only if
nothing else wanted the cores meanwhile: with another process on a core, two threads time
no faster than one, and a lone request is then given one thread on a machine that is idle
again a second later (a lone frame check-in 9-11 ms slower; bench/README.md,
2026-12-04). The system counts every core's busy time (Linux in /proc/stat, read through
psutil); this process's own CPU time is taken from it, so what is left is the others' (the
hypervisor's steal included: a virtual machine's host taking a core is the same
disturbance). Where it cannot be read, nothing is known and nothing is refused.
"""

import time
from collections.abc import Callable

import psutil

from facegate_shared.cpu import machine_busy_seconds

# The machine's busy time is counted in ticks of 10 ms (Linux): over a shorter window one
# tick reads as cores.
SHORTEST_WINDOW_SECONDS = 0.1


def busy_seconds_of_all_cores() -> float | None:
    """CPU seconds every core has spent busy since boot, None where it cannot be read."""
    try:
        return machine_busy_seconds()
    except (OSError, psutil.Error):
        return None


class OtherLoad:
    """Cores kept busy by everything but this process, from construction to `cores()`."""

    def __init__(
        self,
        busy: Callable[[], float | None] = busy_seconds_of_all_cores,
        own: Callable[[], float] = time.process_time,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._busy, self._own, self._clock = busy, own, clock
        self._started = (busy(), own(), clock())

    def cores(self) -> float | None:
        """Mean cores the machine's other processes used since construction; None where
        the machine's busy time cannot be read, or the window is too short to tell (a
        single thread count: nothing was timed)."""
        busy0, own0, at0 = self._started
        busy1 = self._busy()
        wall = self._clock() - at0
        if busy0 is None or busy1 is None or wall < SHORTEST_WINDOW_SECONDS:
            return None
        # /proc/stat counts in ticks (10 ms): a short window may read a little below the
        # process's own precise figure.
        return max(0.0, ((busy1 - busy0) - (self._own() - own0)) / wall)
