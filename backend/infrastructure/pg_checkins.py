"""The check-in log in PostgreSQL, read: a row per matched check-in (repeats folded), a
counter per hour and kiosk for unmatched attempts."""

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import Engine, text

from backend.domain.model import (
    Checkin,
    CheckinFilter,
    CheckinMethod,
    CheckinRow,
    DailyAttendance,
    Dispute,
    Page,
)
from backend.domain.site_model import Direction
from backend.infrastructure.database import transaction, translated_errors

STREAM_BATCH = 1000

FILTER_CLAUSES = {
    "start": "c.created_at >= :start",
    "end": "c.created_at < :end",
    "employee_id": "c.employee_id = :employee_id",
    "matched": "c.matched = :matched",
    "site_id": "c.site_id = :site_id",
}


class PgCheckinLog:
    """CheckinLog on PostgreSQL: the attendance record as it is read and disputed
    (check-ins are written by the unit of work: pg_writes)."""

    SELECT = (
        "SELECT c.id, c.employee_id, c.matched, c.distance, c.api_key_name, c.created_at, "
        "c.snapshot_key, c.face_id, c.dispute_reason, c.disputed_by, c.disputed_at, c.method, "
        "c.site_id, c.direction, "
        "e.name AS employee_name FROM checkin c LEFT JOIN employee e ON e.id = c.employee_id"
    )

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, checkin_id: int) -> CheckinRow | None:
        with transaction(self._engine) as db:
            row = db.execute(text(f"{self.SELECT} WHERE c.id = :id"), {"id": checkin_id}).first()
        return None if row is None else _row(row)

    def set_dispute(self, checkin_id: int, dispute: Dispute | None) -> CheckinRow | None:
        with transaction(self._engine) as db:
            updated = db.execute(
                text(
                    "UPDATE checkin SET dispute_reason = :r, disputed_by = :b, disputed_at = :t "
                    "WHERE id = :id"
                ),
                {
                    "id": checkin_id,
                    "r": dispute.reason if dispute else None,
                    "b": dispute.disputed_by if dispute else None,
                    "t": dispute.disputed_at if dispute else None,
                },
            ).rowcount
        return self.get(checkin_id) if updated else None

    def unknown_by_hour(self, day: date, timezone: str) -> dict[int, int]:
        return self._attempts_by_hour(day, timezone, "count")

    def not_allowed_by_hour(self, day: date, timezone: str) -> dict[int, int]:
        return self._attempts_by_hour(day, timezone, "not_allowed")

    def _attempts_by_hour(self, day: date, timezone: str, column: str) -> dict[int, int]:
        with transaction(self._engine) as db:
            rows = db.execute(
                text(
                    "SELECT extract(hour FROM hour AT TIME ZONE :tz)::int AS h, "
                    f"sum({column})::int AS n FROM unknown_attempt "
                    "WHERE hour >= (CAST(:day AS date)::timestamp AT TIME ZONE :tz) "
                    "AND hour < ((CAST(:day AS date) + 1)::timestamp AT TIME ZONE :tz) "
                    "GROUP BY 1 ORDER BY 1"
                ),
                {"day": day, "tz": timezone},
            )
            return {r.h: r.n for r in rows}

    @staticmethod
    def _where(where: CheckinFilter) -> tuple[str, dict[str, Any]]:
        params = {
            name: value
            for name, value in (
                ("start", where.start),
                ("end", where.end),
                ("employee_id", where.employee_id),
                ("matched", where.matched),
                ("site_id", where.site_id),
            )
            if value is not None
        }
        clauses = [FILTER_CLAUSES[name] for name in params]
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def query(self, where: CheckinFilter, limit: int, offset: int) -> Page:
        condition, params = self._where(where)
        with transaction(self._engine) as db:
            total = db.execute(
                text(f"SELECT count(*) FROM checkin c{condition}"), params
            ).scalar_one()
            rows = db.execute(
                text(f"{self.SELECT}{condition} ORDER BY c.created_at, c.id LIMIT :l OFFSET :o"),
                {**params, "l": limit, "o": offset},
            )
            items = [_row(r) for r in rows]
        return Page(items, total, limit, offset)

    def stream(self, where: CheckinFilter) -> Iterator[CheckinRow]:
        condition, params = self._where(where)
        # A server-side cursor read STREAM_BATCH rows at a time: an export of any length
        # holds one batch (tests/integration/test_pg_export.py watches the FETCHes).
        with translated_errors(), self._engine.connect() as db:
            result = db.execution_options(stream_results=True).execute(
                text(f"{self.SELECT}{condition} ORDER BY c.created_at, c.id"), params
            )
            for row in result.yield_per(STREAM_BATCH):
                yield _row(row)

    def daily(self, day: date, timezone: str, site_id: int | None = None) -> list[DailyAttendance]:
        at_site = "" if site_id is None else "AND c.site_id = :site "
        with transaction(self._engine) as db:
            rows = db.execute(
                text(
                    "SELECT c.employee_id, e.name, min(c.created_at) AS first, "
                    "max(c.created_at) AS last, count(*) AS n "
                    "FROM checkin c JOIN employee e ON e.id = c.employee_id "
                    # the day's local midnights, as instants
                    "WHERE c.matched "
                    "AND c.created_at >= (CAST(:day AS date)::timestamp AT TIME ZONE :tz) "
                    "AND c.created_at < ((CAST(:day AS date) + 1)::timestamp AT TIME ZONE :tz) "
                    f"{at_site}GROUP BY c.employee_id, e.name ORDER BY c.employee_id"
                ),
                {"day": day, "tz": timezone, "site": site_id},
            )
            return [DailyAttendance(r.employee_id, r.name, r.first, r.last, r.n) for r in rows]


def _row(row: Any) -> CheckinRow:
    dispute = (
        None
        if row.disputed_at is None
        else Dispute(row.dispute_reason, row.disputed_by, row.disputed_at)
    )
    checkin = Checkin(
        row.id,
        row.employee_id,
        row.matched,
        row.distance,
        row.api_key_name,
        row.created_at,
        row.snapshot_key,
        row.face_id,
        dispute,
        CheckinMethod(row.method),
        row.site_id,
        None if row.direction is None else Direction(row.direction),
    )
    return CheckinRow(checkin, row.employee_name)
