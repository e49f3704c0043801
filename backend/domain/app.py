"""What one running backend offers: the use cases bootstrap builds and every driver (the
HTTP handlers, the CLI commands) calls. Drivers depend on this, never on the wiring."""

from collections.abc import Callable
from dataclasses import dataclass, field

from backend.domain.access_export import AccessExport
from backend.domain.admin import EmployeeAdmin
from backend.domain.attendance import Attendance
from backend.domain.audit_log import AuditLog
from backend.domain.biometrics import BiometricsAdmin
from backend.domain.checkin import CheckInService
from backend.domain.consent import ConsentService
from backend.domain.departments import DirectoryGroups
from backend.domain.directory import Directory
from backend.domain.enrollment import EnrollmentService
from backend.domain.evidence import Evidence
from backend.domain.gallery import GalleryStatus
from backend.domain.hours_report import HoursReport
from backend.domain.idempotency import Idempotency
from backend.domain.keys import ApiKeys
from backend.domain.liveness import LivenessChallenges
from backend.domain.ratelimit import RateLimiter
from backend.domain.readiness import ReadinessTracker
from backend.domain.retention import RetentionJob
from backend.domain.signin import SignIn
from backend.domain.site_admin import SiteAdmin
from backend.domain.webhooks import Webhooks
from backend.domain.without_face import CredentialCheckIn


@dataclass
class Services:
    enrollment: EnrollmentService
    checkin: CheckInService
    admin: EmployeeAdmin
    gallery: GalleryStatus
    keys: ApiKeys
    attendance: Attendance
    webhooks: Webhooks
    search_limiter: RateLimiter
    # name -> a check that raises a DomainError when that dependency is down
    probes: dict[str, Callable[[], None]]
    max_upload_bytes: int
    idempotency: Idempotency
    evidence: Evidence
    liveness: LivenessChallenges
    audit: AuditLog
    biometrics: BiometricsAdmin  # HR: face or none, PINs, QR codes
    credential_checkin: CredentialCheckIn  # the kiosk's PIN and QR check-ins
    consent: ConsentService
    retention: RetentionJob
    access_export: AccessExport
    sites: SiteAdmin
    hours: HoursReport
    directory: Directory
    groups: DirectoryGroups
    sign_in: SignIn | None  # None: single sign-on is not configured
    admin_keys_on_pages: bool
    # when each probe last answered: /readyz rides out a blip of READY_GRACE_SECONDS
    readiness: ReadinessTracker = field(default_factory=ReadinessTracker)
