"""Matched check-ins as the hours report reads them: streamed through a server-side cursor,
ordered by employee then time, each with its site."""

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Engine, text

from backend.domain.site_model import Direction, Punch, Site
from backend.infrastructure.database import translated_errors
from backend.infrastructure.pg_sites import site_of

# Rows fetched from the cursor at a time: a year of a 2,000-person company never sits in
# memory whole.
BATCH = 2000


class PgPunchLog:
    """PunchLog on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def punches(self, start: datetime, end: datetime, site_id: int | None) -> Iterator[Punch]:
        at_site = "" if site_id is None else "AND c.site_id = :site "
        sql = (
            "SELECT c.employee_id, e.name AS employee_name, c.direction, c.created_at, "
            "s.id AS site_id, s.name AS site_name, s.timezone AS site_timezone, "
            "s.day_start_hour AS site_day_start_hour, s.expected_start AS site_expected_start "
            "FROM checkin c JOIN employee e ON e.id = c.employee_id "
            "JOIN site s ON s.id = c.site_id "
            f"WHERE c.matched AND c.created_at >= :start AND c.created_at < :end {at_site}"
            "ORDER BY c.employee_id, c.created_at, c.id"
        )
        sites: dict[int, Site] = {}  # a few sites, each built once for the whole stream
        with translated_errors(), self._engine.connect() as db:
            result = db.execution_options(yield_per=BATCH).execute(
                text(sql), {"start": start, "end": end, "site": site_id}
            )
            for row in result:
                site = sites.get(row.site_id) or sites.setdefault(
                    row.site_id, site_of(row, "site_")
                )
                yield Punch(
                    row.employee_id,
                    row.employee_name,
                    site,
                    None if row.direction is None else Direction(row.direction),
                    row.created_at,
                )
