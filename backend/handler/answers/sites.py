"""Answers about sites, who may check in where, and the hours report."""

from pydantic import BaseModel, Field

from backend.handler.answers.base import examples


class SiteAnswer(BaseModel):
    """An office: its time zone, the hour its working day starts, when people are due."""

    model_config = examples(
        {
            "site_id": 2,
            "name": "Tokyo",
            "timezone": "Asia/Tokyo",
            "day_start_hour": 4,
            "expected_start": "09:00",
        }
    )
    site_id: int
    name: str
    timezone: str = Field(description="IANA time zone: working days and times are in it")
    day_start_hour: int = Field(
        description="local hour a working day starts (a night shift is one working day)"
    )
    expected_start: str | None = Field(description="HH:MM: a first check-in after it is late")


class SiteList(BaseModel):
    items: list[SiteAnswer]


class AllowedSites(BaseModel):
    """Where an employee may check in: every site (sites null) or the listed ones."""

    model_config = examples({"employee_id": "E042", "all_sites": False, "sites": [1, 2]})
    employee_id: str
    all_sites: bool
    sites: list[int] | None = Field(description="null: every site")


class WorkingDayHours(BaseModel):
    """One person's working day at the sites: times are in the site's zone."""

    working_day: str = Field(description="YYYY-MM-DD, the site's working day")
    site: str
    first_in: str | None
    last_out: str | None
    worked_minutes: int = Field(description="time on site from in/out pairs")
    open: bool = Field(description="the last check-in of the day was an in")
    missing_in: bool = Field(description="the day began with an out")
    late_minutes: int | None = Field(description="after the site's expected start")


class PeriodTotal(BaseModel):
    site: str = Field(description="the sites worked at, ';'-separated")
    worked_minutes: int
    days: int
    open_days: int
    late_days: int


class PersonHours(BaseModel):
    employee_id: str
    employee_name: str
    days: list[WorkingDayHours]
    total: PeriodTotal


class HoursReport(BaseModel):
    """Hours per person and working day over a period (hoursReport), streamed."""

    model_config = examples(
        {
            "from": "2026-11-02",
            "to": "2026-11-06",
            "site_id": None,
            "people": [
                {
                    "employee_id": "E042",
                    "employee_name": "Ada Lovelace",
                    "days": [
                        {
                            "working_day": "2026-11-02",
                            "site": "Main office",
                            "first_in": "2026-11-02T08:57:12+01:00",
                            "last_out": "2026-11-02T17:31:40+01:00",
                            "worked_minutes": 514,
                            "open": False,
                            "missing_in": False,
                            "late_minutes": None,
                        }
                    ],
                    "total": {
                        "site": "Main office",
                        "worked_minutes": 514,
                        "days": 1,
                        "open_days": 0,
                        "late_days": 0,
                    },
                }
            ],
        }
    )
    from_: str = Field(alias="from", description="first working day")
    to: str = Field(description="last working day, included")
    site_id: int | None
    people: list[PersonHours]
