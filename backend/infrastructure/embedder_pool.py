"""Several embedder URLs, chosen per request: round robin, skipping one that refuses.

EMBEDDER_URL may list several embedders, comma-separated. Each request goes to the next
one in turn, so a backend spreads its work over all of them instead of being pinned to the
one its keep-alive connection happened to reach; an embedder that refuses connections is
skipped at once (the next one gets the same request) and left aside for a few seconds.

The connections are urllib3's (the S3 client's own HTTP library): a lone check-in of a
640x480 frame answered 0.5-0.6 ms sooner at p50 than with httpx's client, both in turn in
one stack (bench/README.md, "The embedder's client")."""

import itertools
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

import urllib3

# How long an embedder that refused a connection is passed over before it is tried again:
# long enough not to pay a refused connect per request, short enough that a restarted
# embedder gets work back within seconds.
REST_SECONDS = 2.0
# Kept-alive connections per embedder: one for each of the backend's worker threads (anyio
# runs at most 40 at once) that may call it together, so none is opened, closed and logged
# as "pool full" under load; an idle one costs a socket until the embedder closes it.
KEPT_ALIVE = 40


class Connections(Protocol):
    """An embedder's connections: urllib3's pool, or a stand-in in tests."""

    def urlopen(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> urllib3.BaseHTTPResponse: ...

    def close(self) -> None: ...


# How an embedder's connections are made: from its URL, read timeout and connect timeout.
MakeConnections = Callable[[str, float, float], Connections]


def embedder_urls(setting: str) -> list[str]:
    """The URLs of EMBEDDER_URL, in order, without blanks or trailing slashes."""
    urls = [url.strip().rstrip("/") for url in setting.split(",") if url.strip()]
    if not urls:
        raise ValueError("EMBEDDER_URL names no embedder")
    return urls


def kept_alive(url: str, timeout: float, connect_timeout: float) -> Connections:
    """Keep-alive connections to one embedder. No retries here: whether a request may go
    to the next embedder is HttpEmbedder's decision."""
    return urllib3.connection_from_url(
        url,
        maxsize=KEPT_ALIVE,
        block=False,
        retries=False,
        timeout=urllib3.Timeout(connect=connect_timeout, read=timeout),
    )


class EmbedderPool:
    """The connections of each embedder URL, handed out in turn."""

    def __init__(
        self,
        urls: list[str],
        timeout: float,
        *,
        connect_timeout: float = 3.0,
        connections: MakeConnections = kept_alive,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # Keep-alive per embedder spares a TCP handshake per check-in; the choice of
        # embedder is made per request below, so it pins nothing.
        self.embedders = [connections(url, timeout, connect_timeout) for url in urls]
        self._turn = itertools.count()
        self._resting_until = [0.0] * len(urls)
        self._lock = threading.Lock()
        self._clock = clock

    def close(self) -> None:
        for embedder in self.embedders:
            embedder.close()

    def in_turn(self, *, take_turn: bool = True) -> Iterator[Connections]:
        """Every embedder once: the awake ones in turn (so one that rests does not hand
        its share to its neighbour), then the resting ones, the last resort.

        `take_turn=False` (readiness probes) starts at the first awake embedder and leaves
        the turn where it is: a probe every second from the balancer would otherwise shift
        the rotation between two check-ins and make the spread a coin toss."""
        with self._lock:
            now = self._clock()
            count = len(self.embedders)
            awake = [i for i in range(count) if self._resting_until[i] <= now]
            resting = [i for i in range(count) if self._resting_until[i] > now]
            turn = next(self._turn) if take_turn else 0
            if awake:
                start = turn % len(awake)
                awake = awake[start:] + awake[:start]
        for index in awake + resting:
            yield self.embedders[index]

    def refused(self, embedder: Connections) -> None:
        """`embedder` refused a connection: pass it over for a while."""
        with self._lock:
            self._resting_until[self.embedders.index(embedder)] = self._clock() + REST_SECONDS

    def answered(self, embedder: Connections) -> None:
        with self._lock:
            self._resting_until[self.embedders.index(embedder)] = 0.0
