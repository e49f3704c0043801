"""The periodic jobs of a replica, on the one runner (backend.background): a later job
(retention, ...) joins by one more line in `build_jobs`."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from backend.background import Job, Runner
from backend.bootstrap.adapters import Adapters
from backend.bootstrap.services import snapshot_writer
from backend.config import BackendSettings
from backend.domain.app import Services
from backend.domain.retention import RetentionJob
from backend.domain.rotation import StorageRotation
from backend.domain.sweep import PhotoSweep, SnapshotSweep
from backend.domain.webhooks import RetryPolicy, WebhookDispatcher

log = logging.getLogger("facegate.background")
# Idempotency keys are kept 24 h; once an hour the older ones go (any replica may do it).
IDEMPOTENCY_SWEEP_SECONDS = 3600.0
# Delivered and given-up webhook events are kept a week; pruned every ten minutes.
OUTBOX_PRUNE_SECONDS = 600.0
# Check-in snapshots a crash or a store outage left held in their rows: looked for every
# few seconds (held ones are read from the row meanwhile).
SNAPSHOT_UPLOAD_SECONDS = 5.0
# Audit entries past AUDIT_RETENTION_DAYS go once a day.
AUDIT_PRUNE_SECONDS = 24 * 3600.0


def dispatcher(settings: BackendSettings, adapters: Adapters) -> WebhookDispatcher:
    """The outbox's delivery with the configured retries and a lease that outlasts sends."""
    return WebhookDispatcher(
        outbox=adapters.outbox,
        sender=adapters.webhook_sender,
        retry=RetryPolicy(
            base=timedelta(seconds=settings.webhook_backoff_base_seconds),
            cap=timedelta(seconds=settings.webhook_backoff_max_seconds),
            give_up=timedelta(hours=settings.webhook_give_up_hours),
        ),
        lease=timedelta(seconds=max(60.0, 4 * settings.webhook_timeout_seconds)),
    )


def build_jobs(settings: BackendSettings, adapters: Adapters, services: Services) -> list[Job]:
    """Every periodic job of this replica (they share the work with every other replica
    through the database)."""
    grace = timedelta(seconds=settings.sweep_grace_seconds)
    photos = PhotoSweep(gallery=adapters.swept_gallery, photos=adapters.swept_photos, grace=grace)
    snapshots = SnapshotSweep(
        checkins=adapters.swept_snapshots,
        photos=adapters.swept_photos,
        keep=timedelta(days=settings.checkin_snapshot_days),
        grace=grace,
    )
    delivery = dispatcher(settings, adapters)
    every = settings.sweep_interval_seconds
    rotation = storage_rotation(adapters)
    return [
        Job("photo sweep", every, photos.run),
        Job("snapshot sweep", every, snapshots.run),
        Job("snapshot upload", SNAPSHOT_UPLOAD_SECONDS, snapshot_writer(adapters).store_held),
        Job("idempotency key sweep", IDEMPOTENCY_SWEEP_SECONDS, services.idempotency.sweep),
        Job(
            "webhook delivery",
            settings.webhook_poll_seconds,
            delivery.deliver_due,
            copies=settings.webhook_workers,
        ),
        Job("webhook outbox prune", OUTBOX_PRUNE_SECONDS, delivery.prune),
        # Replicas pruning at once queue on the chain's head row; the later find nothing.
        Job("audit prune", AUDIT_PRUNE_SECONDS, lambda: services.audit.prune(datetime.now(UTC))),
        Job("retention", settings.retention_interval_seconds, enforcing(services.retention)),
    ] + ([Job("storage rotation", every, rotation.resume)] if rotation else [])


def storage_rotation(adapters: Adapters) -> StorageRotation | None:
    """The share of a storage key rotation (`facegate keys rotate-storage --background`)
    this replica carries on, one batch holder at a time; None without the adapters."""
    if adapters.resealable is None or adapters.rotation_ledger is None:
        return None
    return StorageRotation(
        store=adapters.resealable,
        ledger=adapters.rotation_ledger,
        audit=adapters.audit,
        held=adapters.held_snapshots,
    )


def enforcing(job: RetentionJob) -> Callable[[], object]:
    """A run of the retention schedule that says what it did (or that another replica was
    at it), so that an operator sees it enforced."""

    def run() -> object:
        report = job.run()
        if report is None:
            log.info("retention: another replica is enforcing the schedule")
        else:
            log.info(
                "retention: destroyed the biometric data of %d people, deleted %d check-ins",
                len(report.destroyed),
                report.attendance_deleted,
            )
        return report

    return run


def build_runner(settings: BackendSettings, adapters: Adapters, services: Services) -> Runner:
    """The runner of this replica's jobs, not yet started."""
    return Runner(build_jobs(settings, adapters, services))
