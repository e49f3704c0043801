"""The real adapters: `connect` opens every one of them for a running backend."""

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import text

from backend.bootstrap.opening import (
    embedder_client,
    face_repository,
    gallery_row,
    identity_provider,
    image_store,
    open_database,
    units_of_work,
    wait_for_model,
)
from backend.calibration import load_calibration
from backend.config import BackendSettings
from backend.domain.calibration import Calibration
from backend.domain.errors import DomainError
from backend.domain.evidence import Beside, at_once
from backend.domain.model import ModelInfo
from backend.domain.ports import (
    AdministeredFaces,
    ApiKeyStore,
    AuditArchive,
    AuditTrail,
    ChallengeLedger,
    CheckinFaces,
    CheckinLog,
    ConsentRecords,
    CredentialAdmin,
    Departures,
    DirectoryStore,
    Embedder,
    EnrollmentFaces,
    GalleryRow,
    GalleryStats,
    GroupStore,
    HeldSnapshots,
    IdempotencyStore,
    IdentityProvider,
    ImageStore,
    PunchLog,
    RateBuckets,
    ResealableStore,
    RetentionRecords,
    RotationLedger,
    SessionStore,
    SiteStore,
    SweptGallery,
    SweptPhotos,
    SweptSnapshots,
    WebhookOutbox,
    WebhookSender,
    WebhookStore,
)
from backend.domain.unit_of_work import UnitOfWorkFactory
from backend.infrastructure.database import transaction
from backend.infrastructure.http_webhooks import HttpWebhookSender
from backend.infrastructure.pg_audit import PgAuditLog
from backend.infrastructure.pg_checkins import PgCheckinLog
from backend.infrastructure.pg_consent import PgConsentRecords
from backend.infrastructure.pg_credentials import PgCredentials
from backend.infrastructure.pg_directory import PgDirectory
from backend.infrastructure.pg_employees import PgEmployees
from backend.infrastructure.pg_groups import PgGroups
from backend.infrastructure.pg_held_snapshots import PgHeldSnapshots
from backend.infrastructure.pg_hours import PgPunchLog
from backend.infrastructure.pg_idempotency import PgIdempotencyStore
from backend.infrastructure.pg_keys import PgApiKeyStore
from backend.infrastructure.pg_liveness import PgChallengeLedger
from backend.infrastructure.pg_outbox import PgWebhooks
from backend.infrastructure.pg_ratelimit import PgRateBuckets
from backend.infrastructure.pg_retention import PgRetentionRecords
from backend.infrastructure.pg_rotation import PgRotationLedger
from backend.infrastructure.pg_sessions import PgSessionStore
from backend.infrastructure.pg_sites import PgSites
from backend.infrastructure.pg_sweep import PgSweptGallery, PgSweptSnapshots

log = logging.getLogger("facegate.backend")
# Threads moving check-in snapshots from their rows to the object store after the answer.
SNAPSHOT_UPLOADERS = 2


def log_failure(done: "Future[None]") -> None:
    """A snapshot that could not move stays held in its row: the upload job tries again."""
    error = done.exception()
    if error is not None:
        log.warning("a check-in snapshot stays held for the upload job: %s", error)


class AuditStore(AuditTrail, AuditArchive, Protocol):
    """The audit log's adapter: appended by the use cases, read by the audit service."""


class Gallery(EnrollmentFaces, CheckinFaces, GalleryStats, Protocol):
    """The face adapter of enrollment, check-in and the gallery's size."""


class DirectoryAdapter(DirectoryStore, Departures, Protocol):
    """The directory's people and their status (one adapter until the employee's status
    of the privacy issue backs Departures)."""


