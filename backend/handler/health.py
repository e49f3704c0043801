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
    """Database, object store and embedder, each said to be up or down."""
    checks: dict[str, str] = {}
    down: dict[str, str] = {}
    for name, probe in found.probes.items():
        try:
            await run_in_threadpool(probe)
            checks[name] = "up"
        except DomainError as error:
            checks[name] = "down"
            down[name] = error.message
    if down:
        names = ", ".join(sorted(down))
        body = error_body("not_ready", f"not ready: {names} down", {"checks": checks, **down})
        return JSONResponse(body, 503)
    report = await run_in_threadpool(found.gallery.report)
    return {"status": "ready", "checks": checks, "gallery": report.as_dict()}
