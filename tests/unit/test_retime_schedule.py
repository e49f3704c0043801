"""When the embedder times its thread counts again (embedder/app.py): each timing made
slows the schedule, a machine not at rest is looked at again at the same pace."""

import contextlib
from types import SimpleNamespace
from typing import Any

import anyio
import pytest

import embedder.app as app_module


class Stop(Exception):
    pass


class Machine:
    """MachineLoad whose embedders had their last request `quiet[i]` seconds before the
    i-th look."""

    def __init__(self, quiet: list[float]) -> None:
        self.quiet = quiet

    def total(self) -> int:
        return 0

    def quiet_seconds(self) -> float:
        return self.quiet.pop(0)

    @contextlib.contextmanager
    def turn(self):
        yield


def test_the_pause_doubles_after_each_timing_and_only_then(monkeypatch):
    at_rest = 60.0
    machine = Machine([at_rest, 0.0, 0.0, at_rest, at_rest])  # a kiosk busy in between
    looks = len(machine.quiet)
    timings: list[bool] = []
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) > looks:  # the pause after the last look: enough seen
            raise Stop

    def retime_threads(interrupted) -> bool:
        timings.append(True)
        return len(timings) > 1  # the first one disturbed: not kept, the schedule alike

    monkeypatch.setattr(app_module.anyio, "sleep", sleep)
    app: Any = SimpleNamespace(
        state=SimpleNamespace(
            embedder=SimpleNamespace(retime_threads=retime_threads), machine_load=machine
        )
    )
    with pytest.raises(Stop):
        anyio.run(app_module.retime_threads_while_idle, app, 600.0)
    first = app_module.FIRST_RETIME_SECONDS
    assert len(timings) == 3
    assert pauses == [first, 2 * first, 2 * first, 2 * first, 4 * first, 8 * first]


def test_the_pause_stops_growing_at_the_configured_most(monkeypatch):
    machine = Machine([60.0] * 4)
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) > 4:
            raise Stop

    monkeypatch.setattr(app_module.anyio, "sleep", sleep)
    app: Any = SimpleNamespace(
        state=SimpleNamespace(
            embedder=SimpleNamespace(retime_threads=lambda interrupted: True),
            machine_load=machine,
        )
    )
    with pytest.raises(Stop):
        anyio.run(app_module.retime_threads_while_idle, app, 5.0)
    assert max(pauses) == 5.0 and pauses[-1] == 5.0
