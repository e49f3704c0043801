"""What the handlers are given by the composition root, and how they reach it."""

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from backend.domain.attendance import Attendance
from backend.domain.evidence import Evidence
from backend.domain.gallery import GalleryStatus
from backend.domain.idempotency import Idempotency
from backend.domain.keys import ApiKeys
from backend.domain.liveness import LivenessChallenges
from backend.domain.ratelimit import RateLimiter
from backend.domain.services import CheckInService, EmployeeAdmin, EnrollmentService
from backend.domain.webhooks import Webhooks


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
    evidence: Evidence | None = None  # snapshots and disputes (None: not wired, 404s)
    liveness: LivenessChallenges | None = None  # head-turn challenges


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found
