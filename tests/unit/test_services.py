"""Enrollment, check-in and erasure against in-memory fakes."""

import pytest

from backend.domain import errors
from backend.domain.model import Metric, ModelInfo, Quality
from backend.domain.policy import MatchPolicy, QualityFloor
from backend.domain.services import CheckInService, EmployeeAdmin, EnrollmentService
from tests.unit.fakes import (
    DLIB,
    FakeCheckinLog,
    FakeEmbedder,
    FakeFaceRepository,
    FakeImageStore,
    face,
)

ALICE = (1.0, 0.0, 0.0)
ALICE_AGAIN = (0.999, 0.04, 0.0)  # cosine distance ~0.0008
BOB = (0.0, 1.0, 0.0)
PHOTO_A, PHOTO_A2, PHOTO_B, GROUP, EMPTY = b"\xff\xd8a", b"\xff\xd8a2", b"\xff\xd8b", b"g", b"e"


@pytest.fixture
def world():
    embedder, faces, images, log = (
        FakeEmbedder(),
        FakeFaceRepository(),
        FakeImageStore(),
        FakeCheckinLog(),
    )
    embedder.faces = {
        PHOTO_A: [face(ALICE)],
        PHOTO_A2: [face(ALICE_AGAIN)],
        PHOTO_B: [face(BOB)],
        GROUP: [face(ALICE), face(BOB)],
    }
    policy = MatchPolicy.for_model(DLIB, Metric.COSINE)
    enroll = EnrollmentService(
        embedder=embedder,
        faces=faces,
        images=images,
        policy=policy,
        quality_floor=QualityFloor(),
    )
    checkin = CheckInService(embedder=embedder, faces=faces, checkins=log, policy=policy)
    admin = EmployeeAdmin(faces=faces, images=images)
    return embedder, faces, images, log, enroll, checkin, admin


def test_enroll_stores_photo_and_face(world):
    _, faces, images, _, enroll, _, _ = world
    enrolled = enroll.enroll("E1", " Alice ", PHOTO_A)
    assert faces.employees["E1"].name == "Alice"
    assert images.objects[enrolled.image_key] == PHOTO_A
    assert enrolled.image_key == f"employees/E1/{enrolled.face_id}.jpg"


def test_second_photo_of_same_employee_adds_a_face(world):
    _, faces, _, _, enroll, _, _ = world
    enroll.enroll("E1", "Alice", PHOTO_A)
    enroll.enroll("E1", "Alice", PHOTO_A2)
    assert len(faces.faces_of("E1")) == 2


def test_same_face_under_another_employee_is_refused_and_leaves_nothing(world):
    _, faces, images, _, enroll, _, _ = world
    enroll.enroll("E1", "Alice", PHOTO_A)
    with pytest.raises(errors.FaceAlreadyEnrolled) as refused:
        enroll.enroll("E2", "Mallory", PHOTO_A2)
    assert refused.value.details["employee_id"] == "E1"
    assert "E2" not in faces.employees
    assert [k for k in images.objects if k.startswith("employees/E2/")] == []


def test_no_face_and_multiple_faces_are_refused(world):
    _, faces, images, _, enroll, _, _ = world
    with pytest.raises(errors.NoFaceDetected):
        enroll.enroll("E1", "Alice", EMPTY)
    with pytest.raises(errors.MultipleFaces):
        enroll.enroll("E1", "Alice", GROUP)
    assert faces.employees == {} and images.objects == {}


def test_quality_floor_names_the_failing_figures(world):
    embedder, _, images, _, enroll, _, _ = world
    embedder.faces[b"dark"] = [face(BOB, Quality(face_size=50, sharpness=300, brightness=10))]
    with pytest.raises(errors.LowQuality) as refused:
        enroll.enroll("E1", "Alice", b"dark")
    failing = refused.value.details["failing"]
    assert set(failing) == {"face_size", "brightness"}
    assert failing["face_size"] == {"value": 50, "minimum": 80}
    assert images.objects == {}


@pytest.mark.parametrize(
    ("employee_id", "name", "field"),
    [
        ("", "A", "employee_id"),
        ("bad id", "A", "employee_id"),
        ("x" * 65, "A", "employee_id"),
        ("E1", "", "employee_name"),
        ("E1", "n" * 129, "employee_name"),
    ],
)
def test_invalid_fields_are_named(world, employee_id, name, field):
    with pytest.raises(errors.ValidationFailed) as refused:
        world[4].enroll(employee_id, name, PHOTO_A)
    assert field in refused.value.details["fields"]


