"""The upload limit, enforced while a body streams (a chunked body has no Content-Length
to check first): the request is refused once it passes the limit, not after spooling it."""

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from embedder.errors import ImageTooLarge


class BodyLimit:
    """ASGI middleware: no request body may carry more than `limit` bytes."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message: dict[str, Any] = dict(await receive())
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise ImageTooLarge(f"upload is over the limit of {self.limit} bytes")
            return message

        await self.app(scope, limited, send)
