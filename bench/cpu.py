"""Where the CPU goes: cores used by each started process tree and by the whole machine."""

import os
import time
from collections.abc import Mapping
from typing import Any

import psutil

from facegate_shared.cpu import machine_busy_seconds


def tree_cpu_seconds(pid: int) -> dict[int, float]:
    """User+system CPU seconds of a process and all its descendants, by pid."""
    seconds: dict[int, float] = {}
    try:
        root = psutil.Process(pid)
        family = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return seconds
    for process in family:
        try:
            times = process.cpu_times()
            seconds[process.pid] = times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return seconds


class CpuMeter:
    """Cores used between start() and stop(), per named process tree and machine-wide.

    roots: name -> pid, or the pids of a part's instances; the calling process (the load
    generator) is measured alone."""

    def __init__(self, roots: Mapping[str, int | list[int]]) -> None:
        self._roots = {name: [pid] if isinstance(pid, int) else pid for name, pid in roots.items()}
        self._before: dict[str, dict[int, float]] = {}
        self._started = 0.0
        self._machine = 0.0

    def _snapshot(self) -> dict[str, dict[int, float]]:
        taken = {
            name: {k: v for pid in pids for k, v in tree_cpu_seconds(pid).items()}
            for name, pids in self._roots.items()
        }
        own = psutil.Process(os.getpid()).cpu_times()
        taken["bench client"] = {os.getpid(): own.user + own.system}
        return taken

    def start(self) -> None:
        self._before = self._snapshot()
        self._machine = machine_busy_seconds()
        self._started = time.monotonic()

    def stop(self) -> dict[str, Any]:
        """Average cores busy over the window, per tree and for the machine."""
        wall = time.monotonic() - self._started
        after = self._snapshot()
        machine = machine_busy_seconds() - self._machine
        cores = {}
        for name, pids in after.items():
            before = self._before.get(name, {})
            used = sum(s - before.get(pid, 0.0) for pid, s in pids.items())
            cores[name] = round(used / wall, 2)
        return {
            "wall_s": round(wall, 1),
            "machine_busy_cores": round(machine / wall, 2),
            "cores_by_process": cores,
            # anything else on the machine: another job skews the latencies measured
            "other_cores": round(max(0.0, machine / wall - sum(cores.values())), 2),
        }


def busy_cores(seconds: float = 3.0) -> float:
    """Cores the whole machine keeps busy over a short window."""
    before = machine_busy_seconds()
    time.sleep(seconds)
    return max(0.0, (machine_busy_seconds() - before) / seconds)


def wait_for_quiet(limit: float = 0.3, patience_s: float = 900, busy_with: str = "others") -> float:
    """Wait (up to patience_s) until the machine is nearly idle; returns the last load seen.

    Benchmarks on 2 cores are meaningless while something else (a test run) is busy, or
    while the stack just started is still loading (`busy_with` says which, for the log)."""
    deadline = time.monotonic() + patience_s
    load = busy_cores()
    while load > limit and time.monotonic() < deadline:
        print(
            f"  waiting: the machine is busy ({load:.2f} cores in use by {busy_with})", flush=True
        )
        time.sleep(20)
        load = busy_cores()
    return round(load, 2)


def wait_until_this_process_is_quiet(window_s: float = 0.02, limit_s: float = 2.0) -> None:
    """Until this process's threads use under a tenth of a core over `window_s`, at most
    `limit_s`: a condition, not a fixed pause."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        cpu = time.process_time()
        time.sleep(window_s)
        if time.process_time() - cpu < window_s / 10:
            return
