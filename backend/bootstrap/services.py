"""Services and background workers wired to a set of adapters, real or fake: the only
place a use case is constructed (the unit tests call it with fakes)."""

from dataclasses import dataclass
from datetime import timedelta

from backend.bootstrap.adapters import Adapters
from backend.config import BackendSettings
from backend.domain.admin import EmployeeAdmin
from backend.domain.app import Services
from backend.domain.attendance import Attendance
from backend.domain.checkin import CheckInService
from backend.domain.enrollment import EnrollmentService
from backend.domain.evidence import Evidence, SnapshotPolicy, SnapshotWriter
from backend.domain.gallery import GalleryStatus
from backend.domain.gallery_state import FollowedGallery
from backend.domain.idempotency import Idempotency
from backend.domain.keys import ApiKeys
from backend.domain.liveness import ChallengeSettings, LivenessChallenges
from backend.domain.matching import MatchPolicy
from backend.domain.policy import QualityFloor
from backend.domain.ratelimit import RateLimiter
from backend.domain.readiness import ReadinessTracker
from backend.domain.sweep import PhotoSweep, SnapshotSweep
from backend.domain.webhooks import DeliveryLoop, RetryPolicy, WebhookDispatcher, Webhooks
from backend.faults import PausingImageStore


@dataclass
class Workers:
    """The background work of one replica; every replica runs it, the database shares it."""

    photo_sweep: PhotoSweep
    snapshot_sweep: SnapshotSweep
    delivery: DeliveryLoop


def match_policy(
    settings: BackendSettings, adapters: Adapters, followed: FollowedGallery | None = None
) -> MatchPolicy:
    """The policy of the gallery as its row says (followed with a short cache)."""
    return MatchPolicy(
        followed or FollowedGallery(adapters.gallery.read),
        defaults=settings.threshold_defaults(),
        calibrations=adapters.calibration,
        gallery_size=adapters.faces.count_faces,
    )


def quality_floor(settings: BackendSettings) -> QualityFloor:
    return QualityFloor(
        settings.min_face_size,
        settings.min_sharpness,
        settings.min_brightness,
        settings.max_brightness,
    )


def build_services(settings: BackendSettings, adapters: Adapters) -> Services:
    """Every use case of the app, on these adapters."""
    followed = FollowedGallery(adapters.gallery.read)
    policy = match_policy(settings, adapters, followed)
    images = adapters.images
    if settings.fault_pause_after_photo_put:
        images = PausingImageStore(images, settings.fault_pause_after_photo_put)  # type: ignore[assignment]
    checkin = CheckInService(
        embedder=adapters.embedder,
        faces=adapters.faces,
        checkins=adapters.checkins,
        policy=policy,
        repeat_seconds=settings.checkin_repeat_seconds,
        snapshots=SnapshotWriter(images=images),
        snapshot_policy=SnapshotPolicy(
            keep_days=settings.checkin_snapshot_days,
            keep_unknown=settings.checkin_snapshot_unknown,
        ),
    )
    choice = {"choose": adapters.choose} if adapters.choose else {}
    return Services(
        enrollment=EnrollmentService(
            embedder=adapters.embedder,
            faces=adapters.faces,
            images=images,
            policy=policy,
            quality_floor=quality_floor(settings),
        ),
        checkin=checkin,
        admin=EmployeeAdmin(faces=adapters.employees, images=adapters.images),
        gallery=GalleryStatus(
            policy=policy, stats=adapters.faces, row=adapters.gallery, changed=followed.forget
        ),
        keys=ApiKeys(store=adapters.keys),
        attendance=Attendance(checkins=adapters.checkins, timezone=settings.timezone),
        webhooks=Webhooks(store=adapters.webhooks),
        search_limiter=RateLimiter(settings.search_rate_per_minute, buckets=adapters.rate_buckets),
        probes=adapters.probes,
        readiness=ReadinessTracker(settings.ready_grace_seconds),
        max_upload_bytes=settings.max_upload_bytes,
        idempotency=Idempotency(store=adapters.idempotency),
        evidence=Evidence(checkins=adapters.checkins, images=adapters.images),
        liveness=LivenessChallenges(
            ledger=adapters.challenges,
            embedder=adapters.embedder,
            policy=policy,
            checkin=checkin,
            settings=ChallengeSettings(ttl_seconds=settings.liveness_challenge_seconds),
            clock=adapters.clock,
            **choice,
        ),
    )


def build_workers(settings: BackendSettings, adapters: Adapters) -> Workers:
    """The sweeps and the webhook delivery loop of this replica (they share the work with
    every other replica through the database)."""
    grace = timedelta(seconds=settings.sweep_grace_seconds)
    dispatcher = WebhookDispatcher(
        outbox=adapters.outbox,
        sender=adapters.webhook_sender,
        retry=RetryPolicy(
            base=timedelta(seconds=settings.webhook_backoff_base_seconds),
            cap=timedelta(seconds=settings.webhook_backoff_max_seconds),
            give_up=timedelta(hours=settings.webhook_give_up_hours),
        ),
        lease=timedelta(seconds=max(60.0, 4 * settings.webhook_timeout_seconds)),
    )
    return Workers(
        photo_sweep=PhotoSweep(
            gallery=adapters.swept_gallery, photos=adapters.swept_photos, grace=grace
        ),
        snapshot_sweep=SnapshotSweep(
            checkins=adapters.swept_snapshots,
            photos=adapters.swept_photos,
            keep=timedelta(days=settings.checkin_snapshot_days),
            grace=grace,
        ),
        delivery=DeliveryLoop(
            dispatcher, poll=settings.webhook_poll_seconds, workers=settings.webhook_workers
        ),
    )
