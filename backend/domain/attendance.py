"""Reading the attendance record: filtered lists, exports and the daily view."""

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend.domain.errors import ValidationFailed
from backend.domain.model import CheckinFilter, CheckinRow, DailyAttendance, Page
from backend.domain.ports import AttendanceRecords
from backend.domain.site_model import Site

CSV_HEADER = [
    "checkin_id",
    "checked_in_at",
    "employee_id",
    "employee_name",
    "matched",
    "distance",
    "api_key_name",
    "disputed",
    "dispute_reason",
    "method",  # last: tools that read the earlier columns by position still do
]


class Attendance:
    """Check-ins for payroll: times are shown in the office's time zone."""

    def __init__(self, *, checkins: AttendanceRecords, timezone: str) -> None:
        try:
            self._zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {timezone!r}") from error
        self.timezone = timezone
        self._checkins = checkins

    def moment(self, text: str | None, field: str, end_of_day: bool = False) -> datetime | None:
        """An ISO 8601 date or time; without a zone it is the office's local time. A bare
        date means the start of that day, or with end_of_day the start of the next (so
        `to=2026-11-30` includes the 30th)."""
        if not text:
            return None
        try:
            if len(text) == 10:
                day = date.fromisoformat(text)
                start = datetime(day.year, day.month, day.day, tzinfo=self._zone)
                return start + timedelta(days=1) if end_of_day else start
            moment = datetime.fromisoformat(text)
        except ValueError as error:
            raise ValidationFailed(
                f"'{field}' is not an ISO 8601 date or time",
                {"fields": {field: "e.g. 2026-11-22 or 2026-11-22T09:00:00+01:00"}},
            ) from error
        return moment if moment.tzinfo else moment.replace(tzinfo=self._zone)

    def page(self, where: CheckinFilter, limit: int, offset: int) -> Page:
        _check_window(where)
        return self._checkins.query(where, limit, offset)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self._zone)

    def csv_lines(self, where: CheckinFilter) -> Iterator[str]:
        """The export as CSV text, a header then one line per check-in, oldest first."""
        _check_window(where)
        yield _csv_line(CSV_HEADER)
        for row in self._checkins.stream(where):
            yield _csv_line(self.csv_fields(row))

    def csv_fields(self, row: CheckinRow) -> list[str]:
        c = row.checkin
        return [
            str(c.checkin_id),
            self.local(c.created_at).isoformat(),
            c.employee_id or "",
            row.employee_name or "",
            "true" if c.matched else "false",
            "" if c.distance is None else f"{c.distance:.4f}",
            c.api_key_name,
            # Never an image: a dispute is flagged, the snapshot stays behind the API.
            "true" if c.dispute else "false",
            c.dispute.reason if c.dispute else "",
            c.method,
        ]

    def daily(self, day: date, site: Site | None = None) -> list[DailyAttendance]:
        """Each employee's first and last check-in of a local day: at one site, in its time
        zone, or everywhere in the installation's."""
        timezone = self.timezone if site is None else site.timezone
        zone = ZoneInfo(timezone)
        return [
            DailyAttendance(
                d.employee_id,
                d.employee_name,
                d.first_checkin.astimezone(zone),
                d.last_checkin.astimezone(zone),
                d.checkins,
            )
            for d in self._checkins.daily(day, timezone, None if site is None else site.site_id)
        ]

    def unknown_by_hour(self, day: date) -> list[int]:
        """Unmatched attempts of that day in each local hour, 24 numbers."""
        counts = self._checkins.unknown_by_hour(day, self.timezone)
        return [counts.get(hour, 0) for hour in range(24)]

    def not_allowed_by_hour(self, day: date) -> list[int]:
        """Of those, faces of people known at another site but not allowed at the kiosk's."""
        counts = self._checkins.not_allowed_by_hour(day, self.timezone)
        return [counts.get(hour, 0) for hour in range(24)]


def _check_window(where: CheckinFilter) -> None:
    if where.start and where.end and where.start >= where.end:
        raise ValidationFailed("'from' must be before 'to'", {"fields": {"from": "after 'to'"}})


def _csv_line(fields: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)
    return out.getvalue()
