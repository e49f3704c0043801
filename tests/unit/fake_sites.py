"""Fakes of the site store and of the punches the hours report reads."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, time

from backend.domain.errors import SiteNameTaken, SiteNotFound
from backend.domain.site_model import DEFAULT_SITE, Punch, Site
from tests.unit.fake_records import FakeCheckinLog
from tests.unit.fakes import FakeFaceRepository


class FakeSiteStore:
    """Sites in a dict; an employee's allowed sites go to the face fake, where the scoped
    search reads them (as PostgreSQL copies them onto the vectors)."""

    def __init__(self, faces: FakeFaceRepository) -> None:
        self.sites: dict[int, Site] = {DEFAULT_SITE.site_id: DEFAULT_SITE}
        self._faces = faces

    def get(self, site_id: int) -> Site | None:
        return self.sites.get(site_id)

    def create(
        self, name: str, timezone: str, day_start_hour: int, expected_start: time | None
    ) -> Site:
        if any(s.name == name for s in self.sites.values()):
            raise SiteNameTaken(f"a site named {name} already exists", {"name": name})
        site = Site(max(self.sites) + 1, name, timezone, day_start_hour, expected_start)
        self.sites[site.site_id] = site
        return site

    def update(
        self,
        site_id: int,
        name: str,
        timezone: str,
        day_start_hour: int,
        expected_start: time | None,
    ) -> Site | None:
        if site_id not in self.sites:
            return None
        if any(s.name == name and s.site_id != site_id for s in self.sites.values()):
            raise SiteNameTaken(f"a site named {name} already exists", {"name": name})
        self.sites[site_id] = replace(
            self.sites[site_id],
            name=name,
            timezone=timezone,
            day_start_hour=day_start_hour,
            expected_start=expected_start,
        )
        return self.sites[site_id]

    def allowed_sites(self, employee_id: str) -> list[int] | None:
        found = self._faces.allowed_sites.get(employee_id)
        return None if found is None else sorted(found)

    def set_allowed_sites(self, employee_id: str, sites: list[int] | None) -> bool:
        if employee_id not in self._faces.employees:
            return False
        if sites is not None and any(s not in self.sites for s in sites):
            raise SiteNotFound("one of the sites does not exist", {"sites": sites})
        if sites is None:
            self._faces.allowed_sites.pop(employee_id, None)
        else:
            self._faces.allowed_sites[employee_id] = set(sites)
        return True

    def list(self) -> list[Site]:
        return [self.sites[i] for i in sorted(self.sites)]


class FakePunchLog:
    """The matched rows of the check-in log fake, as punches."""

    def __init__(self, log: FakeCheckinLog, sites: FakeSiteStore) -> None:
        self._log = log
        self._sites = sites

    def punches(self, start: datetime, end: datetime, site_id: int | None) -> Iterator[Punch]:
        rows = [
            c
            for c in self._log.rows
            if c.matched
            and c.employee_id
            and start <= c.created_at < end
            and (site_id is None or c.site_id == site_id)
        ]
        for c in sorted(rows, key=lambda c: (c.employee_id or "", c.created_at, c.checkin_id)):
            name = self._log.names[c.employee_id].name if c.employee_id in self._log.names else ""
            yield Punch(
                c.employee_id or "", name, self._sites.sites[c.site_id], c.direction, c.created_at
            )
