"""What the CLI commands and the launcher run on, built here like everything else: each
opens what it needs for the length of a `with` and closes it after."""

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TypeVar

from sqlalchemy import Engine

from backend.bootstrap import services
from backend.bootstrap.adapters import Adapters, connect
from backend.bootstrap.opening import (
    embedder_client,
    face_repository,
    gallery_row,
    generations,
    image_store,
    open_database,
    units_of_work,
)
from backend.bootstrap.services import build_services
from backend.calibration import load_calibration
from backend.config import BackendSettings
from backend.domain.app import Services
from backend.domain.attendance import Attendance
from backend.domain.audit_log import AuditLog
from backend.domain.gallery import GalleryStatus
from backend.domain.keys import ApiKeys
from backend.domain.reembed import ReembedService
from backend.domain.retention import RetentionJob
from backend.domain.rotation import StorageRotation
from backend.infrastructure.database import migrate
from backend.infrastructure.pg_audit import PgAuditLog
from backend.infrastructure.pg_checkins import PgCheckinLog
from backend.infrastructure.pg_held_snapshots import PgHeldSnapshots
from backend.infrastructure.pg_keys import PgApiKeyStore
from backend.infrastructure.pg_retention import PgRetentionRecords
from backend.infrastructure.pg_rotation import PgRotationLedger
from backend.infrastructure.sealing import new_key_line

Built = TypeVar("Built")


@contextlib.contextmanager
def running(settings: BackendSettings) -> Iterator[tuple[Adapters, Services]]:
    """The same adapters and services the backend runs on (enroll-dir)."""
    adapters = connect(settings)
    try:
        yield adapters, build_services(settings, adapters)
    finally:
        adapters.close()


@contextlib.contextmanager
def on_database(settings: BackendSettings, build: Callable[[Engine], Built]) -> Iterator[Built]:
    """What `build` makes of a migrated database, for one command; the engine closed after."""
    engine = open_database(settings, pool_size=1)
    try:
        yield build(engine)
    finally:
        engine.dispose()


def api_keys(settings: BackendSettings) -> AbstractContextManager[ApiKeys]:
    return on_database(
        settings, lambda engine: services.api_keys(PgApiKeyStore(engine), PgAuditLog(engine))
    )


def audit(settings: BackendSettings) -> AbstractContextManager[AuditLog]:
    """The audit log on the database alone (verify, prune, export)."""
    return on_database(settings, lambda engine: services.audit_log(settings, PgAuditLog(engine)))


def new_storage_key(key_id: str) -> str:
    """A fresh 'id:base64' line for STORAGE_KEYS or STORAGE_KEYS_FILE."""
    return new_key_line(key_id)


def storage_rotation(settings: BackendSettings) -> AbstractContextManager[StorageRotation]:
    """Re-sealing the object store with the current storage key."""

    def rotation(engine: Engine) -> StorageRotation:
        store = image_store(settings)
        store.ensure_bucket()
        return StorageRotation(
            store=store,
            ledger=PgRotationLedger(engine),
            audit=PgAuditLog(engine),
            held=PgHeldSnapshots(engine, store),
        )

    return on_database(settings, rotation)


def attendance(settings: BackendSettings) -> AbstractContextManager[Attendance]:
    return on_database(
        settings,
        lambda engine: services.attendance(settings, PgCheckinLog(engine)),
    )


def migrated_schema(settings: BackendSettings) -> str | None:
    """Migrate once and return the revision (the chart's migration Job)."""
    with on_database(settings, migrate) as revision:  # at head already: the revision
        return revision


@contextlib.contextmanager
def reembedding(settings: BackendSettings) -> Iterator[ReembedService]:
    """Re-embedding from the stored photos with the embedder at settings.embedder_url.
    Not connect(): that would refuse the new embedder's model."""
    engine = open_database(settings, pool_size=2)
    embedder = embedder_client(settings)
    try:
        yield services.reembedding(
            settings, embedder, generations(engine), image_store(settings), PgAuditLog(engine)
        )
    finally:
        embedder.close()
        engine.dispose()


def gallery_status(settings: BackendSettings) -> AbstractContextManager[GalleryStatus]:
    """The gallery's report and recalibration, on the database alone (no embedder)."""

    def status(engine: Engine) -> GalleryStatus:
        row = gallery_row(engine, settings)
        faces = face_repository(engine, settings)
        policy = services.policy_of(settings, row.read, faces, load_calibration)
        return services.gallery_status(policy, faces, row, PgAuditLog(engine))

    return on_database(settings, status)


def retention(settings: BackendSettings) -> AbstractContextManager[RetentionJob]:
    """The retention schedule of the settings on the database and the object store (no
    embedder): `facegate retention [--dry-run]`."""

    def job(engine: Engine) -> RetentionJob:
        images = image_store(settings)
        return services.retention_job(
            settings,
            PgRetentionRecords(engine),
            units_of_work(engine, settings, images),
            images,
            PgAuditLog(engine),
        )

    return on_database(settings, job)
