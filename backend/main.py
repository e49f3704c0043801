"""create_app(settings): the HTTP app around what bootstrap builds."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI

from backend.bootstrap.adapters import Adapters, connect
from backend.bootstrap.jobs import build_runner
from backend.bootstrap.services import build_services
from backend.config import BackendSettings
from backend.domain.app import Services
from backend.handler import (
    attendance,
    audit,
    credentials,
    employees,
    evidence,
    gallery,
    health,
    keys,
    liveness,
    people,
    privacy,
    privacy_page,
    sites,
    sso,
    webhooks,
    without_face,
)
from backend.handler.contract import contract_text, install_contract
from backend.handler.errors import install_error_handlers
from backend.handler.observability import GallerySize, Metrics, install_observability
from backend.handler.pages import mount_pages
from backend.handler.retry import RetryWhenSafe
from backend.handler.scim import discovery as scim_discovery
from backend.handler.scim import groups as scim_groups
from backend.handler.scim import users as scim_users
from facegate_shared.bodies import FORM_OVERHEAD, BodyLimit
from facegate_shared.version import facegate_version

log = logging.getLogger("facegate.backend")


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
        runner = build_runner(settings, adapters, app.state.services)
        runner.start()
        log.info("backend ready: gallery model %s (%s-d)", adapters.model.model, adapters.model.dim)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(runner.stop)
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
    app.state.session_cookie_secure = settings.session_cookie_secure
    app.state.metrics = metrics
    # Inside the observability middleware: the limit is raised straight into the route
    # reading the body, and the 413 is logged and counted like any answer.
    app.add_middleware(
        BodyLimit,
        upload_limit=settings.max_upload_bytes + FORM_OVERHEAD,
        other_limit=settings.max_json_bytes,
    )
    # Outside the body limit (which it replays each try into), inside observability (which
    # then logs one answer per request).
    app.add_middleware(RetryWhenSafe)
    install_observability(app, metrics)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(gallery.router)
    app.include_router(employees.router)
    app.include_router(people.router)
    app.include_router(attendance.router)
    app.include_router(evidence.router)
    app.include_router(liveness.router)
    app.include_router(credentials.router)
    app.include_router(without_face.router)
    app.include_router(keys.router)
    app.include_router(sites.router)
    app.include_router(webhooks.router)
    app.include_router(audit.router)
    app.include_router(privacy.public)
    app.include_router(privacy.router)
    app.include_router(privacy_page.router)
    app.include_router(sso.router)
    app.include_router(scim_users.router)
    app.include_router(scim_groups.router)
    app.include_router(scim_discovery.router)  # last: its catch-all answers a SCIM 404
    mount_pages(app, settings.static_dir)
    install_contract(app)
    return app


def contract() -> str:
    """The OpenAPI contract of the app; built, never started, so nothing is connected."""
    return contract_text(create_app(BackendSettings()))
