"""The hours-worked arithmetic: working days by site zone and day start, pairs of in and
out, open days under both end-of-day rules, lateness, totals, and a week across DST."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.domain.hours import EndOfDay, OpenDayRule, PersonTotal, WorkingDay, hours
from backend.domain.site_model import Direction, Punch, Site

PARIS = Site(1, "Paris", "Europe/Paris", day_start_hour=4, expected_start=time(9, 0))
NIGHT = Site(2, "Depot", "America/New_York", day_start_hour=12)
IN, OUT = Direction.IN, Direction.OUT
NOTHING = EndOfDay()


def local(site: Site, *fields: int) -> datetime:
    year, month, day, hour, minute, *second = fields
    moment = datetime(year, month, day, hour, minute, second[0] if second else 0)
    return moment.replace(tzinfo=ZoneInfo(site.timezone))


def punch(site: Site, direction: Direction | None, *fields: int, who: str = "E1") -> Punch:
    return Punch(who, who.lower(), site, direction, local(site, *fields))


def days_and_totals(punches, first, last, rule=NOTHING):
    lines = list(hours(punches, first, last, rule))
    return (
        [x for x in lines if isinstance(x, WorkingDay)],
        [x for x in lines if isinstance(x, PersonTotal)],
    )


def test_a_day_with_lunch_counts_both_pairs():
    day = date(2026, 3, 2)
    days, totals = days_and_totals(
        [
            punch(PARIS, IN, 2026, 3, 2, 8, 55),
            punch(PARIS, OUT, 2026, 3, 2, 12, 0),
            punch(PARIS, IN, 2026, 3, 2, 13, 0),
            punch(PARIS, OUT, 2026, 3, 2, 17, 30),
        ],
        day,
        day,
    )
    (only,) = days
    assert only.worked == timedelta(hours=7, minutes=35)
    assert only.first_in == local(PARIS, 2026, 3, 2, 8, 55)
    assert only.last_out == local(PARIS, 2026, 3, 2, 17, 30)
    assert not only.open and only.late_minutes is None
    assert totals[0].days == 1 and totals[0].worked == only.worked


def test_a_night_shift_across_midnight_is_one_working_day():
    days, _ = days_and_totals(
        [punch(NIGHT, IN, 2026, 1, 5, 22, 0), punch(NIGHT, OUT, 2026, 1, 6, 6, 15)],
        date(2026, 1, 1),
        date(2026, 1, 31),
    )
    (shift,) = days
    assert shift.day == date(2026, 1, 5)
    assert shift.worked == timedelta(hours=8, minutes=15) and not shift.open


def test_the_day_start_hour_decides_where_an_early_check_in_belongs():
    # 03:00 in Paris, day start 04:00: the previous working day
    days, _ = days_and_totals(
        [punch(PARIS, IN, 2026, 3, 2, 20, 0), punch(PARIS, OUT, 2026, 3, 3, 3, 0)],
        date(2026, 3, 1),
        date(2026, 3, 5),
    )
    assert [(d.day, d.worked) for d in days] == [(date(2026, 3, 2), timedelta(hours=7))]


def test_a_forgotten_check_out_is_open_and_counts_nothing_by_default():
    days, totals = days_and_totals(
        [punch(PARIS, IN, 2026, 3, 2, 9, 0)], date(2026, 3, 2), date(2026, 3, 2)
    )
    assert days[0].open and days[0].worked == timedelta(0) and days[0].last_out is None
    assert totals[0].open_days == 1


def test_a_forgotten_check_out_closes_at_the_operators_hour_and_stays_flagged():
    rule = EndOfDay(OpenDayRule.CLOSE_AT, time(18, 0))
    days, _ = days_and_totals(
        [
            punch(PARIS, IN, 2026, 3, 2, 8, 0),
            punch(PARIS, OUT, 2026, 3, 2, 12, 0),
            punch(PARIS, IN, 2026, 3, 2, 14, 0),
        ],
        date(2026, 3, 2),
        date(2026, 3, 2),
        rule,
    )
    assert days[0].open and days[0].worked == timedelta(hours=8)


def test_closing_before_the_open_in_counts_no_negative_time():
    rule = EndOfDay(OpenDayRule.CLOSE_AT, time(18, 0))
    days, _ = days_and_totals(
        [punch(PARIS, IN, 2026, 3, 2, 19, 0)], date(2026, 3, 2), date(2026, 3, 2), rule
    )
    assert days[0].open and days[0].worked == timedelta(0)


def test_a_close_hour_before_the_day_start_is_the_next_morning():
    rule = EndOfDay(OpenDayRule.CLOSE_AT, time(6, 0))
    days, _ = days_and_totals(
        [punch(NIGHT, IN, 2026, 1, 5, 22, 0)], date(2026, 1, 5), date(2026, 1, 5), rule
    )
    assert days[0].open and days[0].worked == timedelta(hours=8)


def test_a_late_arrival_is_flagged_in_minutes_and_counted():
    days, totals = days_and_totals(
        [
            punch(PARIS, IN, 2026, 3, 2, 9, 17, 30),
            punch(PARIS, OUT, 2026, 3, 2, 17, 0),
            punch(PARIS, IN, 2026, 3, 3, 9, 0),
            punch(PARIS, OUT, 2026, 3, 3, 17, 0),
        ],
        date(2026, 3, 2),
        date(2026, 3, 3),
    )
    assert [d.late_minutes for d in days] == [17, None]
    assert totals[0].late_days == 1


def test_an_out_without_an_in_is_flagged_and_counts_nothing():
    days, _ = days_and_totals(
        [punch(PARIS, OUT, 2026, 3, 2, 17, 0)], date(2026, 3, 2), date(2026, 3, 2)
    )
    assert days[0].missing_in and days[0].worked == timedelta(0) and not days[0].open


def test_a_second_in_while_in_keeps_the_first():
    days, _ = days_and_totals(
        [
            punch(PARIS, IN, 2026, 3, 2, 9, 0),
            punch(PARIS, IN, 2026, 3, 2, 10, 0),
            punch(PARIS, OUT, 2026, 3, 2, 12, 0),
        ],
        date(2026, 3, 2),
        date(2026, 3, 2),
    )
    assert days[0].worked == timedelta(hours=3)


def test_rows_from_before_sites_alternate_in_and_out():
    days, _ = days_and_totals(
        [
            punch(PARIS, None, 2026, 3, 2, 9, 0),
            punch(PARIS, None, 2026, 3, 2, 12, 0),
            punch(PARIS, None, 2026, 3, 2, 13, 0),
        ],
        date(2026, 3, 2),
        date(2026, 3, 2),
    )
    assert days[0].worked == timedelta(hours=3) and days[0].open


def test_days_outside_the_range_are_left_out_and_each_person_gets_a_total():
    days, totals = days_and_totals(
        [
            punch(PARIS, IN, 2026, 3, 1, 9, 0, who="A"),
            punch(PARIS, OUT, 2026, 3, 1, 10, 0, who="A"),
            punch(PARIS, IN, 2026, 3, 2, 9, 0, who="A"),
            punch(PARIS, OUT, 2026, 3, 2, 10, 0, who="A"),
            punch(PARIS, IN, 2026, 3, 2, 9, 0, who="B"),
            punch(PARIS, OUT, 2026, 3, 2, 11, 0, who="B"),
        ],
        date(2026, 3, 2),
        date(2026, 3, 2),
    )
    assert [(d.employee_id, d.day) for d in days] == [
        ("A", date(2026, 3, 2)),
        ("B", date(2026, 3, 2)),
    ]
    assert [(t.employee_id, t.worked) for t in totals] == [
        ("A", timedelta(hours=1)),
        ("B", timedelta(hours=2)),
    ]


def test_a_week_across_the_spring_change_counts_real_hours():
    # Europe/Paris moves from 02:00 to 03:00 on Sunday 2026-03-29. A night worker
    # from 22:00 Saturday to 06:00 Sunday works 7 hours, not 8; day workers 8 each day.
    night = Site(3, "Paris nights", "Europe/Paris", day_start_hour=12)
    punches = []
    for d in range(23, 30):  # Mon 23 .. Sun 29
        punches += [punch(PARIS, IN, 2026, 3, d, 9, 0), punch(PARIS, OUT, 2026, 3, d, 17, 0)]
    for d in range(23, 30):
        punches += [
            punch(night, IN, 2026, 3, d, 22, 0, who="N"),
            punch(night, OUT, 2026, 3, d + 1, 6, 0, who="N"),
        ]
    days, totals = days_and_totals(punches, date(2026, 3, 23), date(2026, 3, 29))
    by_person = {t.employee_id: t for t in totals}
    assert by_person["E1"].worked == timedelta(hours=56) and by_person["E1"].days == 7
    saturday = next(d for d in days if d.employee_id == "N" and d.day == date(2026, 3, 28))
    assert saturday.worked == timedelta(hours=7)
    assert by_person["N"].worked == timedelta(hours=55)


def test_the_autumn_change_adds_an_hour_to_a_night_shift():
    night = Site(3, "Paris nights", "Europe/Paris", day_start_hour=12)
    days, _ = days_and_totals(
        [punch(night, IN, 2026, 10, 24, 22, 0), punch(night, OUT, 2026, 10, 25, 6, 0)],
        date(2026, 10, 24),
        date(2026, 10, 24),
    )
    assert days[0].worked == timedelta(hours=9)


def test_the_report_reads_its_input_as_a_stream():
    read: list[str] = []

    def punches():
        for who in ("A", "B"):
            read.append(who)
            yield punch(PARIS, IN, 2026, 3, 2, 9, 0, who=who)
            yield punch(PARIS, OUT, 2026, 3, 2, 10, 0, who=who)

    lines = hours(punches(), date(2026, 3, 2), date(2026, 3, 2), NOTHING)
    assert isinstance(next(lines), WorkingDay)
    assert isinstance(next(lines), PersonTotal) and read == ["A", "B"]  # B's first row read
    assert [type(x).__name__ for x in lines] == ["WorkingDay", "PersonTotal"]


def test_instants_in_utc_land_in_the_site_zone():
    p = Punch("E1", "e1", NIGHT, IN, datetime(2026, 1, 6, 3, 0, tzinfo=UTC))  # 22:00 NY
    days, _ = days_and_totals([p], date(2026, 1, 5), date(2026, 1, 5))
    assert days[0].day == date(2026, 1, 5)
