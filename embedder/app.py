"""The embedder's HTTP face: POST /api/v1/extract and the health and model routes."""

import ctypes
import logging
import os
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, TypeVar

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from embedder.config import EmbedderSettings
from embedder.errors import EmbedderBusy, EmbedderError, InvalidImage
from embedder.logs import configure_logging
from embedder.machine_load import MachineLoad
from embedder.service import Embedder
from facegate_shared import wire
from facegate_shared.bodies import (
    FORM_OVERHEAD,
    BodyLimit,
    MalformedForm,
    error_body,
    read_file,
    read_form,
)
from facegate_shared.version import facegate_version

log = logging.getLogger("embedder")
T = TypeVar("T")
# The lone request's thread count is timed again soon after start (the warm-up's timing
# may have met the rest of the stack starting, or a host's passing slow phase: on one
# 2-core VM, 5 of 31 stacks started in a row kept one thread; one of them, timed with
# the machine idle, took 10.0-10.6 ms on two threads against 7.3-8.9 in the others),
# then less and less often.
FIRST_RETIME_SECONDS = 2.0
# A timing stops when a request arrives (between its calls, ~10 ms) and is not kept when
# other processes were busy (other_load.py): a second without requests is rest enough.
QUIET_SECONDS = 1.0
FLAG_TRUE = ("1", "true", "yes")


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status)


class MissingField(EmbedderError):
    code = "missing_field"
    status = 422


async def read_upload(request: Request, field: str, limit: int) -> bytes:
    """The bytes of one multipart file field, refusing anything over limit early."""
    try:
        form = await read_form(request, limit)
    except MalformedForm as error:
        raise InvalidImage(str(error)) from error
    upload = form.get(field)
    if not isinstance(upload, UploadFile):
        raise MissingField(f"multipart field '{field}' with an image file is required")
    return await read_file(upload, limit)


