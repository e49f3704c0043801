"""Liveness and readiness."""

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from backend.domain.errors import DomainError
from backend.handler.context import Services, services
from backend.handler.errors import error_body

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
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
    return {"status": "ready", "checks": checks}