@dataclass
class Adapters:
    """Every adapter the services run on: real ones from `connect`, fakes in unit tests."""

    model: ModelInfo
    embedder: Embedder
    faces: Gallery
    units: UnitOfWorkFactory  # a new unit of work (transaction, locks, events) per use
    employees: AdministeredFaces
    gallery: GalleryRow  # the row every replica follows (model, generation, thresholds)
    images: ImageStore
    checkins: CheckinLog
    keys: ApiKeyStore
    webhooks: WebhookStore
    outbox: WebhookOutbox
    webhook_sender: WebhookSender
    idempotency: IdempotencyStore
    challenges: ChallengeLedger
    swept_gallery: SweptGallery
    swept_snapshots: SweptSnapshots
    held_snapshots: HeldSnapshots  # check-in snapshots in their rows until stored
    swept_photos: SweptPhotos
    sites: SiteStore
    punches: PunchLog
    directory: DirectoryAdapter  # the people SCIM provisions, and their leaving
    groups: GroupStore  # the directory's groups: sites' access groups, or departments
    sessions: SessionStore  # single sign-on's logins and sessions
    audit: AuditStore
    credentials: CredentialAdmin  # HR's PINs and QR tokens, and the QR signing secret
    consents: ConsentRecords  # the notice's versions and consent records (read)
    retention: RetentionRecords  # who the retention schedule reaches
    # The storage key rotation a backend carries on (None: none, as in the unit tests).
    resealable: ResealableStore | None = None
    rotation_ledger: RotationLedger | None = None
    # None: each process limits on its own (unit tests); PostgreSQL shares it otherwise.
    rate_buckets: RateBuckets | None = None
    # The OpenID Connect provider of single sign-on; None: SSO is not configured.
    identity: IdentityProvider | None = None
    calibration: Callable[[str], Calibration | None] = load_calibration
    probes: dict[str, Callable[[], None]] = field(default_factory=dict)
    # The liveness challenges' time and choice of direction (fixed in tests).
    clock: Callable[[], float] = time.time
    choose: Callable[..., str] | None = None
    # Where a store call runs while the caller goes on (a check-in's snapshot moving to
    # the store after its answer); at once in the caller's thread in unit tests.
    beside: Beside = at_once
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in self.closers:
            close()


def connect(settings: BackendSettings, *, bind_model: bool = True) -> Adapters:
    """Open every adapter, migrate the schema and (bind_model) bind the gallery to the
    embedder's model. Raises a DomainError that says what is wrong when a part is unusable."""
    engine = open_database(settings)
    images = image_store(settings)
    embedder = embedder_client(settings)
    try:
        images.ensure_bucket()
        model = wait_for_model(embedder, settings.embedder_start_timeout)
        faces = face_repository(engine, settings)
        gallery = gallery_row(engine, settings)
        if bind_model:  # reads the row; makes a table and index only at the first binding
            bound = gallery.bind(model, settings.match_metric)
            if bound.metric != settings.match_metric:
                log.warning(
                    "MATCH_METRIC=%s is not the gallery's metric (%s, its index's): the "
                    "gallery's is used; `facegate reembed` with MATCH_METRIC set moves it",
                    settings.match_metric.value,
                    bound.metric.value,
                )
    except BaseException:
        embedder.close()
        engine.dispose()
        raise

    def database_probe() -> None:
        with transaction(engine) as db:
            db.execute(text("SELECT 1"))

    # Each upload holds a pooled connection (the row's lock) while the store writes: a
    # few threads keep most of the pool for check-ins; what waits stays held in its row.
    uploads = ThreadPoolExecutor(SNAPSHOT_UPLOADERS, thread_name_prefix="snapshot-upload")

    held = PgHeldSnapshots(engine, images)

    def let_go_of_held() -> None:
        """At shutdown, after the last uploads: the holds of what they stored go now."""
        try:
            held.let_go()
        except DomainError as error:  # the database is gone: another replica's job will
            log.warning("held snapshots left for the upload job: %s", error.message)

    def beside(call: Callable[[], None]) -> "Future[None]":
        future = uploads.submit(call)
        future.add_done_callback(log_failure)
        return future

    return Adapters(
        model=model,
        embedder=embedder,
        faces=faces,
        units=units_of_work(engine, settings, images),
        employees=PgEmployees(engine),
        gallery=gallery,
        images=images,
        checkins=PgCheckinLog(engine),
        keys=PgApiKeyStore(engine),
        webhooks=PgWebhooks(engine),
        outbox=PgWebhooks(engine),
        webhook_sender=HttpWebhookSender(settings.webhook_timeout_seconds),
        idempotency=PgIdempotencyStore(engine),
        challenges=PgChallengeLedger(engine),
        swept_gallery=PgSweptGallery(engine),
        swept_snapshots=PgSweptSnapshots(engine),
        held_snapshots=held,
        swept_photos=images,
        audit=PgAuditLog(engine),
        resealable=images,
        rotation_ledger=PgRotationLedger(engine),
        credentials=PgCredentials(engine),
        consents=PgConsentRecords(engine),
        retention=PgRetentionRecords(engine),
        sites=PgSites(engine),
        punches=PgPunchLog(engine),
        directory=PgDirectory(engine),
        groups=PgGroups(engine),
        sessions=PgSessionStore(engine),
        identity=identity_provider(settings),
        rate_buckets=PgRateBuckets(engine),
        probes={"database": database_probe, "storage": images.ping, "embedder": embedder.ready},
        beside=beside,
        closers=[embedder.close, uploads.shutdown, let_go_of_held, engine.dispose],
    )
