"""Services wired to a set of adapters, real or fake: the only place a use case is
constructed (the unit tests call it with fakes, the commands with what they open)."""

from collections.abc import Callable

from backend.bootstrap.adapters import Adapters, AuditStore
from backend.config import BackendSettings
from backend.domain.access_export import AccessExport
from backend.domain.admin import EmployeeAdmin
from backend.domain.app import Services
from backend.domain.attendance import Attendance
from backend.domain.audit_log import AuditLog
from backend.domain.biometrics import BiometricsAdmin
from backend.domain.calibration import Calibration
from backend.domain.checkin import CheckInService
from backend.domain.consent import ConsentService
from backend.domain.departments import DirectoryGroups
from backend.domain.directory import Directory
from backend.domain.enrollment import EnrollmentService
from backend.domain.evidence import Evidence, SnapshotPolicy, SnapshotWriter
from backend.domain.gallery import GalleryStatus
from backend.domain.gallery_state import FollowedGallery, GalleryState
from backend.domain.hours_report import HoursReport, end_of_day_rule
from backend.domain.idempotency import Idempotency
from backend.domain.keys import ApiKeys
from backend.domain.liveness import ChallengeSettings, LivenessChallenges
from backend.domain.matching import MatchPolicy
from backend.domain.policy import QualityFloor
from backend.domain.ports import (
    ApiKeyStore,
    AuditTrail,
    CheckinLog,
    Embedder,
    GalleryRow,
    GalleryStats,
    ImageStore,
    ReembeddedGallery,
    RetentionRecords,
)
from backend.domain.ratelimit import RateLimiter
from backend.domain.readiness import ReadinessTracker
from backend.domain.reembed import ReembedService
from backend.domain.retention import RetentionJob
from backend.domain.signin import SignIn, SignInRules
from backend.domain.site_admin import SiteAdmin
from backend.domain.unit_of_work import UnitOfWorkFactory
from backend.domain.webhooks import Webhooks
from backend.domain.without_face import CredentialCheckIn


def match_policy(
    settings: BackendSettings, adapters: Adapters, followed: FollowedGallery | None = None
) -> MatchPolicy:
    """The policy of the gallery as its row says (followed with a short cache)."""
    return policy_of(
        settings,
        followed or FollowedGallery(adapters.gallery.read),
        adapters.faces,
        adapters.calibration,
    )


def policy_of(
    settings: BackendSettings,
    read: Callable[[], GalleryState],
    stats: GalleryStats,
    calibrations: Callable[[str], Calibration | None],
) -> MatchPolicy:
    """The match policy of the gallery row `read` gives, sized by `stats`."""
    return MatchPolicy(
        read,
        defaults=settings.threshold_defaults(),
        calibrations=calibrations,
        gallery_size=stats.count_faces,
        site_size=stats.count_faces_at,
    )


def gallery_status(
    policy: MatchPolicy,
    stats: GalleryStats,
    row: GalleryRow,
    audit: AuditTrail,
    changed: Callable[[], None] = lambda: None,
) -> GalleryStatus:
    """The gallery's report and recalibration (the API's, and `facegate gallery`)."""
    return GalleryStatus(policy=policy, stats=stats, row=row, audit=audit, changed=changed)


def api_keys(store: ApiKeyStore, audit: AuditTrail) -> ApiKeys:
    return ApiKeys(store=store, audit=audit)


def audit_log(settings: BackendSettings, store: AuditStore) -> AuditLog:
    """The audit log's service on its adapter (the backend's, or the CLI's)."""
    return AuditLog(archive=store, trail=store, retention_days=settings.audit_retention_days)


def attendance(settings: BackendSettings, checkins: CheckinLog) -> Attendance:
    return Attendance(checkins=checkins, timezone=settings.timezone)


def reembedding(
    settings: BackendSettings,
    embedder: Embedder,
    gallery: ReembeddedGallery,
    images: ImageStore,
    audit: AuditTrail,
) -> ReembedService:
    """Re-embedding from the stored photos (`facegate reembed`)."""
    return ReembedService(
        embedder=embedder,
        gallery=gallery,
        images=images,
        metric=settings.match_metric,
        audit=audit,
    )


def quality_floor(settings: BackendSettings) -> QualityFloor:
    return QualityFloor(
        settings.min_face_size,
        settings.min_sharpness,
        settings.min_brightness,
        settings.max_brightness,
    )


def snapshot_writer(adapters: Adapters) -> SnapshotWriter:
    """Check-in snapshots held in their rows, moved to the store after the answer (the
    check-in service) and by the upload job (backend.bootstrap.jobs)."""
    return SnapshotWriter(held=adapters.held_snapshots, beside=adapters.beside)


