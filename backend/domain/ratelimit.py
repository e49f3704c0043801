"""A token bucket per API key, so one misbehaving kiosk cannot swamp the embedder."""

import math
import threading
import time
from collections.abc import Callable

from backend.domain.errors import RateLimited


class RateLimiter:
    """`per_minute` requests a minute per key, in bursts of up to ten seconds' worth."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = per_minute / 60.0
        self._capacity = max(1.0, per_minute / 6.0)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last seen)
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Spend one token of `key`, or raise RateLimited saying when to retry."""
        now = self._clock()
        with self._lock:
            tokens, seen = self._buckets.get(key, (self._capacity, now))
            tokens = min(self._capacity, tokens + (now - seen) * self._rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / self._rate) if self._rate else 60
                raise RateLimited(f"too many requests for key {key}; retry in {wait} s", wait)
            self._buckets[key] = (tokens - 1.0, now)
