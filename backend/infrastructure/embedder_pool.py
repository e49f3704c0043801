"""Several embedder URLs, chosen per request: round robin, skipping one that refuses.

EMBEDDER_URL may list several embedders, comma-separated. Each request goes to the next
one in turn, so a backend spreads its work over all of them instead of being pinned to the
one its keep-alive connection happened to reach; an embedder that refuses connections is
skipped at once (the next one gets the same request) and left aside for a few seconds."""

import itertools
import threading
import time
from collections.abc import Callable, Iterator

import httpx

# How long an embedder that refused a connection is passed over before it is tried again:
# long enough not to pay a refused connect per request, short enough that a restarted
# embedder gets work back within seconds.
REST_SECONDS = 2.0


def embedder_urls(setting: str) -> list[str]:
    """The URLs of EMBEDDER_URL, in order, without blanks or trailing slashes."""
    urls = [url.strip().rstrip("/") for url in setting.split(",") if url.strip()]
    if not urls:
        raise ValueError("EMBEDDER_URL names no embedder")
    return urls


class EmbedderPool:
    """One pooled httpx client per embedder URL, handed out in turn."""

    def __init__(
        self,
        urls: list[str],
        timeout: float,
        *,
        connect_timeout: float = 3.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # Keep-alive per embedder spares a TCP handshake per check-in; the choice of
        # embedder is made per request below, so it pins nothing.
        self.clients = [
            httpx.Client(
                base_url=url,
                timeout=httpx.Timeout(timeout, connect=connect_timeout),
                limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
                transport=transport,
            )
            for url in urls
        ]
        self._turn = itertools.count()
        self._resting_until = [0.0] * len(urls)
        self._lock = threading.Lock()
        self._clock = clock

    def close(self) -> None:
        for client in self.clients:
            client.close()

    def in_turn(self, *, take_turn: bool = True) -> Iterator[httpx.Client]:
        """Every embedder once: the awake ones in turn (so one that rests does not hand
        its share to its neighbour), then the resting ones, the last resort.

        `take_turn=False` (readiness probes) starts at the first awake embedder and leaves
        the turn where it is: a probe every second from the balancer would otherwise shift
        the rotation between two check-ins and make the spread a coin toss."""
        with self._lock:
            now = self._clock()
            count = len(self.clients)
            awake = [i for i in range(count) if self._resting_until[i] <= now]
            resting = [i for i in range(count) if self._resting_until[i] > now]
            turn = next(self._turn) if take_turn else 0
            if awake:
                start = turn % len(awake)
                awake = awake[start:] + awake[:start]
        for index in awake + resting:
            yield self.clients[index]

    def refused(self, client: httpx.Client) -> None:
        """`client`'s embedder refused a connection: pass it over for a while."""
        with self._lock:
            self._resting_until[self.clients.index(client)] = self._clock() + REST_SECONDS

    def answered(self, client: httpx.Client) -> None:
        with self._lock:
            self._resting_until[self.clients.index(client)] = 0.0
