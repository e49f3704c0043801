"""Sites and who may check in where, in PostgreSQL. An employee's sites are also copied
onto each of their vectors (every generation's table), where the scoped search reads them."""

from datetime import time
from typing import Any

from sqlalchemy import Connection, Engine, exc, text

from backend.domain.errors import SiteNameTaken, SiteNotFound
from backend.domain.model import Metric
from backend.domain.site_model import Site
from backend.infrastructure.database import transaction
from backend.infrastructure.pg_gallery import SITES_OF_EMPLOYEE, generation_tables, locked_state

SITE_COLUMNS = "id, name, timezone, day_start_hour, expected_start"


def site_of(row: Any, prefix: str = "") -> Site:
    """A Site from a row with SITE_COLUMNS (named with `prefix` when joined)."""
    return Site(
        getattr(row, f"{prefix}id"),
        getattr(row, f"{prefix}name"),
        getattr(row, f"{prefix}timezone"),
        getattr(row, f"{prefix}day_start_hour"),
        getattr(row, f"{prefix}expected_start"),
    )


class PgSites:
    """SiteStore on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, site_id: int) -> Site | None:
        with transaction(self._engine) as db:
            row = db.execute(
                text(f"SELECT {SITE_COLUMNS} FROM site WHERE id = :i"), {"i": site_id}
            ).first()
        return None if row is None else site_of(row)

    def create(
        self, name: str, timezone: str, day_start_hour: int, expected_start: time | None
    ) -> Site:
        try:
            with transaction(self._engine) as db:
                row = db.execute(
                    text(
                        "INSERT INTO site (name, timezone, day_start_hour, expected_start) "
                        f"VALUES (:n, :tz, :h, :e) RETURNING {SITE_COLUMNS}"
                    ),
                    {"n": name, "tz": timezone, "h": day_start_hour, "e": expected_start},
                ).one()
        except exc.IntegrityError as error:
            raise SiteNameTaken(f"a site named {name} already exists", {"name": name}) from error
        return site_of(row)

    def update(
        self,
        site_id: int,
        name: str,
        timezone: str,
        day_start_hour: int,
        expected_start: time | None,
    ) -> Site | None:
        try:
            with transaction(self._engine) as db:
                row = db.execute(
                    text(
                        "UPDATE site SET name = :n, timezone = :tz, day_start_hour = :h, "
                        f"expected_start = :e WHERE id = :i RETURNING {SITE_COLUMNS}"
                    ),
                    {
                        "i": site_id,
                        "n": name,
                        "tz": timezone,
                        "h": day_start_hour,
                        "e": expected_start,
                    },
                ).first()
        except exc.IntegrityError as error:
            raise SiteNameTaken(f"a site named {name} already exists", {"name": name}) from error
        return None if row is None else site_of(row)

    def allowed_sites(self, employee_id: str) -> list[int] | None:
        """The sites listed for the employee, or None when allowed at all of them."""
        with transaction(self._engine) as db:
            return read_allowed_sites(db, employee_id)

    def set_allowed_sites(self, employee_id: str, sites: list[int] | None) -> bool:
        """Allow the employee at these sites (None: all); False if there is no employee."""
        try:
            with transaction(self._engine) as db:
                return write_allowed_sites(db, employee_id, sites)
        except exc.IntegrityError as error:
            raise SiteNotFound("one of the sites does not exist", {"sites": sites}) from error

    def list(self) -> list[Site]:
        with transaction(self._engine) as db:
            rows = db.execute(text(f"SELECT {SITE_COLUMNS} FROM site ORDER BY id"))
            return [site_of(r) for r in rows]


def read_allowed_sites(db: Connection, employee_id: str) -> list[int] | None:
    """The employee's listed sites in the caller's transaction, None for all of them."""
    everywhere = db.execute(
        text("SELECT all_sites FROM employee WHERE id = :e"), {"e": employee_id}
    ).scalar()
    if everywhere is None or everywhere:
        return None
    return list(
        db.execute(
            text("SELECT site_id FROM employee_site WHERE employee_id = :e ORDER BY site_id"),
            {"e": employee_id},
        ).scalars()
    )


def write_allowed_sites(db: Connection, employee_id: str, sites: list[int] | None) -> bool:
    """Set the employee's sites in the caller's transaction (the site store's one write,
    also used by the directory's groups), each vector's `sites` copy with them; False if
    there is no employee."""
    # The row FOR SHARE: no generation switch while every table is updated.
    locked_state(db, Metric.COSINE)
    found = db.execute(
        text("UPDATE employee SET all_sites = :a WHERE id = :e"),
        {"e": employee_id, "a": sites is None},
    ).rowcount
    if not found:
        return False
    db.execute(text("DELETE FROM employee_site WHERE employee_id = :e"), {"e": employee_id})
    for site_id in sorted(set(sites or [])):
        db.execute(
            text("INSERT INTO employee_site (employee_id, site_id) VALUES (:e, :s)"),
            {"e": employee_id, "s": site_id},
        )
    for table in generation_tables(db).values():
        db.execute(
            text(f"UPDATE {table} SET sites = {SITES_OF_EMPLOYEE} WHERE employee_id = :e"),
            {"e": employee_id},
        )
    return True
