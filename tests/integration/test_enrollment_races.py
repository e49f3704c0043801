"""Enrollment under concurrency against the real PostgreSQL: the content-hash check holds."""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from backend.domain.enrollment import EnrollmentService
from backend.domain.errors import FaceAlreadyEnrolled, PhotoAlreadyEnrolled
from backend.domain.matching import MatchPolicy
from backend.domain.model import Extraction, Metric
from backend.domain.policy import QualityFloor
from tests.integration.conftest import MODEL, bound_repository
from tests.integration.use_cases import units
from tests.unit.fakes import FakeEmbedder, FakeImageStore, face

PHOTO = b"\xff\xd8\xff a photo uploaded sixteen times"
UPLOADS = 16


class GatheringEmbedder(FakeEmbedder):
    """Holds every extraction until all uploads got that far: the worst interleaving."""

    def __init__(self, parties: int) -> None:
        super().__init__(MODEL)
        self.faces[PHOTO] = [face((1.0, 0.0, 0.0, 0.0))]
        self._barrier = threading.Barrier(parties, timeout=5)

    def extract(
        self, image: bytes, *, crop: bool = False, landmarks: bool = False, largest: bool = False
    ) -> Extraction:
        # A fixed implementation may refuse some uploads before they get here.
        with contextlib.suppress(threading.BrokenBarrierError):
            self._barrier.wait()
        return super().extract(image, crop=crop, landmarks=landmarks, largest=largest)


def test_sixteen_identical_uploads_enroll_one_face(engine):
    repo = bound_repository(engine)
    images = FakeImageStore()
    service = EnrollmentService(
        embedder=GatheringEmbedder(UPLOADS),
        faces=repo,
        uow=units(engine),
        images=images,
        policy=MatchPolicy.fixed(MODEL, Metric.COSINE, calibration=None),
        quality_floor=QualityFloor(),
    )

    def upload(_: int) -> str:
        try:
            service.enroll("E1", "Alice", PHOTO)
            return "created"
        except PhotoAlreadyEnrolled:
            return "photo_already_enrolled"

    with ThreadPoolExecutor(UPLOADS) as pool:
        outcomes = list(pool.map(upload, range(UPLOADS)))

    assert outcomes.count("created") == 1
    assert outcomes.count("photo_already_enrolled") == UPLOADS - 1
    with engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM face")).scalar_one() == 1
    # The losers took their photos away again: one photo for one row.
    assert len(images.objects) == 1


def test_one_face_under_eight_ids_at_once_enrolls_one(engine):
    """The duplicate guard is the use case's, and the unit of work's lock makes its read
    of the nearest face and its insert one step: of eight simultaneous enrollments of one
    face under eight employees (eight connections, as eight replicas) one is stored."""
    repo = bound_repository(engine)
    embedder = GatheringEmbedder(8)
    for n in range(8):
        embedder.faces[photo(n)] = [face((1.0, 0.0, 0.0, 0.0))]
    images = FakeImageStore()
    service = EnrollmentService(
        embedder=embedder,
        faces=repo,
        uow=units(engine),
        images=images,
        policy=MatchPolicy.fixed(MODEL, Metric.COSINE, calibration=None),
        quality_floor=QualityFloor(),
    )

    def upload(n: int) -> str:
        try:
            service.enroll(f"E{n}", f"Person {n}", photo(n))
            return "created"
        except FaceAlreadyEnrolled:
            return "face_already_enrolled"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(upload, range(8)))

    assert outcomes.count("created") == 1
    assert outcomes.count("face_already_enrolled") == 7
    with engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM face")).scalar_one() == 1
    assert len(images.objects) == 1


def photo(n: int) -> bytes:
    return b"\xff\xd8\xff the photo of person " + str(n).encode()


def test_migration_0004_keeps_faces_enrolled_twice_by_the_old_race(database_url):
    from alembic import command
    from alembic.config import Config

    from backend.infrastructure.database import MIGRATIONS, make_engine

    engine = make_engine(database_url, pool_size=1)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0003")
        with engine.begin() as db:
            db.execute(text("INSERT INTO employee (id, name) VALUES ('E1', 'Alice')"))
            for face_id in ("f1", "f2"):
                db.execute(
                    text(
                        "INSERT INTO face (id, employee_id, embedding, model, detector, "
                        "image_key, quality, content_sha256) VALUES (:id, 'E1', '[1,0,0,0]', "
                        "'Dlib', 'dlib', :key, '{}', 'same')"
                    ),
                    {"id": face_id, "key": f"employees/E1/{face_id}.jpg"},
                )
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        with engine.connect() as db:
            hashes: dict[str, str | None] = dict(
                db.execute(text("SELECT id, content_sha256 FROM face")).all()
            )
        assert set(hashes.values()) == {None, "same"}
        assert len(hashes) == 2  # both faces kept; only one still claims the photo's hash
    finally:
        engine.dispose()


def test_the_unique_index_backs_the_check(engine):
    import pytest

    from backend.domain.model import Employee, FaceRecord
    from backend.infrastructure.database import transaction
    from tests.unit.fakes import GOOD

    repo = bound_repository(engine)
    alice = Employee("E1", "Alice")

    def record(face_id: str) -> FaceRecord:
        key = f"employees/E1/{face_id}.jpg"
        return FaceRecord(face_id, "E1", "Dlib", "dlib", key, GOOD, content_sha256="same")

    with units(engine)() as uow:
        uow.faces.add_face(alice, record("f1"), [1.0, 0, 0, 0], repo.gallery)
        uow.commit()
    # A writer that skips the check meets the index, and the conflict keeps its code.
    with pytest.raises(PhotoAlreadyEnrolled), transaction(engine) as db:
        db.execute(
            text(
                "INSERT INTO face (id, employee_id, model, detector, image_key, "
                "quality, content_sha256) VALUES ('f2', 'E1', 'Dlib', 'dlib', "
                "'employees/E1/f2.jpg', '{}', 'same')"
            )
        )
