"""Other processes' load while the embedder times its thread counts (embedder/other_load.py):
a timing the rest of the machine disturbed is not kept."""

import subprocess
import sys
import time
from collections import namedtuple

import pytest

from embedder import other_load
from embedder.other_load import OtherLoad
from facegate_shared.cpu import busy_seconds, machine_busy_seconds


def readings(*values):
    """A reader answering `values` in turn."""
    queue = list(values)
    return lambda: queue.pop(0)


def test_the_others_are_the_machines_busy_time_less_this_process():
    # 0.9 s of every core busy in 1 s, 0.3 s of it this process's: 0.6 cores of others
    load = OtherLoad(busy=readings(100.0, 100.9), own=readings(5.0, 5.3), clock=readings(1.0, 2.0))
    assert load.cores() == pytest.approx(0.6)


def test_ticks_that_lag_the_processs_own_time_read_as_no_load():
    load = OtherLoad(busy=readings(100.0, 100.2), own=readings(5.0, 5.25), clock=readings(0, 1))
    assert load.cores() == 0.0


def test_a_window_shorter_than_a_few_ticks_tells_nothing():
    # one 10 ms tick in 2 ms would read as 5 cores
    load = OtherLoad(busy=readings(100.0, 100.01), own=readings(0, 0), clock=readings(0, 0.002))
    assert load.cores() is None


def test_an_unreadable_machine_knows_nothing():
    load = OtherLoad(busy=readings(None, None), own=readings(0.0, 0.0), clock=readings(0, 1))
    assert load.cores() is None


def test_busy_time_leaves_out_rest_and_guest_time_counted_in_user():
    linux = namedtuple("linux", "user nice system idle iowait irq softirq steal guest guest_nice")
    times = linux(100, 20, 30, 5000, 40, 5, 5, 10, 7, 0)
    # busy: user, nice, system, irq, softirq, steal; not idle, iowait or guest (in user)
    assert busy_seconds(times) == 170
    mac = namedtuple("mac", "user nice system idle")
    assert busy_seconds(mac(1.5, 0.0, 2.0, 9.0)) == 3.5


def test_an_unreadable_machine_is_no_load_known(monkeypatch):
    def refuse() -> float:
        raise FileNotFoundError("/proc/stat")

    monkeypatch.setattr(other_load, "machine_busy_seconds", refuse)
    assert other_load.busy_seconds_of_all_cores() is None
    assert machine_busy_seconds() > 0  # the real reading, where the tests run


def test_another_process_spinning_on_a_core_is_seen():
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        load = OtherLoad()
        started = time.monotonic()
        while time.monotonic() - started < 0.5:  # the window measured, not a wait
            time.sleep(0.05)
        others = load.cores()
        assert others is not None and others > 0.5
    finally:
        spinner.kill()
        spinner.wait()
