"""The period report of hours worked, per person per working day and totals per person,
as CSV or JSON text produced while the check-ins are read (never the period held whole)."""

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from backend.domain.errors import ValidationFailed
from backend.domain.hours import EndOfDay, OpenDayRule, PersonTotal, WorkingDay, hours
from backend.domain.ports import PunchLog
from backend.domain.sites import zone

# The longest period one report covers: a year and a leap day.
MAX_DAYS = 366
# Check-ins read around the period: a working day may start up to a day before its date in
# UTC terms (zones from -12 to +14, day start up to 23:00).
MARGIN = timedelta(days=2)
DAY_FIELDS = [
    "kind",
    "employee_id",
    "employee_name",
    "working_day",
    "site",
    "first_in",
    "last_out",
    "worked_minutes",
    "open",
    "missing_in",
    "late_minutes",
    "days",
    "open_days",
    "late_days",
]


def end_of_day_rule(close_at: str) -> EndOfDay:
    """The operator's rule from its setting: empty counts nothing, "HH:MM" closes there."""
    if not close_at:
        return EndOfDay()
    return EndOfDay(OpenDayRule.CLOSE_AT, time.fromisoformat(close_at))


class HoursReport:
    """Hours worked over any range of working days, at one site or all of them, each day
    in the zone of the site it started at."""

    def __init__(self, *, punches: PunchLog, end_of_day: EndOfDay) -> None:
        self._punches = punches
        self.end_of_day = end_of_day

    def period(self, first: str, last: str) -> tuple[date, date]:
        """The range asked for, checked: ISO dates, first <= last, at most MAX_DAYS."""
        try:
            start, end = date.fromisoformat(first), date.fromisoformat(last)
        except (TypeError, ValueError) as error:
            raise ValidationFailed(
                "'from' and 'to' are ISO dates such as 2026-11-02",
                {"fields": {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}},
            ) from error
        if end < start or (end - start).days >= MAX_DAYS:
            raise ValidationFailed(
                f"'to' must be on or after 'from', at most {MAX_DAYS} days on",
                {"fields": {"to": f"from 'from' to {MAX_DAYS} days after it"}},
            )
        return start, end

    def lines(
        self, first: date, last: date, site_id: int | None
    ) -> Iterator[WorkingDay | PersonTotal]:
        """Each person's working days in order, each followed by the person's total."""
        start = datetime(first.year, first.month, first.day, tzinfo=UTC) - MARGIN
        end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1) + MARGIN
        return hours(self._punches.punches(start, end, site_id), first, last, self.end_of_day)

    def csv(self, first: date, last: date, site_id: int | None) -> Iterator[str]:
        """A header, then per person a "day" line per working day and a "total" line."""
        yield _csv_line(DAY_FIELDS)
        for line in self.lines(first, last, site_id):
            fields = day_fields(line) if isinstance(line, WorkingDay) else total_fields(line)
            yield _csv_line([_cell(fields.get(f)) for f in DAY_FIELDS])

    def json(self, first: date, last: date, site_id: int | None) -> Iterator[str]:
        """{"from", "to", "site_id", "people": [{..., "days": [...], "total": {...}}]},
        written one person at a time."""
        head = {"from": first.isoformat(), "to": last.isoformat(), "site_id": site_id}
        yield json.dumps(head)[:-1] + ', "people": ['
        days: list[dict[str, Any]] = []
        people = 0
        for line in self.lines(first, last, site_id):
            if isinstance(line, WorkingDay):
                days.append(_without_kind(day_fields(line)))
                continue
            total = _without_kind(total_fields(line))
            person = {
                "employee_id": total.pop("employee_id"),
                "employee_name": total.pop("employee_name"),
                "days": [_without_person(d) for d in days],
                "total": total,
            }
            yield ("," if people else "") + json.dumps(person)
            days, people = [], people + 1
        yield "]}"


def day_fields(day: WorkingDay) -> dict[str, Any]:
    """One working day's fields, times in its site's zone."""
    return {
        "kind": "day",
        "employee_id": day.employee_id,
        "employee_name": day.employee_name,
        "working_day": day.day.isoformat(),
        "site": day.site.name,
        "first_in": _local(day.first_in, day),
        "last_out": _local(day.last_out, day),
        "worked_minutes": _minutes(day.worked),
        "open": day.open,
        "missing_in": day.missing_in,
        "late_minutes": day.late_minutes,
    }


def total_fields(total: PersonTotal) -> dict[str, Any]:
    """One person's totals over the period."""
    return {
        "kind": "total",
        "employee_id": total.employee_id,
        "employee_name": total.employee_name,
        "site": ";".join(sorted(total.sites)),
        "worked_minutes": _minutes(total.worked),
        "days": total.days,
        "open_days": total.open_days,
        "late_days": total.late_days,
    }


def _local(moment: datetime | None, day: WorkingDay) -> str | None:
    return None if moment is None else moment.astimezone(zone(day.site)).isoformat()


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # as the check-in export writes them
    return "" if value is None else str(value)


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def _without_kind(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k != "kind"}


def _without_person(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in ("employee_id", "employee_name")}


def _csv_line(fields: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)
    return out.getvalue()
