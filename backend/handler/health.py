"""Liveness and readiness."""

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from backend.domain.app import Services
from backend.domain.errors import DomainError
from backend.handler import answers
from backend.handler.context import services
from backend.handler.errors import error_body
from backend.handler.openapi import errors

router = APIRouter()


@router.get("/healthz", operation_id="getHealth", tags=["health"], response_model=answers.Health)
async def healthz() -> dict[str, str]:
    """The process is up (nothing else is checked)."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="getReadiness",
    tags=["health"],
    response_model=None,
    responses={200: {"model": answers.Readiness}, **errors(503)},
)
async def readyz(found: Services = Depends(services)) -> dict[str, Any] | JSONResponse:
    """Database, object store and embedder: up, in a short blip (still ready), or down."""
    for name, probe in found.probes.items():
        try:
            await run_in_threadpool(probe)
            found.readiness.answered(name)
        except DomainError as error:
            found.readiness.failed(name, error.message)
    verdict = found.readiness.verdict()
    if not verdict.ready:
        down = {name: verdict.failing[name] for name in verdict.down}
        message = f"not ready: {', '.join(verdict.down)} down"
        body = error_body("not_ready", message, {"checks": verdict.checks, **down})
        return JSONResponse(body, 503)
    try:
        report = (await run_in_threadpool(found.gallery.report)).as_dict()
    except DomainError:  # the database is in a blip: ready, without the gallery's figures
        report = None
    return {"status": "ready", "checks": verdict.checks, "gallery": report}
