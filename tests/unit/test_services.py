"""Enrollment, check-in and erasure against in-memory fakes."""

from datetime import timedelta
from typing import Any

import pytest

from backend.domain import errors
from backend.domain.matching import MatchPolicy
from backend.domain.model import Metric, ModelInfo, Quality
from backend.domain.policy import image_extension
from backend.domain.thresholds import ThresholdSettings
from tests.unit.fakes import DLIB, FakeFaceRepository, face
from tests.unit.world import FakeWorld

ALICE = (1.0, 0.0, 0.0)
ALICE_AGAIN = (0.999, 0.04, 0.0)  # cosine distance ~0.0008
BOB = (0.0, 1.0, 0.0)
TWIN = (0.995, 0.0, 0.1)  # cosine ~0.005 from ALICE: another person who looks alike
PHOTO_A, PHOTO_A2, PHOTO_B, GROUP, EMPTY = b"\xff\xd8a", b"\xff\xd8a2", b"\xff\xd8b", b"g", b"e"
PHOTO_TWIN = b"\xff\xd8t"
# ALICE_AGAIN is ~0.0008 from ALICE: refused outright below 0.0005 is not, so HR is asked.
ASK_HR = {"duplicate_threshold": 0.0005}


def dlib_policy(
    faces: FakeFaceRepository, metric: Metric = Metric.COSINE, **settings: Any
) -> MatchPolicy:
    """Dlib without a calibration: DeepFace's 1:1 threshold unless settings fix one."""
    return MatchPolicy.fixed(
        DLIB,
        metric,
        calibration=None,
        settings=ThresholdSettings(**settings),
        gallery_size=faces.count_faces,
    )


@pytest.fixture
def world(request):
    """The services as bootstrap builds them, on fakes (Dlib, uncalibrated)."""
    fake = FakeWorld()
    fake.embedder.faces = {
        PHOTO_A: [face(ALICE)],
        PHOTO_A2: [face(ALICE_AGAIN)],
        PHOTO_B: [face(BOB)],
        PHOTO_TWIN: [face(TWIN)],
        GROUP: [face(ALICE), face(BOB)],
    }
    built = fake.services(**getattr(request, "param", {}))
    return (
        fake.embedder,
        fake.faces,
        fake.images,
        fake.checkins,
        built.enrollment,
        built.checkin,
        built.admin,
    )


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


def test_stranger_is_counted_not_recorded_as_a_row(world):
    _, _, _, log, enroll, checkin, _ = world
    enroll.enroll("E1", "Alice", PHOTO_A)
    for _ in range(3):
        outcome = checkin.check_in(PHOTO_B, "door")
        assert not outcome.matched and outcome.reason == "no_match"
    assert log.rows == []
    assert list(log.unknown.values()) == [3]


def test_repeat_within_the_window_writes_no_row(world):
    _, _, _, log, enroll, checkin, _ = world
    enroll.enroll("E1", "Alice", PHOTO_A)
    first = checkin.check_in(PHOTO_A2, "door")
    again = checkin.check_in(PHOTO_A, "back-door")  # another kiosk, same person
    assert first.matched and not first.repeat
    assert again.matched and again.repeat
    assert again.checkin == first.checkin and len(log.rows) == 1


def test_after_the_window_a_new_row_is_written(world):
    _, _, _, log, enroll, checkin, _ = world
    enroll.enroll("E1", "Alice", PHOTO_A)
    first = checkin.check_in(PHOTO_A2, "door")
    later = first.checkin.created_at + timedelta(seconds=61)
    log.now = lambda: later
    again = checkin.check_in(PHOTO_A2, "door")
    assert not again.repeat and again.checkin.checkin_id != first.checkin.checkin_id
    assert len(log.rows) == 2


def test_no_face_writes_no_checkin(world):
    _, _, _, log, _, checkin, _ = world
    outcome = checkin.check_in(EMPTY, "door")
    assert outcome.reason == "no_face_detected" and log.rows == []


@pytest.mark.parametrize("world", [ASK_HR], indirect=True)
def test_two_employees_about_as_near_is_ambiguous_not_a_guess(world):
    _, _, _, log, enroll, checkin, _ = world
    enroll.enroll("E1", "Alice", PHOTO_A)
    enroll.enroll("E2", "Alice's twin", PHOTO_TWIN, confirm_distinct=True, confirmed_by="hr")
    outcome = checkin.check_in(PHOTO_A2, "door")
    assert not outcome.matched and outcome.reason == "ambiguous"
    assert log.rows == [] and list(log.unknown.values()) == [1]  # counted as not recognised


