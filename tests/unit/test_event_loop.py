"""The check-in path never calls a port on the event loop: every port is PostgreSQL, the
object store or the embedder in production, and one round trip made on the loop stalls
every request the replica is serving (issue 26)."""

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from backend.bootstrap.adapters import Adapters
from tests.unit.test_liveness import ALICE, ENROLLED, looking
from tests.unit.world import FakeWorld

# Adapters fields that are not ports: values, or pure functions with no I/O.
NOT_PORTS = {"model", "calibration", "probes", "clock", "choose", "closers"}


def on_event_loop() -> bool:
    """Whether this thread is running an event loop (a port call here blocks it)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class OffTheLoop:
    """A port that notes every call made on a thread running an event loop."""

    def __init__(self, inner: Any, name: str, seen: list[str]) -> None:
        self._inner, self._name, self._seen = inner, name, seen

    def _note(self, what: str) -> None:
        if on_event_loop():
            self._seen.append(what)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._note(self._name)
        return self._inner(*args, **kwargs)

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._inner, attr)
        if not callable(value):
            return value

        def guarded(*args: Any, **kwargs: Any) -> Any:
            self._note(f"{self._name}.{attr}")
            return value(*args, **kwargs)

        return guarded


class FakeRateBuckets:
    """Shared buckets that always grant: only where they are called from matters here."""

    def take(self, key: str, rate_per_second: float, capacity: float) -> float | None:
        return None


@dataclasses.dataclass
class WatchedWorld(FakeWorld):
    """FakeWorld whose every port notes the calls made on the event loop."""

    on_loop: list[str] = dataclasses.field(default_factory=list)

    def adapters(self) -> Adapters:
        built = dataclasses.replace(super().adapters(), rate_buckets=FakeRateBuckets())
        watched: dict[str, Any] = {
            f.name: OffTheLoop(getattr(built, f.name), f.name, self.on_loop)
            for f in dataclasses.fields(built)
            if f.name not in NOT_PORTS and getattr(built, f.name) is not None
        }
        return dataclasses.replace(built, **watched)


@pytest.fixture
def world() -> WatchedWorld:
    world = WatchedWorld()
    world.embedder.faces[ENROLLED] = [looking(ALICE, 0.0)]
    world.embedder.faces[b"front"] = [looking(ALICE, 0.01)]
    world.embedder.faces[b"left"] = [looking(ALICE, 0.21)]
    return world


def test_the_guard_sees_a_port_called_on_the_loop() -> None:
    """The test below can fail: a call made from a coroutine is noted."""
    seen: list[str] = []
    port = OffTheLoop(FakeRateBuckets(), "rate_buckets", seen)

    async def route() -> None:
        port.take("door", 1.0, 10.0)

    asyncio.run(route())
    port.take("door", 1.0, 10.0)  # from a plain thread: not noted
    assert seen == ["rate_buckets.take"]


def test_check_in_enrollment_and_the_challenge_call_no_port_on_the_event_loop(
    world: WatchedWorld,
) -> None:
    with world.api(Path("/nonexistent")) as (client, kiosk):
        door = {"X-API-Key": kiosk}
        calls: list[Callable[[], Any]] = [
            lambda: client.post(
                "/api/v1/employees/insert",
                data={"employee_id": "E1", "employee_name": "Alice"},
                files={"image": ("a.jpg", ENROLLED, "image/jpeg")},
            ),
            lambda: client.post(
                "/api/v1/employees/search",
                headers=door,
                files={"image": ("f.jpg", b"front", "image/jpeg")},
            ),
        ]
        answers = [call() for call in calls]
        challenge = client.post("/api/v1/liveness/challenge", headers=door)
        answered = client.post(
            "/api/v1/liveness/checkin",
            headers=door,
            data={"token": challenge.json()["token"]},
            files=[("frames", (f"{n}.jpg", n.encode(), "image/jpeg")) for n in ("front", "left")],
        )
    assert [a.status_code for a in answers] == [201, 200], [a.text for a in answers]
    assert answers[1].json()["matched"] is True
    assert challenge.status_code == 201, challenge.text
    assert answered.status_code in (200, 422), answered.text  # answered, not a 500
    assert world.on_loop == [], f"ports called on the event loop: {sorted(set(world.on_loop))}"
