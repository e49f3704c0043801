"""Stand-ins for embedders behind HttpEmbedder: answers built as urllib3 would hand them
over, and connections that refuse as a closed port does."""

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import NewConnectionError


def answer(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    """An embedder's JSON answer as HttpEmbedder reads it."""
    return urllib3.HTTPResponse(
        body=json.dumps(body).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
        preload_content=True,
    )


def refused(host: str) -> NewConnectionError:
    return NewConnectionError(None, f"{host}: connection refused")  # type: ignore[arg-type]


class StandIn:
    """One embedder's connections: every request goes to `serve(host, method, url)`."""

    def __init__(self, host: str, serve: Callable[[str, str, str], Any]) -> None:
        self.host = host
        self.serve = serve

    def urlopen(self, method: str, url: str, **sent: object) -> Any:
        return self.serve(self.host, method, url)

    def close(self) -> None:
        pass


def stand_ins(serve: Callable[[str, str, str], Any]) -> Callable[[str, float, float], StandIn]:
    """HttpEmbedder's `connections`: each URL's host answered by `serve`."""
    return lambda url, timeout, connect_timeout: StandIn(urlsplit(url).hostname or url, serve)
