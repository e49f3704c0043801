"""The backend's services wired to in-memory fakes, as create_app(services=...) takes them."""

from dataclasses import dataclass, field

from backend.domain.attendance import Attendance
from backend.domain.evidence import Evidence, SnapshotPolicy, SnapshotWriter
from backend.domain.gallery import GalleryStatus
from backend.domain.idempotency import Idempotency
from backend.domain.keys import ApiKeys
from backend.domain.liveness import LivenessChallenges
from backend.domain.model import Metric
from backend.domain.policy import MatchPolicy, QualityFloor
from backend.domain.ratelimit import RateLimiter
from backend.domain.services import CheckInService, EmployeeAdmin, EnrollmentService
from backend.domain.thresholds import ThresholdSettings
from backend.domain.webhooks import Webhooks
from backend.handler.context import Services
from tests.unit.fakes import (
    DLIB,
    FakeApiKeyStore,
    FakeChallengeLedger,
    FakeCheckinLog,
    FakeEmbedder,
    FakeFaceRepository,
    FakeIdempotencyStore,
    FakeImageStore,
    FakeWebhookStore,
)


@dataclass
class FakeWorld:
    embedder: FakeEmbedder = field(default_factory=FakeEmbedder)
    faces: FakeFaceRepository = field(default_factory=FakeFaceRepository)
    images: FakeImageStore = field(default_factory=FakeImageStore)
    keys: ApiKeys = field(default_factory=lambda: ApiKeys(store=FakeApiKeyStore()))
    # below this a look-alike is refused outright; up to DLIB's 0.07 HR is asked
    duplicate_threshold: float | None = None
    webhook_store: FakeWebhookStore = field(default_factory=FakeWebhookStore)
    idempotency: FakeIdempotencyStore = field(default_factory=FakeIdempotencyStore)
    snapshot_policy: SnapshotPolicy = field(default_factory=SnapshotPolicy)
    ledger: FakeChallengeLedger = field(default_factory=FakeChallengeLedger)
    clock: float = 1_800_000_000.0  # what the challenges take for time.time()
    direction: str = "left"  # what the challenges pick

    def services(
        self, *, timezone: str = "UTC", per_minute: int = 600, max_upload_bytes: int = 10_000
    ) -> Services:
        self.checkins = FakeCheckinLog(self.faces.employees)
        policy = MatchPolicy(
            DLIB,
            Metric.COSINE,
            calibration=None,
            settings=ThresholdSettings(duplicate_override=self.duplicate_threshold),
            gallery_size=self.faces.count_faces,
        )
        checkin = CheckInService(
            embedder=self.embedder,
            faces=self.faces,
            checkins=self.checkins,
            policy=policy,
            snapshots=SnapshotWriter(images=self.images),
            snapshot_policy=self.snapshot_policy,
        )
        self.liveness = LivenessChallenges(
            ledger=self.ledger,
            embedder=self.embedder,
            policy=policy,
            checkin=checkin,
            clock=lambda: self.clock,
            choose=lambda options: self.direction,
        )
        return Services(
            enrollment=EnrollmentService(
                embedder=self.embedder,
                faces=self.faces,
                images=self.images,
                policy=policy,
                quality_floor=QualityFloor(),
            ),
            checkin=checkin,
            admin=EmployeeAdmin(faces=self.faces, images=self.images),
            gallery=GalleryStatus(policy=policy, stats=self.faces),
            keys=self.keys,
            attendance=Attendance(checkins=self.checkins, timezone=timezone),
            webhooks=Webhooks(store=self.webhook_store),
            search_limiter=RateLimiter(per_minute=per_minute),
            probes={"embedder": lambda: None},
            max_upload_bytes=max_upload_bytes,
            idempotency=Idempotency(store=self.idempotency),
            evidence=Evidence(checkins=self.checkins, images=self.images),
            liveness=self.liveness,
        )
