"""Sites: working days in a site's time zone, the "both" kiosk's rule, and what a site
may be made of."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend.domain.errors import ValidationFailed
from backend.domain.model import Checkin
from backend.domain.site_model import Direction, Kiosk, Site


def zone(site: Site) -> ZoneInfo:
    """The site's time zone (checked when the site was made)."""
    return ZoneInfo(site.timezone)


def working_day(moment: datetime, site: Site) -> date:
    """The working day an instant belongs to: its local date, counted from the site's
    day-start hour (with 04:00, a check-in at 02:00 belongs to the day before)."""
    local = moment.astimezone(zone(site))
    return (local - timedelta(hours=site.day_start_hour)).date()


def day_start(day: date, site: Site) -> datetime:
    """The instant a working day starts."""
    return at_local(day, time(site.day_start_hour), site)


def at_local(day: date, clock: time, site: Site) -> datetime:
    """The instant a wall-clock time happens within a working day: a time before the
    day-start hour is on the next calendar date (a night shift's morning)."""
    calendar = day + timedelta(days=1) if clock.hour < site.day_start_hour else day
    # zoneinfo folds a repeated hour to its first occurrence and moves a skipped one on.
    local = datetime.combine(calendar, clock, tzinfo=zone(site))
    return local.astimezone(ZoneInfo("UTC")).astimezone(zone(site))


def direction_of(kiosk: Kiosk, last: Checkin | None, now: datetime) -> Direction:
    """The direction of a new matched check-in at `kiosk`, after the person's `last`.

    An "in" or "out" kiosk says so. At a "both" kiosk (a single door) the first check-in
    of a working day is "in", and each next one flips: after an "in" of the same working
    day comes an "out", after an "out" an "in" (out for lunch and back)."""
    if kiosk.direction is not Direction.BOTH:
        return kiosk.direction
    if last is None or last.direction is not Direction.IN:
        return Direction.IN
    if working_day(last.created_at, kiosk.site) != working_day(now, kiosk.site):
        return Direction.IN  # yesterday's forgotten check-out does not make today's "out"
    return Direction.OUT


def checked_site(
    name: str, timezone: str, day_start_hour: int, expected_start: str | None
) -> tuple[str, str, int, time | None]:
    """A site's fields as given, checked: a name, an IANA zone, an hour 0-23, HH:MM."""
    fields: dict[str, str] = {}
    name = (name or "").strip()
    if not 1 <= len(name) <= 100 or not name.isprintable():
        fields["name"] = "1 to 100 printable characters"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        fields["timezone"] = "an IANA time zone such as Europe/Paris"
    if not 0 <= day_start_hour <= 23:
        fields["day_start_hour"] = "an hour from 0 to 23"
    start = None
    if expected_start:
        try:
            start = time.fromisoformat(expected_start)
        except ValueError:
            fields["expected_start"] = "a local time such as 09:00"
    if fields:
        raise ValidationFailed("the site is not valid", {"fields": fields})
    return name, timezone, day_start_hour, start