def test_store_failure_leaves_no_row(world):
    _, faces, images, _, enroll, _, _ = world
    images.put_error = errors.StorageUnavailable("down")
    with pytest.raises(errors.StorageUnavailable):
        enroll.enroll("E1", "Alice", PHOTO_A)
    assert faces.employees == {} and faces.faces == {}


def test_repository_failure_removes_the_uploaded_photo(world):
    _, faces, images, _, enroll, _, _ = world
    faces.error = errors.DatabaseUnavailable("down")
    with pytest.raises(errors.DatabaseUnavailable):
        enroll.enroll("E1", "Alice", PHOTO_A)
    assert images.objects == {}


def test_embedder_down_stores_nothing(world):
    embedder, faces, images, _, enroll, checkin, _ = world
    embedder.error = errors.EmbedderUnavailable("down")
    with pytest.raises(errors.EmbedderUnavailable):
        enroll.enroll("E1", "Alice", PHOTO_A)
    with pytest.raises(errors.EmbedderUnavailable):
        checkin.check_in(PHOTO_A, "kiosk")
    assert faces.faces == {} and images.objects == {}


def test_check_in_matches_and_records(world):
    _, _, _, log, enroll, checkin, _ = world
    enroll.enroll("E1", "Alice", PHOTO_A)
    outcome = checkin.check_in(PHOTO_A2, "door")
    assert outcome.matched and outcome.match.employee_id == "E1"
    assert outcome.match.distance < 0.07
    assert log.rows[-1].employee_id == "E1" and log.rows[-1].api_key_name == "door"


def test_stranger_is_not_matched_but_recorded(world):
    _, _, _, log, enroll, checkin, _ = world
    enroll.enroll("E1", "Alice", PHOTO_A)
    outcome = checkin.check_in(PHOTO_B, "door")
    assert not outcome.matched and outcome.reason == "no_match"
    assert log.rows[-1].matched is False and log.rows[-1].employee_id is None
    assert log.rows[-1].distance == pytest.approx(1.0)


def test_no_face_writes_no_checkin(world):
    _, _, _, log, _, checkin, _ = world
    outcome = checkin.check_in(EMPTY, "door")
    assert outcome.reason == "no_face_detected" and log.rows == []


def test_check_in_uses_the_largest_face(world):
    _, _, _, _, enroll, checkin, _ = world
    enroll.enroll("E2", "Bob", PHOTO_B)
    assert not checkin.check_in(GROUP, "door").matched  # GROUP's largest face is ALICE


def test_vectors_of_another_model_are_refused(world):
    embedder, _, _, _, enroll, checkin, _ = world
    embedder.model = ModelInfo("ArcFace", 512, "dlib")
    with pytest.raises(errors.ModelMismatch):
        checkin.check_in(PHOTO_A, "door")


def test_erase_removes_rows_and_every_photo(world):
    _, faces, images, _, enroll, _, admin = world
    enroll.enroll("E1", "Alice", PHOTO_A)
    enroll.enroll("E1", "Alice", PHOTO_A2)
    images.objects["employees/E1/leftover.jpg"] = b"from a failed earlier erase"
    admin.erase("E1")
    assert faces.employees == {} and faces.faces == {} and images.objects == {}
    with pytest.raises(errors.EmployeeNotFound):
        admin.erase("E1")


def test_remove_one_face(world):
    _, faces, images, _, enroll, _, admin = world
    first = enroll.enroll("E1", "Alice", PHOTO_A)
    second = enroll.enroll("E1", "Alice", PHOTO_A2)
    admin.remove_face("E1", first.face_id)
    assert [f.face_id for f in faces.faces_of("E1")] == [second.face_id]
    assert list(images.objects) == [second.image_key]
    with pytest.raises(errors.FaceNotFound):
        admin.remove_face("E1", first.face_id)


def test_thresholds_follow_deepface_table_and_config():
    assert MatchPolicy.for_model(DLIB, Metric.COSINE).match_threshold == 0.07
    assert MatchPolicy.for_model(DLIB, Metric.EUCLIDEAN).match_threshold == 0.4
    custom = MatchPolicy.for_model(DLIB, Metric.INNER_PRODUCT, 0.05, 0.1)
    assert (custom.match_threshold, custom.duplicate_threshold) == (0.05, 0.1)