def create_app(settings: EmbedderSettings) -> FastAPI:
    """The embedder app; the model is loaded and warmed in the lifespan, not at import."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.machine_load = machine_load = MachineLoad(settings.load_file)
        # Processes starting together load and warm up in turn: warm-up times the model
        # (Embedder.warm_up), which another process loading its own would skew.
        embedder = await anyio.to_thread.run_sync(in_turn, machine_load, partial(ready, settings))
        app.state.embedder = embedder
        app.state.limiter = anyio.CapacityLimiter(settings.workers)
        app.state.admitted = 0
        app.state.counted = {"extract": 0, "busy": 0}
        log.info("embedder ready: %s", embedder.model_info())
        async with anyio.create_task_group() as background:
            if settings.threads is None and settings.retime_seconds > 0:
                background.start_soon(retime_threads_while_idle, app, settings.retime_seconds)
            yield
            background.cancel_scope.cancel()
        machine_load.close()

    app = FastAPI(title="facegate embedder", version=facegate_version(), lifespan=lifespan)
    app.add_middleware(BodyLimit, upload_limit=settings.max_upload_bytes + FORM_OVERHEAD)

    @app.exception_handler(EmbedderError)
    async def refused(_: Request, exc: EmbedderError) -> JSONResponse:
        response = error_response(exc.status, exc.code, exc.message)
        if isinstance(exc, EmbedderBusy):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, getattr(exc, "code", code), str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error_response(500, "internal_error", "the embedder failed on this request")

    # exclude_unset: the crop and landmarks fields appear only when asked for.
    @app.post("/api/v1/extract", response_model=wire.Extraction, response_model_exclude_unset=True)
    async def extract(request: Request) -> dict[str, Any]:
        """Faces, quality figures and embeddings of the uploaded `image`, largest first;
        `?crop=true` adds each face's aligned crop (base64 JPEG), `?landmarks=true` its
        five landmarks; `?largest=true` answers the largest face only, found on a smaller
        copy of the image (EMBEDDER_LARGEST_FACE_DETECT_MAX_SIDE): what a check-in needs."""
        embedder: Embedder = request.app.state.embedder
        # Served plus waiting, counted on the event loop (one thread: no lock needed).
        if request.app.state.admitted >= settings.admits:
            request.app.state.counted["busy"] += 1
            raise EmbedderBusy(
                f"{settings.workers} requests are being served and "
                f"{settings.admits - settings.workers} wait; retry in a moment"
            )
        request.app.state.admitted += 1
        request.app.state.machine_load.add(1)
        request.app.state.counted["extract"] += 1
        try:
            data = await read_upload(request, "image", settings.max_upload_bytes)
            crop = request.query_params.get("crop", "").lower() in FLAG_TRUE
            landmarks = request.query_params.get("landmarks", "").lower() in FLAG_TRUE
            largest = request.query_params.get("largest", "").lower() in FLAG_TRUE

            def alone() -> bool:  # read from the worker thread as the work starts
                return bool(request.app.state.machine_load.total() <= 1)

            return await anyio.to_thread.run_sync(
                partial(
                    embedder.extract,
                    data,
                    crop=crop,
                    landmarks=landmarks,
                    largest=largest,
                    alone=alone,
                ),
                limiter=request.app.state.limiter,
            )
        finally:
            request.app.state.admitted -= 1
            request.app.state.machine_load.add(-1)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", response_model=None)
    async def readyz(request: Request) -> dict[str, str] | JSONResponse:
        embedder: Embedder | None = getattr(request.app.state, "embedder", None)
        if embedder is None or not embedder.ready:
            return error_response(503, "not_ready", "the model is still loading")
        return {"status": "ready"}

    @app.get("/metrics", response_class=PlainTextResponse)
    async def metrics(request: Request) -> str:
        """This process's counters in Prometheus' text format: how the work spreads over
        embedders behind a balancer, and the queue depth an autoscaler may follow."""
        counted = getattr(request.app.state, "counted", {"extract": 0, "busy": 0})
        admitted = getattr(request.app.state, "admitted", 0)
        return (
            "# TYPE embedder_extract_requests_total counter\n"
            f"embedder_extract_requests_total {counted['extract']}\n"
            "# TYPE embedder_busy_refusals_total counter\n"
            f"embedder_busy_refusals_total {counted['busy']}\n"
            "# TYPE embedder_requests_admitted gauge\n"
            f"embedder_requests_admitted {admitted}\n"
            + _lone_threads_metric(getattr(request.app.state, "embedder", None))
        )

    @app.get("/api/v1/model", response_model=wire.ModelInfo)
    async def model(request: Request) -> dict[str, Any]:
        embedder: Embedder = request.app.state.embedder
        return embedder.model_info()

    return app


def ready(settings: EmbedderSettings) -> Embedder:
    """The model loaded and warmed up."""
    embedder = Embedder(settings)
    embedder.warm_up()
    return embedder


def in_turn(machine_load: MachineLoad, work: Callable[[], T]) -> T:
    """`work` while no other embedder process on the machine times the model."""
    with machine_load.turn():
        return work()


async def retime_threads_while_idle(app: FastAPI, every_seconds: float) -> None:
    """Time the lone request's thread count again when no embedder process on the machine
    has had a request for QUIET_SECONDS: first FIRST_RETIME_SECONDS after start, then twice
    as long after each timing, up to `every_seconds`. A request that arrives meanwhile, in
    any of them, or other processes busy on the cores, and the timing is not kept
    (Embedder.retime_threads)."""
    embedder: Embedder = app.state.embedder
    machine_load: MachineLoad = app.state.machine_load

    def retime() -> bool:
        return embedder.retime_threads(interrupted=lambda: machine_load.total() > 0)

    pause = min(FIRST_RETIME_SECONDS, every_seconds)
    quiet = min(QUIET_SECONDS, every_seconds)
    while True:
        await anyio.sleep(pause)  # a schedule, not a wait for a condition
        if machine_load.total() == 0 and machine_load.quiet_seconds() >= quiet:
            try:
                await anyio.to_thread.run_sync(in_turn, machine_load, retime)
            except Exception:  # an optimisation failing must not stop the embedder
                log.exception("timing the thread count failed; the last choice stays")
            # Each timing made slows the schedule, kept or not: a machine that is never
            # at rest costs a bounded share of a core. Busy kiosks cost nothing: no timing.
            pause = min(pause * 2, every_seconds)


def _lone_threads_metric(embedder: Embedder | None) -> str:
    """The threads a lone request gets, as warm-up timed them (absent while loading)."""
    if embedder is None or not embedder.ready:
        return ""
    return (
        "# TYPE embedder_lone_request_threads gauge\n"
        f"embedder_lone_request_threads {embedder.lone_threads}\n"
    )


def app_from_env() -> FastAPI:
    """uvicorn factory: settings from the environment (one per worker process)."""
    configure_logging()
    _die_with_parent()
    return create_app(EmbedderSettings())


def _die_with_parent() -> None:
    """A worker process must not outlive the process that started it (and holds the
    port with it): Linux sends it SIGTERM when its parent dies (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux
        return
    if os.getppid() == 1:
        os.kill(os.getpid(), signal.SIGTERM)
