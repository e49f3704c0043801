"""Check-in at a site: the search covers only the people allowed there (someone from
elsewhere is "no match" to the kiosk and counted for HR), rows and events carry the site
and the direction, and a "both" kiosk alternates in and out within a working day."""

from datetime import UTC, datetime, timedelta

import pytest

from backend.domain.site_model import Direction, Kiosk, Site
from tests.unit.fakes import face
from tests.unit.world import FakeWorld

ALICE, ALICE_AGAIN, BOB = (1.0, 0.0, 0.0), (0.999, 0.04, 0.0), (0.0, 1.0, 0.0)
PHOTO_A, PHOTO_A2, PHOTO_B = b"\xff\xd8a", b"\xff\xd8a2", b"\xff\xd8b"
PARIS = Site(1, "Paris", "Europe/Paris", day_start_hour=4)
# 10:00 in Paris: hours of check-ins later it is still the same working day (which starts
# at 04:00), whatever the time the suite runs at
MORNING = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
TOKYO = Site(2, "Tokyo", "Asia/Tokyo", day_start_hour=4)


@pytest.fixture
def world() -> FakeWorld:
    fake = FakeWorld()
    fake.checkins.now = lambda: MORNING
    fake.embedder.faces = {PHOTO_A: [face(ALICE)], PHOTO_A2: [face(ALICE_AGAIN)]}
    fake.services().enrollment.enroll("E1", "Alice", PHOTO_A)
    return fake


def later(world: FakeWorld, minutes: float) -> None:
    moment = world.checkins.now() + timedelta(minutes=minutes)
    world.checkins.now = lambda: moment


def test_someone_allowed_only_elsewhere_is_no_match_here_and_counted_for_hr(world):
    world.faces.allowed_sites["E1"] = {PARIS.site_id}
    checkin = world.services().checkin
    away = checkin.check_in(PHOTO_A2, Kiosk("tokyo-door", TOKYO, Direction.IN))
    assert not away.matched and away.reason == "no_match"
    assert sum(world.checkins.not_allowed.values()) == 1
    assert sum(world.checkins.unknown.values()) == 1
    home = checkin.check_in(PHOTO_A2, Kiosk("paris-door", PARIS, Direction.IN))
    assert home.matched and home.match is not None and home.match.employee_id == "E1"


def test_a_stranger_is_not_counted_as_someone_from_elsewhere(world):
    world.embedder.faces[PHOTO_B] = [face(BOB)]
    outcome = world.services().checkin.check_in(PHOTO_B, Kiosk("k", TOKYO))
    assert not outcome.matched and world.checkins.not_allowed == {}


def test_rows_and_events_carry_the_kiosks_site_and_direction(world):
    checkin = world.services().checkin
    outcome = checkin.check_in(PHOTO_A2, Kiosk("tokyo-out", TOKYO, Direction.OUT))
    assert outcome.checkin is not None
    assert (outcome.checkin.site_id, outcome.checkin.direction) == (2, Direction.OUT)
    data = world.published[-1]["data"]
    assert (data["site_id"], data["site_name"], data["direction"]) == (2, "Tokyo", "out")


def test_a_both_kiosk_goes_in_out_in_after_each_repeat_window(world):
    checkin = world.services().checkin
    door = Kiosk("door", PARIS, Direction.BOTH)
    seen = []
    for _ in range(3):
        outcome = checkin.check_in(PHOTO_A2, door)
        assert outcome.checkin is not None and not outcome.repeat
        seen.append(outcome.checkin.direction)
        later(world, 0.5)
        assert checkin.check_in(PHOTO_A2, door).repeat  # within the window: nothing new
        later(world, 120)
    assert seen == [Direction.IN, Direction.OUT, Direction.IN]


def test_the_threshold_is_the_one_for_the_faces_the_site_searches(world):
    sizes = {PARIS.site_id: 1, TOKYO.site_id: 20_000}
    world.faces.count_faces_at = sizes.__getitem__  # type: ignore[method-assign]
    policy = world.policy()
    assert policy.thresholds_at(1) != policy.thresholds_at(20_000)  # else this proves nothing
    assert policy.thresholds(PARIS.site_id) == policy.thresholds_at(1)
    assert policy.thresholds(TOKYO.site_id) == policy.thresholds_at(20_000)
    assert policy.thresholds() == policy.thresholds_at(world.faces.count_faces())


def test_site_changes_and_allowed_sites_are_audited(world):
    from backend.domain.audit import Actor

    hr = Actor("api_key", "hr", "hr")
    sites = world.services().sites
    made = sites.create("Lyon", "Europe/Paris", 5, "08:30", actor=hr)
    sites.update(made.site_id, "Lyon 2", "Europe/Paris", actor=hr)
    assert sites.set_allowed_sites("E1", [made.site_id], actor=hr) == [made.site_id]
    actions = [(e.action, e.subject_id) for e in world.audit.entries]
    assert actions[-3:] == [
        ("site.created", str(made.site_id)),
        ("site.changed", str(made.site_id)),
        ("employee.sites_changed", "E1"),
    ]
