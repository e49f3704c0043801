"""The composition root: create_app(settings) wires handler, domain and infrastructure."""

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import anyio
from fastapi import FastAPI
from sqlalchemy import Engine, text

from backend.calibration import load_calibration
from backend.config import BackendSettings
from backend.domain.attendance import Attendance
from backend.domain.errors import EmbedderUnavailable
from backend.domain.evidence import Evidence, SnapshotPolicy, SnapshotWriter
from backend.domain.gallery import GalleryStatus
from backend.domain.idempotency import Idempotency
from backend.domain.keys import ApiKeys
from backend.domain.liveness import ChallengeSettings, LivenessChallenges
from backend.domain.model import ModelInfo
from backend.domain.policy import MatchPolicy, QualityFloor
from backend.domain.ratelimit import RateLimiter
from backend.domain.services import CheckInService, EmployeeAdmin, EnrollmentService
from backend.domain.sweep import PhotoSweep, SnapshotSweep
from backend.domain.thresholds import ThresholdSettings
from backend.domain.webhooks import DeliveryLoop, RetryPolicy, WebhookDispatcher, Webhooks
from backend.faults import PausingImageStore
from backend.handler import attendance, employees, evidence, health, keys, liveness, webhooks
from backend.handler.context import Services
from backend.handler.contract import install_contract
from backend.handler.errors import install_error_handlers
from backend.handler.limits import BodyLimit
from backend.handler.observability import GallerySize, Metrics, install_observability
from backend.handler.pages import mount_pages
from backend.handler.uploads import FORM_OVERHEAD
from backend.infrastructure.database import make_engine, migrate, transaction
from backend.infrastructure.http_embedder import HttpEmbedder
from backend.infrastructure.http_webhooks import HttpWebhookSender
from backend.infrastructure.pg_checkins import PgCheckinLog
from backend.infrastructure.pg_faces import PgFaceRepository
from backend.infrastructure.pg_idempotency import PgIdempotencyStore
from backend.infrastructure.pg_keys import PgApiKeyStore
from backend.infrastructure.pg_liveness import PgChallengeLedger
from backend.infrastructure.pg_outbox import PgWebhooks
from backend.infrastructure.pg_ratelimit import PgRateBuckets
from backend.infrastructure.pg_sweep import PgSweptGallery, PgSweptSnapshots
from backend.infrastructure.s3_store import S3ImageStore
from backend.sweeping import forget_idempotency_keys, sweep_periodically

log = logging.getLogger("facegate.backend")
# Idempotency keys are kept 24 h; once an hour the older ones go (any replica may do it).
IDEMPOTENCY_SWEEP_SECONDS = 3600.0


@dataclass
class Infrastructure:
    engine: Engine
    images: S3ImageStore
    embedder: HttpEmbedder
    faces: PgFaceRepository
    model: ModelInfo

    def close(self) -> None:
        self.embedder.close()
        self.engine.dispose()


def connect(settings: BackendSettings) -> Infrastructure:
    """Open every adapter, migrate the schema and bind the gallery to the embedder's model.

    Raises a DomainError whose message says what is wrong when any part is not usable."""
    engine = make_engine(settings.database_url, settings.db_pool_size, settings.database_pooler)
    with transaction(engine):  # DatabaseUnavailable here names the problem
        pass
    migrate(engine)
    images = S3ImageStore(
        settings.s3_endpoint,
        settings.s3_access_key,
        settings.s3_secret_key,
        settings.s3_bucket,
        presign_expiry=timedelta(seconds=settings.presign_expiry_seconds),
        public_url=settings.public_url,
    )
    images.ensure_bucket()
    embedder = HttpEmbedder(settings.embedder_url, settings.embedder_timeout)
    model = wait_for_model(embedder, settings.embedder_start_timeout)
    faces = PgFaceRepository(engine, settings.hnsw_ef_search)
    faces.adopt_model(model, settings.match_metric)
    return Infrastructure(engine, images, embedder, faces, model)


