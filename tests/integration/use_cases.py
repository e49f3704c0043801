"""The domain's use cases on the PostgreSQL adapters and PgUnitOfWork (the embedder and the
photos faked): what the unit tests show on fakes, shown again on the real database."""

from sqlalchemy import Engine

from backend.domain.admin import EmployeeAdmin
from backend.domain.checkin import CheckInOutcome, CheckInService
from backend.domain.enrollment import EnrollmentService
from backend.domain.errors import DomainError
from backend.domain.gallery_state import GalleryState
from backend.domain.matching import MatchPolicy
from backend.domain.policy import QualityFloor
from backend.domain.site_model import Kiosk
from backend.domain.thresholds import GalleryThresholds
from backend.domain.unit_of_work import UnitOfWorkFactory
from backend.infrastructure.pg_audit import PgAuditLog
from backend.infrastructure.pg_unit_of_work import PgUnitOfWork
from tests.integration.conftest import MODEL, BoundRepository
from tests.unit.fakes import FakeEmbedder, FakeImageStore, face


class FixedThresholds(MatchPolicy):
    """The gallery's policy with the two thresholds a test gives (on its metric's scale)."""

    def __init__(self, gallery: GalleryState, refuse: float, ask: float) -> None:
        super().__init__(lambda: gallery)
        self._fixed = GalleryThresholds(gallery.metric, 0, ask, refuse, "configured", None, None)

    def thresholds(self, site_id: int | None = None) -> GalleryThresholds:
        return self._fixed


def units(engine: Engine) -> UnitOfWorkFactory:
    return lambda: PgUnitOfWork(engine, ef_search=100)


def photo(employee_id: str, face_id: str) -> bytes:
    return b"\xff\xd8\xff" + f"{employee_id}/{face_id}".encode()


def enroll(
    repo: BoundRepository,
    employee_id: str,
    face_id: str,
    vector: list[float],
    refuse: float = 0.0,
    ask: float | None = None,
    confirmed: bool = False,
    images: FakeImageStore | None = None,
) -> DomainError | None:
    """Enroll `vector` as a photo of `employee_id` through EnrollmentService; the error
    it raised, or None when the face was stored."""
    embedder = FakeEmbedder(MODEL)
    image = photo(employee_id, face_id)
    embedder.faces[image] = [face(tuple(vector))]
    service = EnrollmentService(
        embedder=embedder,
        faces=repo,
        uow=units(repo.engine),
        images=images or FakeImageStore(),
        policy=FixedThresholds(repo.gallery, refuse, refuse if ask is None else ask),
        quality_floor=QualityFloor(),
        new_id=lambda: face_id,
    )
    try:
        service.enroll(
            employee_id,
            employee_id.lower(),
            image,
            confirm_distinct=confirmed,
            confirmed_by="hr" if confirmed else None,
        )
    except DomainError as error:
        return error
    return None


def check_in(
    repo: BoundRepository,
    vector: list[float],
    kiosk: Kiosk | str = "door",
    repeat_seconds: float = 60,
) -> CheckInOutcome:
    """Check a face in through CheckInService (matching within 0.5)."""
    service = CheckInService(
        embedder=FakeEmbedder(MODEL),
        faces=repo,
        uow=units(repo.engine),
        policy=FixedThresholds(repo.gallery, 0.0, 0.5),
        repeat_seconds=repeat_seconds,
    )
    return service.check_in_face(face(tuple(vector)), kiosk, repo.gallery)


def admin(repo: BoundRepository, images: FakeImageStore | None = None) -> EmployeeAdmin:
    return EmployeeAdmin(
        faces=repo,
        uow=units(repo.engine),
        images=images or FakeImageStore(),
        audit=PgAuditLog(repo.engine),
    )
