"""Administering sites and who may check in where."""

from backend.domain.audit import (
    EMPLOYEE_SITES_CHANGED,
    SITE_CHANGED,
    SITE_CREATED,
    SYSTEM,
    Actor,
)
from backend.domain.errors import EmployeeNotFound, SiteNotFound, ValidationFailed
from backend.domain.ports import AuditTrail, SiteStore
from backend.domain.site_model import Site
from backend.domain.sites import checked_site


class SiteAdmin:
    """Sites (name, time zone, working-day start, expected start) and each employee's
    allowed sites: all of them unless a list is set."""

    def __init__(self, *, store: SiteStore, audit: AuditTrail) -> None:
        self._store = store
        self._audit = audit

    def get(self, site_id: int) -> Site:
        site = self._store.get(site_id)
        if site is None:
            raise SiteNotFound(f"no site {site_id}", {"site_id": site_id})
        return site

    def create(
        self,
        name: str,
        timezone: str,
        day_start_hour: int = 0,
        expected_start: str | None = None,
        *,
        actor: Actor = SYSTEM,
    ) -> Site:
        """A new site, its fields checked."""
        site = self._store.create(*checked_site(name, timezone, day_start_hour, expected_start))
        self._audit.record(actor, SITE_CREATED, "site", str(site.site_id), _facts(site))
        return site

    def update(
        self,
        site_id: int,
        name: str,
        timezone: str,
        day_start_hour: int = 0,
        expected_start: str | None = None,
        *,
        actor: Actor = SYSTEM,
    ) -> Site:
        """Rename a site or change its zone, day start or expected start."""
        site = self._store.update(
            site_id, *checked_site(name, timezone, day_start_hour, expected_start)
        )
        if site is None:
            raise SiteNotFound(f"no site {site_id}", {"site_id": site_id})
        self._audit.record(actor, SITE_CHANGED, "site", str(site_id), _facts(site))
        return site

    def allowed_sites(self, employee_id: str) -> list[int] | None:
        """The employee's sites, None for all; EmployeeNotFound when there is none."""
        return self._store.allowed_sites(employee_id)

    def set_allowed_sites(
        self, employee_id: str, sites: list[int] | None, *, actor: Actor = SYSTEM
    ) -> list[int] | None:
        """Allow an employee at a list of sites, or at all of them (None)."""
        if sites is not None and not sites:
            raise ValidationFailed(
                "list at least one site, or null for all of them",
                {"fields": {"sites": "one site or more, or null"}},
            )
        if not self._store.set_allowed_sites(employee_id, sites):
            raise EmployeeNotFound(f"no employee {employee_id}", {"employee_id": employee_id})
        self._audit.record(actor, EMPLOYEE_SITES_CHANGED, "employee", employee_id, {"sites": sites})
        return self._store.allowed_sites(employee_id)

    def list(self) -> list[Site]:
        """Every site, the default first."""
        return self._store.list()


def _facts(site: Site) -> dict[str, object]:
    start = site.expected_start
    return {
        "name": site.name,
        "timezone": site.timezone,
        "day_start_hour": site.day_start_hour,
        "expected_start": None if start is None else start.strftime("%H:%M"),
    }
