"""Which face of an enrollment photo is enrolled: the largest, when every other face is in
the background (below the size floor, or less than half its width); two faces that could
each be enrolled are refused."""

import pytest

from backend.domain import errors
from backend.domain.face_choice import enrollment_face
from backend.domain.model import DetectedFace, Quality
from backend.domain.policy import QualityFloor
from tests.unit.world import FakeWorld

ALICE, BOB, CAROL = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)


def at(x: int, width: int, embedding: tuple[float, ...] = ALICE) -> DetectedFace:
    """A square face `width` pixels wide at (x, 40)."""
    quality = Quality(face_size=width, sharpness=300.0, brightness=120.0)
    return DetectedFace(embedding, {"x": x, "y": 40, "w": width, "h": width}, 0.99, quality)


FLOOR = QualityFloor()  # 80 px


@pytest.mark.parametrize(
    ("others", "ignored"),
    [
        ([at(400, 60, BOB)], 1),  # below the size floor
        ([at(400, 95, BOB)], 1),  # above the floor, but less than half the width
        ([at(400, 60, BOB), at(500, 30, CAROL)], 2),
    ],
)
def test_the_largest_face_is_chosen_over_background_faces(others, ignored):
    chosen = enrollment_face([*others, at(100, 200)], FLOOR)  # order does not matter
    assert chosen.face.embedding == ALICE and chosen.ignored == ignored


def test_two_faces_that_could_each_be_enrolled_are_refused():
    with pytest.raises(errors.MultipleFaces) as refused:
        enrollment_face([at(100, 200), at(400, 100, BOB), at(600, 40, CAROL)], FLOOR)
    details = refused.value.details
    assert details["faces"] == 3 and details["enrollable_faces"] == 2
    assert details["boxes"] == [
        {"x": 100, "y": 40, "w": 200, "h": 200},
        {"x": 400, "y": 40, "w": 100, "h": 100},
    ]


def test_a_rival_that_fails_the_quality_floor_could_not_be_enrolled_and_is_ignored():
    blurred = DetectedFace(
        BOB, {"x": 400, "y": 40, "w": 190, "h": 190}, 0.99, Quality(190, 4.0, 120.0)
    )
    chosen = enrollment_face([at(100, 200), blurred], FLOOR)
    assert chosen.face.embedding == ALICE and chosen.ignored == 1


def test_a_rival_cut_by_the_photo_s_edge_is_a_bystander():
    frame = (800, 600)
    at_the_edge = at(700, 100, BOB)  # its right side at x=800: the head is cut off
    chosen = enrollment_face([at(100, 200), at_the_edge], FLOOR, frame)
    assert chosen.face.embedding == ALICE and chosen.ignored == 1
    inside = at(650, 100, BOB)  # 50 px from the edge: a whole second face
    with pytest.raises(errors.MultipleFaces):
        enrollment_face([at(100, 200), inside], FLOOR, frame)
    # without the photo's size (an embedder that does not say it) nothing is cut
    with pytest.raises(errors.MultipleFaces):
        enrollment_face([at(100, 200), at_the_edge], FLOOR)


def test_no_face_is_refused():
    with pytest.raises(errors.NoFaceDetected):
        enrollment_face([], FLOOR)


@pytest.fixture
def world():
    fake = FakeWorld()
    fake.embedder.faces = {
        b"\xff\xd8busy": [at(100, 200), at(400, 60, BOB)],
        b"\xff\xd8pair": [at(100, 200), at(400, 150, BOB)],
        b"\xff\xd8tiny": [at(100, 70), at(400, 50, BOB)],
    }
    return fake, fake.services()


def test_enrollment_takes_the_large_face_and_reports_the_other(world):
    fake, services = world
    enrolled = services.enrollment.enroll("E1", "Alice", b"\xff\xd8busy")
    assert enrolled.face_box == {"x": 100, "y": 40, "w": 200, "h": 200}
    assert enrolled.ignored_faces == 1
    assert [v for _, v in fake.faces.faces.values()] == [list(ALICE)]


def test_enrollment_refuses_two_large_faces_and_stores_nothing(world):
    fake, services = world
    with pytest.raises(errors.MultipleFaces):
        services.enrollment.enroll("E1", "Alice", b"\xff\xd8pair")
    assert fake.faces.employees == {} and fake.images.objects == {}


def test_a_largest_face_below_the_floor_is_low_quality_not_multiple_faces(world):
    _, services = world
    with pytest.raises(errors.LowQuality) as refused:
        services.enrollment.enroll("E1", "Alice", b"\xff\xd8tiny")
    assert set(refused.value.details["failing"]) == {"face_size"}


def test_the_api_answers_with_the_box_enrolled_and_the_faces_left_out(tmp_path):
    fake = FakeWorld()
    fake.embedder.faces[b"\xff\xd8busy"] = [at(100, 200), at(400, 60, BOB)]
    with fake.api(tmp_path) as (client, _):
        answer = client.post(
            "/api/v1/employees/insert",
            data={"employee_id": "E1", "employee_name": "Alice"},
            files={"image": ("busy.jpg", b"\xff\xd8busy", "image/jpeg")},
        )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["face_box"] == {"x": 100, "y": 40, "w": 200, "h": 200}
    assert body["ignored_faces"] == 1
