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
