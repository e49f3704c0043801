"""Enrollment with the real database and the real S3 server when one of them fails:
nothing is left behind, neither a row without its photo nor a photo without its row."""

import pytest
from sqlalchemy import text

from backend.domain.enrollment import EnrollmentService
from backend.domain.errors import DatabaseUnavailable, StorageUnavailable
from backend.domain.matching import MatchPolicy
from backend.domain.model import Metric
from backend.domain.policy import QualityFloor
from backend.infrastructure.database import make_engine
from backend.infrastructure.pg_faces import PgFaceRepository
from backend.infrastructure.s3_store import S3ImageStore
from tests.integration.conftest import MODEL, bound_repository
from tests.integration.use_cases import units
from tests.unit.fakes import FakeEmbedder, face

PHOTO = b"\xff\xd8 a photo"


def service(repo, images) -> EnrollmentService:
    embedder = FakeEmbedder(MODEL)
    embedder.faces[PHOTO] = [face((1.0, 0.0, 0.0, 0.0))]
    return EnrollmentService(
        embedder=embedder,
        faces=repo,
        uow=units(repo._engine),  # the unit of work on the repository's database
        images=images,
        policy=MatchPolicy.fixed(MODEL, Metric.COSINE, calibration=None),
        quality_floor=QualityFloor(),
    )


def rows(engine) -> tuple[int, int]:
    with engine.connect() as db:
        return (
            db.execute(text("SELECT count(*) FROM employee")).scalar_one(),
            db.execute(text("SELECT count(*) FROM face")).scalar_one(),
        )


@pytest.fixture
def repo(engine) -> PgFaceRepository:
    return bound_repository(engine)


def test_storage_down_leaves_no_row(repo, engine):
    dead_store = S3ImageStore("http://127.0.0.1:9", "a", "b", "facegate")
    with pytest.raises(StorageUnavailable):
        service(repo, dead_store).enroll("E1", "Alice", PHOTO)
    assert rows(engine) == (0, 0)


def test_database_down_after_upload_leaves_no_photo(store, tmp_path, engine):
    # The gallery exists, then every connection fails: the insert dies after the upload.
    dead = PgFaceRepository(make_engine(f"postgresql://nobody@/x?host={tmp_path}"), 100)
    with pytest.raises(DatabaseUnavailable):
        service(dead, store).enroll("E1", "Alice", PHOTO)
    assert store.keys("employees/") == []


def test_insert_failing_mid_transaction_leaves_neither(repo, store, engine):
    # A real database error inside the insert transaction: a face row that cannot be
    # written because its image key is already taken.
    with engine.begin() as db:
        db.execute(text("INSERT INTO employee (id, name) VALUES ('X', 'x')"))
        db.execute(
            text(
                "INSERT INTO face (id, employee_id, model, detector, image_key, quality)"
                " VALUES ('f0', 'X', 'Dlib', 'dlib', 'employees/E1/fixed.jpg', '{}')"
            )
        )
    enroll = service(repo, store)
    enroll._new_id = lambda: "fixed"
    with pytest.raises(Exception):  # noqa: B017 - the driver's IntegrityError
        enroll.enroll("E1", "Alice", PHOTO)
    assert rows(engine) == (1, 1)  # only the pre-existing X
    assert store.keys("employees/E1/") == []


def test_successful_enrollment_has_both(repo, store, engine):
    enrolled = service(repo, store).enroll("E1", "Alice", PHOTO)
    assert rows(engine) == (1, 1)
    assert store.keys("employees/E1/") == [enrolled.image_key]
