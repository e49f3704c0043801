"""SCIM's side of HTTP: the bearer token, application/scim+json answers, and every error
as a SCIM Error body (`status`, `scimType`, `detail`) with the status RFC 7644 names."""

import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from scim2_models import Error, SCIMException

from backend.domain import errors
from backend.domain.app import Services
from backend.domain.model import ApiKey, Role
from backend.handler.context import services
from backend.handler.errors import status_of
from backend.handler.scim.declared import MEDIA_TYPE

log = logging.getLogger("facegate.backend")

# Domain errors that have a SCIM keyword (RFC 7644 §3.12, table 9).
SCIM_TYPES: dict[type[errors.DomainError], str] = {
    errors.UserNameTaken: "uniqueness",
    errors.ValidationFailed: "invalidValue",
}


class ScimResponse(Response):
    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


def error_response(status: int, detail: str, scim_type: str | None = None) -> ScimResponse:
    body: dict[str, Any] = {"schemas": [str(Error.__schema__)], "status": str(status)}
    if scim_type:  # RFC 7644 §3.12 shows the status as a string
        body["scimType"] = scim_type
    body["detail"] = detail
    headers = {"WWW-Authenticate": 'Bearer realm="facegate"'} if status == 401 else None
    return ScimResponse(body, status_code=status, headers=headers)


def scim_error(error: Exception) -> ScimResponse:
    """Any error raised while serving a SCIM request, as a SCIM Error."""
    if isinstance(error, SCIMException):
        return error_response(error.status, error.detail, error.scim_type or None)
    if isinstance(error, ValidationError):
        first = Error.from_validation_errors(error)[0]
        return error_response(400, str(first.detail), first.scim_type)
    if isinstance(error, RequestValidationError):
        where = ", ".join(".".join(str(p) for p in e["loc"]) for e in error.errors())
        return error_response(400, f"the request is not valid: {where}", "invalidValue")
    if isinstance(error, json.JSONDecodeError | UnicodeDecodeError):
        return error_response(400, "the body is not JSON", "invalidSyntax")
    if isinstance(error, errors.DomainError):
        status = 400 if isinstance(error, errors.ValidationFailed) else status_of(error)
        scim_type = next((t for k, t in SCIM_TYPES.items() if isinstance(error, k)), None)
        return error_response(status, error.message, scim_type)
    raise error


class ScimRoute(APIRoute):
    """A route whose errors leave as SCIM Error bodies instead of facegate's own."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def scim_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as error:  # noqa: BLE001 - scim_error re-raises what it does not know
                return scim_error(error)

        return scim_handler


async def scim_caller(request: Request, found: Services = Depends(services)) -> ApiKey:
    """The SCIM token's key (`Authorization: Bearer ...`, a key of role scim), or 401/403."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise errors.Unauthorized("an Authorization: Bearer header with a SCIM token is required")
    key = await run_in_threadpool(found.keys.authenticate, token.strip())
    found.keys.authorize(key, {Role.SCIM})
    request.state.api_key_name = key.name
    return key


async def json_body(request: Request) -> Any:
    """The request's JSON (SCIM clients send application/scim+json or application/json)."""
    return json.loads((await request.body()).decode("utf-8"))
