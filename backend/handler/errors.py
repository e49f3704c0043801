"""Domain errors to HTTP: one table of status codes, one error body shape."""

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.domain import errors
from facegate_shared.bodies import error_body

log = logging.getLogger("facegate.backend")

STATUS: dict[type[errors.DomainError], int] = {
    errors.ValidationFailed: 422,
    errors.InvalidImage: 422,
    errors.ImageTooLarge: 413,
    errors.NoFaceDetected: 422,
    errors.MultipleFaces: 422,
    errors.LowQuality: 422,
    errors.FaceAlreadyEnrolled: 409,
    errors.PossibleDuplicate: 409,
    errors.PhotoAlreadyEnrolled: 409,
    errors.ConsentRequired: 409,
    errors.NoticeOutdated: 409,
    errors.RateLimited: 429,
    errors.KeyNameTaken: 409,
    errors.UserNameTaken: 409,
    errors.DirectoryPersonNotFound: 404,
    errors.ModelMismatch: 503,
    errors.GalleryChanged: 503,
    errors.ReembedConflict: 409,
    errors.IdempotencyKeyReused: 422,
    errors.IdempotencyKeyInUse: 409,
    errors.EmployeeNotFound: 404,
    errors.EmployeeExists: 409,
    errors.BiometricsDeclined: 409,
    errors.BiometricsEnabled: 409,
    errors.PinIncorrect: 422,
    errors.QrInvalid: 422,
    errors.QrRevoked: 422,
    errors.QrTokenNotFound: 404,
    errors.FaceNotFound: 404,
    errors.KeyNotFound: 404,
    errors.SiteNotFound: 404,
    errors.SiteNameTaken: 409,
    errors.CheckinNotFound: 404,
    errors.LivenessFailed: 422,
    errors.ChallengeExpired: 422,
    errors.ChallengeInvalid: 422,
    errors.ChallengeRequired: 422,
    errors.ChallengeUsed: 409,
    errors.SnapshotNotFound: 404,
    errors.WebhookNotFound: 404,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.EmbedderUnavailable: 503,
    errors.EmbedderBusy: 503,
    errors.DatabaseUnavailable: 503,
    errors.CommitUnknown: 503,
    errors.StorageUnavailable: 503,
}
HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


def allowed_methods(request: Request) -> list[str] | None:
    """The methods the schema documents for this path (Starlette names only the first
    route's, and /employees/insert is also an /employees/{employee_id}); None when the
    path is not in the schema."""
    paths: dict[str, dict[str, Any]] = request.app.openapi().get("paths", {})
    matching = [
        template
        for template in paths
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), request.url.path)
    ]
    if not matching:
        return None
    literal = min(matching, key=lambda template: template.count("{"))
    return [method.upper() for method in paths[literal]]


def status_of(error: errors.DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as {"error": {"code", "message", "details"}}, never a trace."""

    @app.exception_handler(errors.DomainError)
    async def domain_error(_: Request, error: errors.DomainError) -> JSONResponse:
        status = status_of(error)
        if status >= 500:
            log.warning("%s: %s", error.code, error.message)
        headers = {}
        if isinstance(error, (errors.RateLimited, errors.EmbedderBusy)):
            headers["Retry-After"] = str(error.retry_after)
        elif isinstance(error, errors.DatabaseUnavailable):
            headers["Retry-After"] = "2"  # a failover takes seconds: the kiosk tries again
        return JSONResponse(
            error_body(error.code, error.message, error.details), status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        fields = {
            ".".join(str(p) for p in e["loc"] if p not in ("body", "query", "path")): e["msg"]
            for e in error.errors()
        }
        return JSONResponse(
            error_body("validation_error", "the request is not valid", {"fields": fields}), 422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        allowed = allowed_methods(request) if error.status_code == 405 else None
        if allowed is not None:
            return JSONResponse(
                error_body("method_not_allowed", f"use {', '.join(allowed)} on this path"),
                405,
                headers={"Allow": ", ".join(allowed)},
            )
        if error.status_code == 413:
            limit = getattr(error, "limit", None)
            code = getattr(error, "code", "body_too_large")
            details = {"limit": limit} if limit else {}
            return JSONResponse(
                error_body(code, str(error.detail), details),
                413,
                headers={"Connection": "close"},
            )
        if error.status_code == 400:
            # A body FastAPI could not parse (for instance JSON nested too deep to read).
            return JSONResponse(
                error_body("validation_error", "the request body could not be read"), 422
            )
        code = HTTP_CODES.get(error.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(error.detail)), error.status_code, headers=error.headers
        )

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(error_body("internal_error", "the server failed on this request"), 500)
