"""The sites' data: offices with their time zone and working day, kiosks' directions, and
the punches the hours report reads (docs/sites.md)."""

import enum
from dataclasses import dataclass
from datetime import datetime, time


class Direction(enum.StrEnum):
    """Which way a kiosk's check-ins go; "both" is a single door (see sites.direction_of)."""

    IN = "in"
    OUT = "out"
    BOTH = "both"


DEFAULT_SITE_ID = 1  # the site everything from before sites belongs to (migration 0014)


@dataclass(frozen=True)
class Site:
    """An office: its time zone, the local hour its working day starts (so that a night
    shift is one working day) and, optionally, when people are expected to arrive."""

    site_id: int
    name: str
    timezone: str = "UTC"
    day_start_hour: int = 0
    expected_start: time | None = None


DEFAULT_SITE = Site(DEFAULT_SITE_ID, "Main office")


@dataclass(frozen=True)
class Kiosk:
    """Where a check-in is made: the kiosk key's name, its site and its direction."""

    name: str
    site: Site = DEFAULT_SITE
    direction: Direction = Direction.BOTH


@dataclass(frozen=True)
class Punch:
    """One matched check-in, as the report reads it (ordered by employee, then time)."""

    employee_id: str
    employee_name: str
    site: Site
    direction: Direction | None  # None: a row from before sites (alternates in, out)
    at: datetime
