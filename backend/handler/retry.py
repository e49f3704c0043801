"""Requests run again while the database changes leader, where that is safe.

A request answered database_unavailable lost its transaction before COMMIT (commit_unknown
is the other case, and is never run again here). Running it again is then safe when the
request itself is: a read (GET, HEAD), or a create carrying an Idempotency-Key, whose
earlier steps, if one was kept before a later one failed, are not made twice (an enrollment
answers 409 photo_already_enrolled naming its face). Such a request is run again every
PAUSE seconds for up to RETRY_SECONDS, about what a PostgreSQL restart or most of a
failover takes, before its 503 goes out. Anything else answers at once: a kiosk's next
frame is its retry."""

import asyncio
import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

RETRY_SECONDS = 8.0
PAUSE = 0.5
SAFE_METHODS = ("GET", "HEAD")
RETRIED_CODE = "database_unavailable"
# A body kept for another try is at most this big; a bigger one is tried once (the body
# limit inside refuses it anyway).
MAX_KEPT = 16 * 1024 * 1024


def safe_to_repeat(scope: Scope) -> bool:
    if scope["method"] in SAFE_METHODS:
        return True
    return any(name == b"idempotency-key" for name, _ in scope.get("headers", []))


class RetryWhenSafe:
    """ASGI middleware: see the module's docstring."""

    def __init__(self, app: ASGIApp, seconds: float = RETRY_SECONDS, pause: float = PAUSE):
        self.app = app
        self.seconds = seconds
        self.pause = pause

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not safe_to_repeat(scope):
            await self.app(scope, receive, send)
            return
        body, whole = await read_body(receive)
        if not whole:
            await self.app(scope, replay(body, receive), send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        while True:
            last_try = loop.time() + self.pause > deadline
            held = await self._attempt(scope, replay(body, receive), send, last_try)
            if held is None:
                return  # answered (streamed straight through)
            await asyncio.sleep(self.pause)

    async def _attempt(
        self, scope: Scope, receive: Receive, send: Send, last_try: bool
    ) -> list[Message] | None:
        """Run the app once. A 503 database_unavailable is held back (returned) unless this
        is the last try; every other answer goes straight to the client (None)."""
        held: list[Message] = []
        passing = last_try

        async def capture(message: Message) -> None:
            nonlocal passing
            if message["type"] == "http.response.start" and message["status"] != 503:
                passing = True
            if passing:
                await send(message)
            else:
                held.append(message)

        await self.app(scope, receive, capture)
        if passing:
            return None
        if error_code(held) != RETRIED_CODE:
            for message in held:
                await send(message)
            return None
        return held


async def read_body(receive: Receive) -> tuple[list[Message], bool]:
    """The request's body messages, kept to be given again to each try; False when it
    stopped at MAX_KEPT (the rest is still to be received)."""
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages, True
        size += len(message.get("body", b""))
        if size > MAX_KEPT:
            return messages, False


def replay(body: list[Message], receive: Receive) -> Receive:
    """The kept body, then the client's own channel (a disconnect still reaches the app)."""
    pending = list(body)

    async def next_message() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return next_message


def error_code(messages: list[Message]) -> str:
    content = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    try:
        found: Any = json.loads(content)
        return str(found["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""