def build_services(settings: BackendSettings, adapters: Adapters) -> Services:
    """Every use case of the app, on these adapters."""
    followed = FollowedGallery(adapters.gallery.read)
    policy = match_policy(settings, adapters, followed)
    images = adapters.images
    checkin = CheckInService(
        embedder=adapters.embedder,
        faces=adapters.faces,
        uow=adapters.units,
        policy=policy,
        repeat_seconds=settings.checkin_repeat_seconds,
        snapshots=snapshot_writer(adapters),
        snapshot_policy=SnapshotPolicy(
            keep_days=settings.checkin_snapshot_days,
            keep_unknown=settings.checkin_snapshot_unknown,
        ),
    )
    choice = {"choose": adapters.choose} if adapters.choose else {}
    consent = ConsentService(
        records=adapters.consents,
        uow=adapters.units,
        people=adapters.employees,
        images=adapters.images,
        audit=adapters.audit,
        settings=settings.privacy(),
    )
    groups_of_directory = DirectoryGroups(store=adapters.groups)
    return Services(
        enrollment=EnrollmentService(
            embedder=adapters.embedder,
            faces=adapters.faces,
            uow=adapters.units,
            images=images,
            policy=policy,
            quality_floor=quality_floor(settings),
            consent=consent,
        ),
        checkin=checkin,
        admin=EmployeeAdmin(
            faces=adapters.employees, uow=adapters.units, images=images, audit=adapters.audit
        ),
        gallery=gallery_status(
            policy, adapters.faces, adapters.gallery, adapters.audit, followed.forget
        ),
        keys=api_keys(adapters.keys, adapters.audit),
        attendance=attendance(settings, adapters.checkins),
        webhooks=Webhooks(store=adapters.webhooks, audit=adapters.audit),
        search_limiter=RateLimiter(settings.search_rate_per_minute, buckets=adapters.rate_buckets),
        probes=adapters.probes,
        readiness=ReadinessTracker(settings.ready_grace_seconds),
        max_upload_bytes=settings.max_upload_bytes,
        idempotency=Idempotency(store=adapters.idempotency),
        evidence=Evidence(
            checkins=adapters.checkins,
            images=images,
            held=adapters.held_snapshots,
            audit=adapters.audit,
        ),
        biometrics=BiometricsAdmin(
            uow=adapters.units, store=adapters.credentials, images=images, audit=adapters.audit
        ),
        credential_checkin=CredentialCheckIn(
            uow=adapters.units,
            secret=adapters.credentials,
            rules=settings.pin_rules(),
            repeat_seconds=settings.checkin_repeat_seconds,
        ),
        liveness=LivenessChallenges(
            ledger=adapters.challenges,
            embedder=adapters.embedder,
            policy=policy,
            checkin=checkin,
            settings=ChallengeSettings(ttl_seconds=settings.liveness_challenge_seconds),
            clock=adapters.clock,
            **choice,
        ),
        audit=audit_log(settings, adapters.audit),
        consent=consent,
        retention=retention_job(
            settings, adapters.retention, adapters.units, adapters.images, adapters.audit
        ),
        access_export=AccessExport(
            people=adapters.employees,
            consents=adapters.consents,
            checkins=adapters.checkins,
            images=adapters.images,
            held=adapters.held_snapshots,
            audit=adapters.audit,
            archive=adapters.audit,
        ),
        sites=SiteAdmin(store=adapters.sites, audit=adapters.audit),
        hours=HoursReport(
            punches=adapters.punches,
            end_of_day=end_of_day_rule(settings.hours_open_day_close_at),
        ),
        directory=Directory(
            store=adapters.directory,
            departures=adapters.directory,
            audit=adapters.audit,
            groups=groups_of_directory,
        ),
        groups=groups_of_directory,
        sign_in=sign_in(settings, adapters),
        admin_keys_on_pages=settings.admin_keys_on_pages or adapters.identity is None,
    )


def retention_job(
    settings: BackendSettings,
    records: RetentionRecords,
    units: UnitOfWorkFactory,
    images: ImageStore,
    audit: AuditTrail,
) -> RetentionJob:
    """The retention schedule of the settings, enforced on these (the backend's runner and
    `facegate retention`)."""
    return RetentionJob(
        records=records,
        uow=units,
        images=images,
        audit=audit,
        schedule=settings.privacy().schedule,
    )


def sign_in(settings: BackendSettings, adapters: Adapters) -> SignIn | None:
    """Single sign-on when a provider is configured."""
    if adapters.identity is None:
        return None

    def groups(listed: str) -> frozenset[str]:
        return frozenset(g.strip() for g in listed.split(",") if g.strip())

    rules = SignInRules(
        groups_claim=settings.oidc_groups_claim,
        admin_groups=groups(settings.oidc_admin_groups),
        enroll_groups=groups(settings.oidc_enroll_groups),
        idle_seconds=settings.session_idle_seconds,
    )
    return SignIn(provider=adapters.identity, sessions=adapters.sessions, rules=rules)
