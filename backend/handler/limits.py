"""Every request body has a limit, enforced while it streams: a declared Content-Length
over it is refused before reading, and a chunked body is cut off at the limit."""

from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.handler.errors import error_body


class BodyTooLarge(StarletteHTTPException):
    """Raised from the request's receive channel when the body passes its limit."""

    def __init__(self, code: str, limit: int) -> None:
        super().__init__(413, f"the request body is over the limit of {limit} bytes")
        self.code = code
        self.limit = limit


class BodyLimit:
    """ASGI middleware: multipart uploads may carry `upload_limit` bytes, anything else
    (JSON, forms, bodies sent to routes that take none) `other_limit`."""

    def __init__(self, app: ASGIApp, *, upload_limit: int, other_limit: int) -> None:
        self.app = app
        self.upload_limit = upload_limit
        self.other_limit = other_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if headers.get(b"content-type", b"").lower().startswith(b"multipart/"):
            code, limit = "image_too_large", self.upload_limit
        else:
            code, limit = "body_too_large", self.other_limit
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            too_large = BodyTooLarge(code, limit)
            answer = JSONResponse(
                error_body(code, str(too_large.detail), {"limit": limit}),
                413,
                headers={"Connection": "close"},
            )
            await answer(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message: dict[str, Any] = dict(await receive())
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(code, limit)
            return message

        await self.app(scope, limited, send)
