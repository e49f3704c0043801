"""Hours worked: per person and working day, the first "in", the last "out" and the time
on site from in/out pairs; "open" when an "out" is missing (with the operator's end-of-day
rule), late against the site's expected start; totals per person. Read as a stream."""

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from backend.domain.site_model import Direction, Punch, Site
from backend.domain.sites import at_local, working_day


class OpenDayRule(enum.StrEnum):
    """What a working day whose last "in" has no "out" counts for that stretch."""

    COUNT_NOTHING = "count_nothing"
    CLOSE_AT = "close_at"  # closed at a fixed local hour of the working day


@dataclass(frozen=True)
class EndOfDay:
    rule: OpenDayRule = OpenDayRule.COUNT_NOTHING
    close_at: time | None = None  # with CLOSE_AT


@dataclass
class WorkingDay:
    """One person's working day. `open`: an "in" had no "out" (flagged whatever the
    end-of-day rule counted); `missing_in`: an "out" came with no "in" before it."""

    employee_id: str
    employee_name: str
    day: date
    site: Site
    first_in: datetime | None = None
    last_out: datetime | None = None
    worked: timedelta = timedelta(0)
    open: bool = False
    missing_in: bool = False
    late_minutes: int | None = None  # None: not late (or no expected start)


@dataclass
class PersonTotal:
    employee_id: str
    employee_name: str
    days: int = 0
    worked: timedelta = timedelta(0)
    open_days: int = 0
    late_days: int = 0
    sites: set[str] = field(default_factory=set)


def hours(
    punches: Iterable[Punch], first: date, last: date, end_of_day: EndOfDay
) -> Iterator[WorkingDay | PersonTotal]:
    """Each working day from `first` to `last` (inclusive) that has check-ins, in order,
    and after a person's days their total. Holds one person's day at a time."""
    day_punches: list[Punch] = []
    total: PersonTotal | None = None
    for punch in punches:
        day = working_day(punch.at, punch.site)
        if not first <= day <= last:
            continue
        if day_punches and (
            punch.employee_id != day_punches[0].employee_id
            or day != working_day(day_punches[0].at, day_punches[0].site)
        ):
            done = settle(day_punches, end_of_day)
            total = _add(total, done)
            yield done
            day_punches = []
            if punch.employee_id != done.employee_id:
                yield total
                total = None
        day_punches.append(punch)
    if day_punches:
        done = settle(day_punches, end_of_day)
        yield done
        yield _add(total, done)


def settle(punches: list[Punch], end_of_day: EndOfDay) -> WorkingDay:
    """One person's working day from its check-ins (same person, same working day)."""
    head = punches[0]
    site = head.site  # the day's site is where it started: its zone, its expected start
    result = WorkingDay(head.employee_id, head.employee_name, working_day(head.at, site), site)
    since: datetime | None = None
    for punch in punches:
        direction = punch.direction or (Direction.IN if since is None else Direction.OUT)
        if direction is Direction.IN:
            result.first_in = result.first_in or punch.at
            since = since or punch.at  # a second "in" while in changes nothing
        elif since is not None:
            result.worked += elapsed(since, punch.at)
            result.last_out, since = punch.at, None
        else:
            result.last_out, result.missing_in = punch.at, True
    if since is not None:
        result.open = True
        if end_of_day.rule is OpenDayRule.CLOSE_AT and end_of_day.close_at is not None:
            closed = at_local(result.day, end_of_day.close_at, site)
            result.worked += max(elapsed(since, closed), timedelta(0))
    if result.first_in is not None and site.expected_start is not None:
        late = elapsed(at_local(result.day, site.expected_start, site), result.first_in)
        if late > timedelta(0):
            result.late_minutes = int(late.total_seconds() // 60)
    return result


def elapsed(start: datetime, end: datetime) -> timedelta:
    """Real time between two instants. Python subtracts two datetimes of the same zone as
    wall clocks (an hour wrong across a DST change), so both go to UTC first."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def _add(total: PersonTotal | None, day: WorkingDay) -> PersonTotal:
    total = total or PersonTotal(day.employee_id, day.employee_name)
    total.days += 1
    total.worked += day.worked
    total.open_days += day.open
    total.late_days += day.late_minutes is not None
    total.sites.add(day.site.name)
    return total
