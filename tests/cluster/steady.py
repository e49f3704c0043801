"""A steady stream of check-ins through the balancer, as kiosks at a door send them."""

import threading
import time
from dataclasses import dataclass, field
from types import TracebackType

import httpx

from tests.cluster.watch import WatchedCluster

# Each kiosk waits this long between frames: ~1.3 check-ins a second per key, under the
# cluster's 2 a second per key, so no request is refused for the rate.
PAUSE = 0.6


@dataclass
class SteadyCheckins:
    """One thread per kiosk key posting `frame` until stopped; every answer recorded."""

    cluster: WatchedCluster
    keys: list[str]
    frame: bytes
    answers: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> "SteadyCheckins":
        for key in self.keys:
            thread = threading.Thread(target=self._kiosk, args=(key,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(120)

    def _kiosk(self, key: str) -> None:
        with self.cluster.client(key) as client:
            while not self._stop.is_set():
                try:
                    answer = client.post(
                        "/api/v1/employees/search",
                        files={"image": ("frame.jpg", self.frame, "image/jpeg")},
                    )
                    self.answers.append(answer.status_code)
                    if answer.status_code != 200:
                        self.failures.append(f"{answer.status_code} {answer.text[:200]}")
                except httpx.HTTPError as error:
                    self.failures.append(f"{type(error).__name__}: {error}")
                time.sleep(PAUSE)