def wait_for_model(embedder: HttpEmbedder, timeout: float) -> ModelInfo:
    """The embedder's model, waiting while it loads (it may start after the backend)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return embedder.model_info()
        except EmbedderUnavailable:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)


def build_services(settings: BackendSettings, infra: Infrastructure) -> Services:
    policy = MatchPolicy(
        infra.model,
        settings.match_metric,
        calibration=load_calibration(infra.model.model),
        settings=ThresholdSettings(
            stranger_accept_target=settings.match_stranger_accept_rate,
            match_override=settings.match_threshold,
            duplicate_override=settings.duplicate_threshold,
            ambiguity_margin=settings.match_margin,
        ),
        gallery_size=infra.faces.count_faces,
    )
    floor = QualityFloor(
        settings.min_face_size,
        settings.min_sharpness,
        settings.min_brightness,
        settings.max_brightness,
    )

    checkins = PgCheckinLog(infra.engine)

    def database_probe() -> None:
        with transaction(infra.engine) as db:
            db.execute(text("SELECT 1"))

    images = infra.images
    if settings.fault_pause_after_photo_put:
        images = PausingImageStore(images, settings.fault_pause_after_photo_put)  # type: ignore[assignment]
    checkin = CheckInService(
        embedder=infra.embedder,
        faces=infra.faces,
        checkins=checkins,
        policy=policy,
        repeat_seconds=settings.checkin_repeat_seconds,
        snapshots=SnapshotWriter(images=images),
        snapshot_policy=SnapshotPolicy(
            keep_days=settings.checkin_snapshot_days,
            keep_unknown=settings.checkin_snapshot_unknown,
        ),
    )
    return Services(
        enrollment=EnrollmentService(
            embedder=infra.embedder,
            faces=infra.faces,
            images=images,
            policy=policy,
            quality_floor=floor,
        ),
        checkin=checkin,
        admin=EmployeeAdmin(faces=infra.faces, images=infra.images),
        gallery=GalleryStatus(policy=policy, stats=infra.faces),
        keys=ApiKeys(store=PgApiKeyStore(infra.engine)),
        attendance=Attendance(checkins=checkins, timezone=settings.timezone),
        webhooks=Webhooks(store=PgWebhooks(infra.engine)),
        search_limiter=RateLimiter(
            settings.search_rate_per_minute, buckets=PgRateBuckets(infra.engine)
        ),
        probes={
            "database": database_probe,
            "storage": infra.images.ping,
            "embedder": infra.embedder.ready,
        },
        max_upload_bytes=settings.max_upload_bytes,
        idempotency=Idempotency(store=PgIdempotencyStore(infra.engine)),
        evidence=Evidence(checkins=checkins, images=infra.images),
        liveness=LivenessChallenges(
            ledger=PgChallengeLedger(infra.engine),
            embedder=infra.embedder,
            policy=policy,
            checkin=checkin,
            settings=ChallengeSettings(ttl_seconds=settings.liveness_challenge_seconds),
        ),
    )


def delivery_loop(settings: BackendSettings, infra: Infrastructure) -> DeliveryLoop:
    """The webhook worker of this replica (every replica runs one; they share the work)."""
    sender = HttpWebhookSender(settings.webhook_timeout_seconds)
    dispatcher = WebhookDispatcher(
        outbox=PgWebhooks(infra.engine),
        sender=sender,
        retry=RetryPolicy(
            base=timedelta(seconds=settings.webhook_backoff_base_seconds),
            cap=timedelta(seconds=settings.webhook_backoff_max_seconds),
            give_up=timedelta(hours=settings.webhook_give_up_hours),
        ),
        lease=timedelta(seconds=max(60.0, 4 * settings.webhook_timeout_seconds)),
    )
    return DeliveryLoop(
        dispatcher, poll=settings.webhook_poll_seconds, workers=settings.webhook_workers
    )


def create_app(
    settings: BackendSettings,
    services: Services | None = None,
    connected: Infrastructure | None = None,
) -> FastAPI:
    """The backend app. Adapters are built in the lifespan unless `python -m backend`
    already connected them (to refuse to start in one line); tests may hand in services."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is not None:
            app.state.services = services
            yield
            return
        infra = (
            connected
            if connected is not None
            else await anyio.to_thread.run_sync(connect, settings)
        )
        infra.embedder.observe = metrics.observe_embedder
        metrics.registry.register(GallerySize(infra.faces.count_faces))
        app.state.services = build_services(settings, infra)
        sweep = PhotoSweep(
            gallery=PgSweptGallery(infra.engine),
            photos=infra.images,
            grace=timedelta(seconds=settings.sweep_grace_seconds),
        )
        snapshot_sweep = SnapshotSweep(
            checkins=PgSweptSnapshots(infra.engine),
            photos=infra.images,
            keep=timedelta(days=settings.checkin_snapshot_days),
            grace=timedelta(seconds=settings.sweep_grace_seconds),
        )
        sweeping = asyncio.create_task(sweep_periodically(sweep, settings.sweep_interval_seconds))
        sweeping_snapshots = asyncio.create_task(
            sweep_periodically(snapshot_sweep, settings.sweep_interval_seconds)
        )
        loop = delivery_loop(settings, infra)
        loop.start()
        forgetting = asyncio.create_task(
            forget_idempotency_keys(app.state.services.idempotency, IDEMPOTENCY_SWEEP_SECONDS)
        )
        log.info("backend ready: gallery model %s (%s-d)", infra.model.model, infra.model.dim)
        try:
            yield
        finally:
            sweeping.cancel()
            sweeping_snapshots.cancel()
            await anyio.to_thread.run_sync(loop.stop)
            forgetting.cancel()
            infra.close()

    # /docs is served by mount_pages from vendored Swagger UI files; no ReDoc (a CDN script).
    app = FastAPI(
        title="facegate", version="0.3.0", lifespan=lifespan, docs_url=None, redoc_url=None
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
    app.include_router(employees.router)
    app.include_router(attendance.router)
    app.include_router(evidence.router)
    app.include_router(liveness.router)
    app.include_router(keys.router)
    app.include_router(webhooks.router)
    mount_pages(app, settings.static_dir)
    install_contract(app)
    return app
