"""Requests in every embedder process of this machine, and a turn for timing the model.

A request alone on the machine's cores may use them all (Embedder.lone_threads); with
others running it gets one thread, or the threads of several processes fight over the
cores (two processes each giving a request 2 spinning threads: 35 ms a request against
22; bench/README.md). A process cannot see another's requests, so every embedder process
on the machine counts its own in a slot of one small shared file and reads the sum.

The file holds a slot of 8 bytes per process and when a request last started. A process
claims the first slot whose first byte no one holds a lock on (fcntl: the lock goes with
the process, so a dead process's slot is free again) and zeroes it. Only the owner writes
a slot; an aligned 8-byte store is read whole. The lock of a byte past them is the turn
for timing (thread_calibration.py): two processes warming up at once would each time the
other's work.
"""

import contextlib
import fcntl
import logging
import mmap
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger("embedder")

SLOTS = 64
SLOT_BYTES = 8
# After the slots: when a request last started in any process (time.monotonic_ns, one
# clock for every process of the machine), so timing waits for a quiet machine.
LAST_START = SLOTS
MAP_BYTES = (SLOTS + 1) * SLOT_BYTES
# The turn's lock lies past the map, so taking it never touches a slot's lock.
TURN_OFFSET = MAP_BYTES


def default_path() -> Path:
    """Memory, not disk, where Linux offers it: the file is written on every request."""
    shm = Path("/dev/shm")
    folder = shm if shm.is_dir() else Path(tempfile.gettempdir())
    return folder / "facegate-embedder-load"


class MachineLoad:
    """This process's requests in its slot, everyone's in the sum."""

    def __init__(self, path: Path) -> None:
        self._own = 0
        self._own_last_start = time.monotonic_ns()
        self._fd = -1
        self._counts: memoryview | None = None
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            if os.fstat(self._fd).st_size < TURN_OFFSET + 1:
                os.ftruncate(self._fd, TURN_OFFSET + 1)
            self._slot = self._claim_slot()
            self._map = mmap.mmap(self._fd, MAP_BYTES)
            self._counts = memoryview(self._map).cast("q")
            self._counts[self._slot] = 0  # a dead owner's count goes with its lock
        except OSError as error:  # another user's file, no slot free: count alone
            log.warning("not sharing the request count (%s): this process counts alone", error)
            self._counts = None

    def _claim_slot(self) -> int:
        for slot in range(SLOTS):
            try:
                fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, slot * SLOT_BYTES)
            except OSError:
                continue
            return slot
        raise OSError(f"all {SLOTS} slots are held by live processes")

    def add(self, requests: int) -> None:
        """This process has `requests` more (or fewer) requests; called on its event loop
        only, so its slot has one writer."""
        self._own += requests
        if requests > 0:
            self._own_last_start = time.monotonic_ns()
        if self._counts is not None:
            self._counts[self._slot] = self._own
            if requests > 0:
                self._counts[LAST_START] = self._own_last_start

    def total(self) -> int:
        """Requests in every embedder process on the machine, this one's included."""
        if self._counts is None:
            return self._own
        return sum(self._counts[:SLOTS])

    def quiet_seconds(self) -> float:
        """Seconds since a request last started in any embedder process on the machine
        (or since this process opened the file)."""
        last = self._own_last_start
        if self._counts is not None:
            last = max(last, self._counts[LAST_START])
        return (time.monotonic_ns() - last) / 1e9

    def close(self) -> None:
        """Give the slot back (closing the file drops this process's locks on it)."""
        if self._counts is not None:
            self._counts[self._slot] = 0
            self._counts.release()
            self._map.close()
            self._counts = None
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the machine's turn for timing the model (blocks while another holds it)."""
        if self._counts is None:
            yield
            return
        fcntl.lockf(self._fd, fcntl.LOCK_EX, 1, TURN_OFFSET)
        try:
            yield
        finally:
            fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, TURN_OFFSET)
