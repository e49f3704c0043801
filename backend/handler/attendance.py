"""The attendance API: check-ins as JSON or CSV, and each employee's day."""

from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from backend.domain.app import Services
from backend.domain.errors import ValidationFailed
from backend.domain.model import ApiKey, CheckinFilter
from backend.handler import answers
from backend.handler.auth import ADMIN
from backend.handler.context import services
from backend.handler.evidence import checkin_item
from backend.handler.openapi import API_ERRORS, ISO_DATE, ISO_MOMENT, employee_id_query, errors

router = APIRouter(prefix="/api/v1", responses=API_ERRORS)

CHECKINS_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "model": answers.CheckinPage,
        "description": "JSON page, or with format=csv every matching check-in as CSV",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/checkins",
    operation_id="listCheckins",
    tags=["attendance"],
    response_model=None,
    responses=CHECKINS_CONTENT,
)
async def list_checkins(
    start: str | None = Query(
        None, alias="from", pattern=ISO_MOMENT, description="ISO 8601 date or time"
    ),
    end: str | None = Query(
        None, alias="to", pattern=ISO_MOMENT, description="ISO 8601; a bare date is included"
    ),
    employee_id: str | None = employee_id_query(),
    matched: bool | None = Query(None, description="only matched (true) or unmatched (false)"),
    site_id: int | None = Query(None, ge=1, description="only check-ins at this site"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    format: Literal["json", "csv"] = Query(
        "json", description="csv: every matching check-in (no paging) as text/csv"
    ),
    _: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> dict[str, Any] | StreamingResponse:
    """Check-ins oldest first; `format=csv` streams all of them for payroll tools."""
    attendance = found.attendance
    where = CheckinFilter(
        attendance.moment(start, "from"),
        attendance.moment(end, "to", end_of_day=True),
        employee_id,
        matched,
        site_id,
    )
    if format == "csv":
        lines = attendance.csv_lines(where)
        first = await run_in_threadpool(next, lines)  # validation errors surface as JSON
        return StreamingResponse(
            _prepend(first, lines),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="checkins.csv"'},
        )
    page = await run_in_threadpool(attendance.page, where, limit, offset)
    return {
        "items": [checkin_item(row, attendance) for row in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
    }


def office_day(
    day: str | None = Query(
        None, alias="date", pattern=ISO_DATE, description="YYYY-MM-DD; default today"
    ),
    found: Services = Depends(services),
) -> date:
    """The `date` query parameter, or today in the office's time zone."""
    return day_or_today(day, found.attendance.timezone)


def day_or_today(day: str | None, timezone: str) -> date:
    """`day` as a date, or today in `timezone` (an office's or a site's)."""
    try:
        return date.fromisoformat(day) if day else datetime.now(ZoneInfo(timezone)).date()
    except ValueError as error:
        raise ValidationFailed(
            "date must be YYYY-MM-DD", {"fields": {"date": "YYYY-MM-DD"}}
        ) from error


@router.get(
    "/attendance/unknown",
    operation_id="unknownAttemptsByHour",
    tags=["attendance"],
    response_model=answers.UnknownAttempts,
)
async def unknown_attempts(
    _: ApiKey = Depends(ADMIN),
    when: date = Depends(office_day),
    found: Services = Depends(services),
) -> dict[str, Any]:
    """ "Not recognised" answers of the day per local hour (0-23), all kiosks together."""
    hours = await run_in_threadpool(found.attendance.unknown_by_hour, when)
    not_allowed = await run_in_threadpool(found.attendance.not_allowed_by_hour, when)
    return {
        "date": when.isoformat(),
        "timezone": found.attendance.timezone,
        "hours": hours,
        "not_allowed": not_allowed,
    }


@router.get(
    "/attendance/daily",
    operation_id="dailyAttendance",
    tags=["attendance"],
    response_model=answers.DailyAttendance,
    responses=errors(404),
)
async def daily(
    _: ApiKey = Depends(ADMIN),
    day: str | None = Query(
        None,
        alias="date",
        pattern=ISO_DATE,
        description="YYYY-MM-DD; default today (at the site, with site_id)",
    ),
    site_id: int | None = Query(None, ge=1, description="only check-ins at this site"),
    found: Services = Depends(services),
) -> dict[str, Any]:
    """Each employee's first and last check-in of the day, in the office's time zone (or,
    with `site_id`, at that site in its time zone)."""
    attendance = found.attendance
    site = None if site_id is None else await run_in_threadpool(found.sites.get, site_id)
    when = day_or_today(day, attendance.timezone if site is None else site.timezone)
    rows = await run_in_threadpool(attendance.daily, when, site)
    return {
        "date": when.isoformat(),
        "timezone": attendance.timezone if site is None else site.timezone,
        "employees": [
            {
                "employee_id": r.employee_id,
                "employee_name": r.employee_name,
                "first_checkin": r.first_checkin.isoformat(),
                "last_checkin": r.last_checkin.isoformat(),
                "checkins": r.checkins,
            }
            for r in rows
        ],
    }


def _prepend(first: str, rest: Any) -> Any:
    yield first
    yield from rest
