"""Request bodies with limits, for both services: the error body every answer uses, an ASGI
middleware that enforces a body limit while the body streams, and reading a multipart form
with its declared size checked before it is parsed."""

from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FORM_OVERHEAD = 64 * 1024  # room for the other fields and the multipart boundaries


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """{"error": {"code", "message", "details"}}: every refusal of either service."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


class BodyTooLarge(StarletteHTTPException):
    """413, raised from the request's receive channel when the body passes its limit (each
    app's handler for HTTP exceptions answers it) or before reading a declared size."""

    def __init__(self, code: str, limit: int) -> None:
        super().__init__(413, f"the request body is over the limit of {limit} bytes")
        self.code = code
        self.limit = limit


class MalformedForm(Exception):
    """A body that is not a readable multipart form; each service names it in its terms."""


class BodyLimit:
    """ASGI middleware: multipart uploads may carry `upload_limit` bytes, anything else
    (JSON, forms, bodies sent to routes that take none) `other_limit`. A declared
    Content-Length over it is refused before reading; a chunked body is cut at the limit."""

    def __init__(self, app: ASGIApp, *, upload_limit: int, other_limit: int | None = None):
        self.app = app
        self.upload_limit = upload_limit
        self.other_limit = upload_limit if other_limit is None else other_limit

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


async def read_form(request: Request, limit: int, max_files: int = 1) -> FormData:
    """The multipart form of a request whose files may carry `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + FORM_OVERHEAD:
        raise BodyTooLarge("image_too_large", limit)
    try:
        return await request.form(max_files=max_files, max_fields=16)
    except StarletteHTTPException:  # the body passed its limit while streaming (BodyLimit)
        raise
    except Exception as error:  # a malformed multipart body
        raise MalformedForm(f"the request is not a readable multipart form ({error})") from error


async def read_file(upload: UploadFile, limit: int) -> bytes:
    """An uploaded file's bytes, refusing one over `limit` without reading it all."""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise BodyTooLarge("image_too_large", limit)
    return data