def test_an_employees_own_faces_never_make_a_check_in_ambiguous(world):
    _, _, _, _, enroll, checkin, _ = world
    enroll.enroll("E1", "Alice", PHOTO_A)
    enroll.enroll("E1", "Alice", PHOTO_A2)
    enroll.enroll("E2", "Bob", PHOTO_B)
    outcome = checkin.check_in(PHOTO_A2, "door")
    assert outcome.matched and outcome.match.employee_id == "E1"


def test_check_in_uses_the_largest_face(world):
    embedder, _, _, _, enroll, checkin, _ = world
    enroll.enroll("E2", "Bob", PHOTO_B)
    assert not checkin.check_in(GROUP, "door").matched  # GROUP's largest face is ALICE
    # and asks the embedder for it alone (found at the smaller check-in size); enrollment
    # asks for every face, to see a rival
    assert embedder.asked_largest == [False, True]


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


def test_uncalibrated_model_uses_deepface_table_or_config_and_warns():
    faces = FakeFaceRepository()
    cosine = dlib_policy(faces).thresholds()
    assert (cosine.match, cosine.duplicate_refuse, cosine.basis) == (0.07, 0.07, "deepface_1to1")
    assert cosine.warning is not None and "no calibration" in cosine.warning
    assert dlib_policy(faces, Metric.EUCLIDEAN).thresholds().match == 0.4
    custom = dlib_policy(
        faces, Metric.INNER_PRODUCT, match_override=0.05, duplicate_override=0.01
    ).thresholds()
    assert (custom.match, custom.duplicate_refuse, custom.basis) == (0.05, 0.01, "configured")


@pytest.mark.parametrize("world", [ASK_HR], indirect=True)
def test_look_alike_between_the_thresholds_asks_hr_and_stores_nothing(world):
    _, faces, images, _, enroll, _, _ = world
    enroll.enroll("E1", "Alice", PHOTO_A)
    with pytest.raises(errors.PossibleDuplicate) as asked:
        enroll.enroll("E2", "Alicia", PHOTO_A2)
    assert asked.value.code == "possible_duplicate"
    assert asked.value.details["employee_id"] == "E1"
    assert asked.value.details["face_id"] == faces.faces_of("E1")[0].face_id
    assert "E2" not in faces.employees
    assert [k for k in images.objects if k.startswith("employees/E2/")] == []


@pytest.mark.parametrize("world", [ASK_HR], indirect=True)
def test_hr_confirmation_enrolls_the_look_alike_and_records_it(world):
    _, faces, images, _, enroll, _, _ = world
    enroll.enroll("E1", "Alice", PHOTO_A)
    enrolled = enroll.enroll(
        "E2", "Alicia", PHOTO_A2, confirm_distinct=True, confirmed_by="hr-desk"
    )
    [stored] = faces.faces_of("E2")
    assert (stored.confirmed_distinct_from, stored.confirmed_by) == ("E1", "hr-desk")
    assert images.objects[enrolled.image_key] == PHOTO_A2


def test_confirmation_does_not_override_a_refusal_outright(world):
    _, faces, _, _, enroll, _, _ = world
    enroll.enroll("E1", "Alice", PHOTO_A)
    with pytest.raises(errors.FaceAlreadyEnrolled):
        enroll.enroll("E2", "Mallory", PHOTO_A2, confirm_distinct=True, confirmed_by="hr")
    assert "E2" not in faces.employees


def test_confirmation_is_not_recorded_when_nobody_looked_alike(world):
    _, faces, _, _, enroll, _, _ = world
    enroll.enroll("E1", "Alice", PHOTO_A)
    enroll.enroll("E2", "Bob", PHOTO_B, confirm_distinct=True, confirmed_by="hr")
    [stored] = faces.faces_of("E2")
    assert (stored.confirmed_distinct_from, stored.confirmed_by) == (None, None)


@pytest.mark.parametrize(
    "start, extension, content_type",
    [
        (b"\xff\xd8\xff\xe0", "jpg", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
        (b"GIF89a", "gif", "image/gif"),
        (b"II*\x00", "tiff", "image/tiff"),
        (b"MM\x00*", "tiff", "image/tiff"),
        (b"BM\x36\x00", "bmp", "image/bmp"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp", "image/webp"),
        (b"\x00\x00\x00\x18ftypheic", "bin", "application/octet-stream"),
    ],
)
def test_photos_are_stored_with_their_real_type(start, extension, content_type):
    assert image_extension(start + b"rest") == (extension, content_type)
