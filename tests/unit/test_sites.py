"""Sites: working days and the "both" kiosk's rule, and what a site may be made of."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from backend.domain.errors import ValidationFailed
from backend.domain.model import Checkin
from backend.domain.site_model import Direction, Kiosk, Site
from backend.domain.sites import at_local, checked_site, direction_of, working_day

TOKYO = Site(2, "Tokyo", "Asia/Tokyo", day_start_hour=5)
BOTH = Kiosk("door", TOKYO, Direction.BOTH)


def last(direction: Direction | None, at: datetime) -> Checkin:
    return Checkin(1, "E1", True, 0.1, "door", at, direction=direction)


def test_working_day_counts_from_the_day_start_hour_in_the_site_zone():
    assert working_day(datetime(2026, 5, 1, 10, 0, tzinfo=UTC), TOKYO) == date(2026, 5, 1)
    # 04:00 Tokyo on the 2nd is still the 1st's working day, 05:00 is the 2nd's
    assert working_day(datetime(2026, 5, 1, 19, 0, tzinfo=UTC), TOKYO) == date(2026, 5, 1)
    assert working_day(datetime(2026, 5, 1, 20, 0, tzinfo=UTC), TOKYO) == date(2026, 5, 2)


def test_at_local_puts_hours_before_the_day_start_on_the_next_date():
    assert at_local(date(2026, 5, 1), time(3, 0), TOKYO) == datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
    assert at_local(date(2026, 5, 1), time(9, 0), TOKYO) == datetime(2026, 5, 1, 0, 0, tzinfo=UTC)


def test_an_in_or_out_kiosk_says_its_direction():
    now = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
    for direction in (Direction.IN, Direction.OUT):
        kiosk = Kiosk("k", TOKYO, direction)
        assert direction_of(kiosk, last(direction, now), now) is direction


def test_a_both_kiosk_starts_each_working_day_with_in_then_alternates():
    morning = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)  # 09:00 Tokyo
    assert direction_of(BOTH, None, morning) is Direction.IN
    assert direction_of(BOTH, last(Direction.IN, morning), morning + timedelta(hours=3)) is (
        Direction.OUT
    )
    assert direction_of(BOTH, last(Direction.OUT, morning), morning + timedelta(hours=4)) is (
        Direction.IN
    )
    # yesterday's "in" with no "out": today starts with "in"
    assert direction_of(BOTH, last(Direction.IN, morning), morning + timedelta(days=1)) is (
        Direction.IN
    )
    # a row from before sites has no direction: the next is "in"
    assert direction_of(BOTH, last(None, morning), morning + timedelta(hours=1)) is Direction.IN


def test_a_valid_site_passes_and_a_bad_one_names_each_field():
    assert checked_site(" Tokyo ", "Asia/Tokyo", 5, "09:30") == (
        "Tokyo",
        "Asia/Tokyo",
        5,
        time(9, 30),
    )
    with pytest.raises(ValidationFailed) as caught:
        checked_site("", "Mars/Olympus", 24, "nine")
    assert set(caught.value.details["fields"]) == {
        "name",
        "timezone",
        "day_start_hour",
        "expected_start",
    }
