"""Liveness and readiness."""

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from backend.domain.app import Services
from backend.domain.errors import DomainError
from backend.handler import answers
from backend.handler.context import services
from backend.handler.errors import error_body
from backend.handler.openapi import errors

router = APIRouter()
Answer = TypeVar("Answer")


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
async def readyz(
    request: Request, found: Services = Depends(services)
) -> dict[str, Any] | JSONResponse:
    """Database, object store and embedder: up, in a short blip (still ready), or down."""
    threads = _probe_threads(request)
    async with anyio.create_task_group() as probing:
        for name, probe in found.probes.items():
            probing.start_soon(_probe, found, name, probe, threads)
    verdict = found.readiness.verdict()
    if not verdict.ready:
        down = {name: verdict.failing[name] for name in verdict.down}
        message = f"not ready: {', '.join(verdict.down)} down"
        body = error_body("not_ready", message, {"checks": verdict.checks, **down})
        return JSONResponse(body, 503)
    try:
        report: dict[str, Any] | None = (
            await _within_deadline(found.gallery.report, threads)
        ).as_dict()
    except (DomainError, TimeoutError):  # the database blips: ready, without the figures
        report = None
    return {"status": "ready", "checks": verdict.checks, "gallery": report}


async def _probe(
    found: Services, name: str, probe: Callable[[], None], threads: anyio.CapacityLimiter
) -> None:
    try:
        await _within_deadline(probe, threads)
        found.readiness.answered(name)
    except DomainError as error:
        found.readiness.failed(name, error.message)
    except TimeoutError:
        found.readiness.failed(name, f"{name} did not answer within {PROBE_SECONDS:g} s")


# A dependency that hangs (frozen, not refusing) must not hang /readyz past the balancer's
# check timeout, or every replica drops out at once however short the blip: each probe gets
# PROBE_SECONDS. Probes run in threads of their own, so that probes abandoned while they
# hang can never hold the threads requests run in.
PROBE_SECONDS = 2.0
PROBE_THREADS = 8


def _probe_threads(request: Request) -> anyio.CapacityLimiter:
    """This app's probe threads (made in its own event loop, on first use)."""
    threads: anyio.CapacityLimiter | None = getattr(request.app.state, "probe_threads", None)
    if threads is None:
        threads = request.app.state.probe_threads = anyio.CapacityLimiter(PROBE_THREADS)
    return threads


async def _within_deadline(call: Callable[[], Answer], threads: anyio.CapacityLimiter) -> Answer:
    """call() in a probe thread; TimeoutError when it has not answered in PROBE_SECONDS."""
    with anyio.fail_after(PROBE_SECONDS):
        return await anyio.to_thread.run_sync(call, abandon_on_cancel=True, limiter=threads)
