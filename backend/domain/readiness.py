"""Readiness that rides out a blip of a shared dependency.

Every replica shares the database, the object store and the embedders. If each replica
reported itself not ready the instant one of them failed a probe, a two-second database
failover would take every replica out of the balancer at once: a full outage made from a
blip. So a dependency that answered within the grace period still counts as ready (its
check says "blip"); past the grace the replica reports not ready and names what is down.
A dependency that has never answered gets no grace."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

# READY_GRACE_SECONDS' default: longer than a PostgreSQL or S3 failover or an embedder
# restart usually takes, short enough that a real outage leaves the balancer in seconds.
DEFAULT_GRACE_SECONDS = 10.0

UP, BLIP, DOWN = "up", "blip", "down"


@dataclass(frozen=True)
class Verdict:
    """Each dependency's state ("up", "blip" or "down") and why the failing ones fail."""

    checks: dict[str, str]
    failing: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return DOWN not in self.checks.values()

    @property
    def down(self) -> list[str]:
        return sorted(name for name, state in self.checks.items() if state == DOWN)


class ReadinessTracker:
    """Remembers when each dependency last answered; one per process."""

    def __init__(
        self,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.grace_seconds = grace_seconds
        self._clock = clock
        self._last_up: dict[str, float] = {}
        self._failing: dict[str, str] = {}
        self._seen: list[str] = []

    def answered(self, name: str) -> None:
        """`name` answered its probe just now."""
        self._note(name)
        self._last_up[name] = self._clock()
        self._failing.pop(name, None)

    def failed(self, name: str, reason: str) -> None:
        """`name`'s probe failed just now, for `reason`."""
        self._note(name)
        self._failing[name] = reason

    def verdict(self) -> Verdict:
        now = self._clock()
        checks: dict[str, str] = {}
        for name in self._seen:
            if name not in self._failing:
                checks[name] = UP
                continue
            last_up = self._last_up.get(name)
            within_grace = last_up is not None and now - last_up <= self.grace_seconds
            checks[name] = BLIP if within_grace else DOWN
        return Verdict(checks, dict(self._failing))

    def _note(self, name: str) -> None:
        if name not in self._seen:
            self._seen.append(name)
