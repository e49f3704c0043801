"""create_app(settings): the HTTP app around what bootstrap builds."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI

from backend.bootstrap.adapters import Adapters, connect
from backend.bootstrap.services import build_services, build_workers
from backend.config import BackendSettings
from backend.domain.app import Services
from backend.handler import (
    attendance,
    employees,
    evidence,
    gallery,
    health,
    keys,
    liveness,
    people,
    webhooks,
)
from backend.handler.contract import contract_text, install_contract
from backend.handler.errors import install_error_handlers
from backend.handler.observability import GallerySize, Metrics, install_observability
from backend.handler.pages import mount_pages
from backend.sweeping import forget_idempotency_keys, sweep_periodically
from facegate_shared.bodies import FORM_OVERHEAD, BodyLimit
from facegate_shared.version import facegate_version

log = logging.getLogger("facegate.backend")
# Idempotency keys are kept 24 h; once an hour the older ones go (any replica may do it).
IDEMPOTENCY_SWEEP_SECONDS = 3600.0


def create_app(
    settings: BackendSettings,
    services: Services | None = None,
    connected: Adapters | None = None,
) -> FastAPI:
    """The backend app. Adapters are built in the lifespan unless `python -m backend`
    already connected them (to refuse to start in one line); tests may hand in services."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is not None:
            app.state.services = services
            yield
            return
        adapters = (
            connected
            if connected is not None
            else await anyio.to_thread.run_sync(connect, settings)
        )
        if hasattr(adapters.embedder, "observe"):
            adapters.embedder.observe = metrics.observe_embedder
        metrics.registry.register(GallerySize(adapters.faces.count_faces))
        app.state.services = build_services(settings, adapters)
        workers = build_workers(settings, adapters)
        interval = settings.sweep_interval_seconds
        background = [
            asyncio.create_task(sweep_periodically(workers.photo_sweep, interval)),
            asyncio.create_task(sweep_periodically(workers.snapshot_sweep, interval)),
            asyncio.create_task(
                forget_idempotency_keys(app.state.services.idempotency, IDEMPOTENCY_SWEEP_SECONDS)
            ),
        ]
        workers.delivery.start()
        log.info("backend ready: gallery model %s (%s-d)", adapters.model.model, adapters.model.dim)
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            await anyio.to_thread.run_sync(workers.delivery.stop)
            adapters.close()

    # /docs is served by mount_pages from vendored Swagger UI files; no ReDoc (a CDN script).
    app = FastAPI(
        title="facegate",
        version=facegate_version(),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    metrics = Metrics()
    app.state.metrics = metrics
    # Inside the observability middleware: the limit is raised straight into the route
    # reading the body, and the 413 is logged and counted like any answer.
    app.add_middleware(
        BodyLimit,
        upload_limit=settings.max_upload_bytes + FORM_OVERHEAD,
        other_limit=settings.max_json_bytes,
    )
    install_observability(app, metrics)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(gallery.router)
    app.include_router(employees.router)
    app.include_router(people.router)
    app.include_router(attendance.router)
    app.include_router(evidence.router)
    app.include_router(liveness.router)
    app.include_router(keys.router)
    app.include_router(webhooks.router)
    mount_pages(app, settings.static_dir)
    install_contract(app)
    return app


def contract() -> str:
    """The OpenAPI contract of the app; built, never started, so nothing is connected."""
    return contract_text(create_app(BackendSettings()))
