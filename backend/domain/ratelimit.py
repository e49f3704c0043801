"""A token bucket per API key, so one misbehaving kiosk cannot swamp the embedder.

With `buckets` (PostgreSQL in the backend) the buckets are shared by every replica: N
backends let a key through its limit once, not N times. Without, they live in this process
(tests, and the arithmetic the store repeats)."""

import math
import threading
import time
from collections.abc import Callable

from backend.domain.errors import RateLimited
from backend.domain.ports import RateBuckets


class RateLimiter:
    """`per_minute` requests a minute per key, in bursts of up to ten seconds' worth."""

    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        buckets: RateBuckets | None = None,
    ) -> None:
        self._shared = buckets
        self._rate = per_minute / 60.0
        self._capacity = max(1.0, per_minute / 6.0)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last seen)
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Spend one token of `key`, or raise RateLimited saying when to retry."""
        if self._shared is not None:
            tokens = self._shared.take(key, self._rate, self._capacity)
            if tokens is not None:
                self._refuse(key, tokens)
            return
        now = self._clock()
        with self._lock:
            tokens, seen = self._buckets.get(key, (self._capacity, now))
            tokens = min(self._capacity, tokens + (now - seen) * self._rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                self._refuse(key, tokens)
            self._buckets[key] = (tokens - 1.0, now)

    def _refuse(self, key: str, tokens: float) -> None:
        wait = max(1, math.ceil((1.0 - tokens) / self._rate)) if self._rate else 60
        raise RateLimited(f"too many requests for key {key}; retry in {wait} s", wait)
