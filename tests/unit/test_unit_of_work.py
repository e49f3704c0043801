"""The use cases on the unit of work's fake: which events each change raises, that they
are published only when the unit commits, that a refused or failed change writes and
publishes nothing, and which locks each decision is taken under."""

from datetime import timedelta

import pytest

from backend.domain import errors
from tests.unit.fakes import face
from tests.unit.world import FakeWorld

ALICE = (1.0, 0.0, 0.0)
ALICE_AGAIN = (0.999, 0.04, 0.0)
BOB = (0.0, 1.0, 0.0)
PHOTO_A, PHOTO_A2, PHOTO_B = b"\xff\xd8a", b"\xff\xd8a2", b"\xff\xd8b"


@pytest.fixture
def world() -> FakeWorld:
    fake = FakeWorld()
    fake.embedder.faces = {
        PHOTO_A: [face(ALICE)],
        PHOTO_A2: [face(ALICE_AGAIN)],
        PHOTO_B: [face(BOB)],
    }
    return fake


def types(world: FakeWorld) -> list[str]:
    return [event["type"] for event in world.published]


def test_an_enrollment_publishes_one_event_saying_whether_the_employee_is_new(world):
    enroll = world.services().enrollment
    first = enroll.enroll("E1", "Alice", PHOTO_A)
    enroll.enroll("E1", "Alice", PHOTO_A2)
    assert types(world) == ["employee.enrolled", "employee.enrolled"]
    assert world.published[0]["data"] == {
        "employee_id": "E1",
        "employee_name": "Alice",
        "face_id": first.face_id,
        "new_employee": True,
    }
    assert world.published[1]["data"]["new_employee"] is False
    assert [unit.locks for unit in world.units] == [["enrollment"], ["enrollment"]]


def test_a_refused_duplicate_publishes_nothing_and_leaves_nothing(world):
    enroll = world.services().enrollment
    enroll.enroll("E1", "Alice", PHOTO_A)
    with pytest.raises(errors.FaceAlreadyEnrolled):
        enroll.enroll("E2", "Mallory", PHOTO_A2)
    assert types(world) == ["employee.enrolled"]
    assert set(world.faces.employees) == {"E1"}
    assert [k for k in world.images.objects if k.startswith("employees/E2/")] == []


def test_a_failed_write_is_rolled_back_and_publishes_nothing(world):
    enroll = world.services().enrollment
    enroll.enroll("E1", "Alice", PHOTO_A)
    world.checkins.error = errors.DatabaseUnavailable("down")
    with pytest.raises(errors.DatabaseUnavailable):
        world.services().checkin.check_in(PHOTO_A2, "door")
    assert types(world) == ["employee.enrolled"] and world.checkins.rows == []


def test_a_match_publishes_checkin_matched_and_a_repeat_publishes_nothing(world):
    services = world.services()
    services.enrollment.enroll("E1", "Alice", PHOTO_A)
    first = services.checkin.check_in(PHOTO_A2, "door")
    again = services.checkin.check_in(PHOTO_A2, "lobby")
    assert again.repeat and types(world) == ["employee.enrolled", "checkin.matched"]
    assert first.checkin is not None
    assert world.published[1]["data"]["checkin_id"] == first.checkin.checkin_id
    assert world.published[1]["data"]["employee_name"] == "Alice"
    # Each decision on the window was taken under that employee's lock.
    assert [unit.locks for unit in world.units[1:]] == [["checkins of E1"]] * 2


def test_the_window_is_decided_on_the_clock_the_unit_of_work_reads(world):
    services = world.services()
    services.enrollment.enroll("E1", "Alice", PHOTO_A)
    first = services.checkin.check_in(PHOTO_A2, "door")
    assert first.checkin is not None
    start = first.checkin.created_at
    world.checkins.now = lambda: start + timedelta(seconds=59)
    assert services.checkin.check_in(PHOTO_A2, "door").repeat
    world.checkins.now = lambda: start + timedelta(seconds=60)
    assert not services.checkin.check_in(PHOTO_A2, "door").repeat
    assert types(world).count("checkin.matched") == 2


def test_the_repeat_window_is_the_setting(world):
    services = world.services(checkin_repeat_seconds=5)
    services.enrollment.enroll("E1", "Alice", PHOTO_A)
    first = services.checkin.check_in(PHOTO_A2, "door")
    assert first.checkin is not None
    world.checkins.now = lambda: first.checkin.created_at + timedelta(seconds=6)  # type: ignore[union-attr]
    assert not services.checkin.check_in(PHOTO_A2, "door").repeat


def test_a_stranger_publishes_checkin_unknown_with_the_nearest_distance(world):
    services = world.services()
    services.enrollment.enroll("E1", "Alice", PHOTO_A)
    outcome = services.checkin.check_in(PHOTO_B, "door")
    assert outcome.reason == "no_match"
    assert types(world) == ["employee.enrolled", "checkin.unknown"]
    assert world.published[1]["data"] == {
        "api_key_name": "door",
        "site_id": 1,
        "site_name": "Main office",
        "nearest_distance": 1.0,
    }


def test_an_erasure_publishes_employee_erased_once(world):
    services = world.services()
    services.enrollment.enroll("E1", "Alice", PHOTO_A)
    services.admin.erase("E1")
    with pytest.raises(errors.EmployeeNotFound):
        services.admin.erase("E1")
    assert types(world) == ["employee.enrolled", "employee.erased"]


def test_a_unit_of_work_left_without_commit_writes_and_publishes_nothing(world):
    world.services().enrollment.enroll("E1", "Alice", PHOTO_A)
    with world.unit_of_work() as uow:
        assert uow.faces.delete_employee("E1")
        uow.emit({"type": "employee.erased"})
    assert set(world.faces.employees) == {"E1"} and types(world) == ["employee.enrolled"]
