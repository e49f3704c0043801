"""The directory's people in PostgreSQL: a scim_user row beside the employee it is."""

from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, exc, text
from sqlalchemy.dialects.postgresql import JSONB

from backend.domain.directory_model import DirectoryEmail, DirectoryPerson
from backend.domain.errors import UserNameTaken
from backend.infrastructure.database import transaction

LIVE = "s.deprovisioned_at IS NULL"
COLUMNS = (
    "s.employee_id, s.user_name, s.external_id, s.display_name, s.given_name, s.family_name, "
    "s.emails, s.employee_number, s.active, e.left_on, s.version, s.created_at, s.updated_at, "
    "e.name, e.department"
)
FROM = "FROM scim_user s JOIN employee e ON e.id = s.employee_id"


class PgDirectory:
    """DirectoryStore and Departures on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def today(self) -> date:
        with transaction(self._engine) as db:
            day: date = db.execute(text("SELECT current_date")).scalar_one()
        return day

    def get(self, employee_id: str) -> DirectoryPerson | None:
        with transaction(self._engine) as db:
            row = db.execute(
                text(f"SELECT {COLUMNS} {FROM} WHERE s.employee_id = :id AND {LIVE}"),
                {"id": employee_id},
            ).first()
        return None if row is None else _person(row)

    def holder_of(self, user_name: str) -> str | None:
        with transaction(self._engine) as db:
            holder: str | None = db.execute(
                text(
                    f"SELECT s.employee_id {FROM} WHERE lower(s.user_name) = lower(:u) AND {LIVE}"
                ),
                {"u": user_name},
            ).scalar()
        return holder

    def find(
        self, user_name: str | None, external_id: str | None, start: int, count: int
    ) -> tuple[list[DirectoryPerson], int]:
        where = [LIVE]
        if user_name is not None:
            where.append("lower(s.user_name) = lower(:u)")
        if external_id is not None:
            where.append("s.external_id = :x")
        condition = " AND ".join(where)
        values = {"u": user_name, "x": external_id, "o": start, "l": count}
        with transaction(self._engine) as db:
            total = db.execute(
                text(f"SELECT count(*) {FROM} WHERE {condition}"), values
            ).scalar_one()
            rows = db.execute(
                text(
                    f"SELECT {COLUMNS} {FROM} WHERE {condition} "
                    "ORDER BY s.employee_id LIMIT :l OFFSET :o"
                ),
                values,
            )
            return [_person(r) for r in rows], total

    def is_linked(self, employee_id: str) -> bool:
        with transaction(self._engine) as db:
            return bool(
                db.execute(
                    text(f"SELECT 1 FROM scim_user s WHERE s.employee_id = :id AND {LIVE}"),
                    {"id": employee_id},
                ).first()
            )

    def save(self, person: DirectoryPerson) -> DirectoryPerson:
        values = _values(person)
        try:
            with transaction(self._engine) as db:
                db.execute(
                    text(
                        "INSERT INTO employee (id, name, email, department) "
                        "VALUES (:id, :name, :email, :department) ON CONFLICT (id) DO UPDATE "
                        "SET name = :name, email = :email, department = :department"
                    ),
                    values,
                )
                db.execute(_UPSERT.bindparams(bindparam("emails", type_=JSONB)), values)
                return _read(db, person.employee_id)
        except exc.IntegrityError as error:
            raise UserNameTaken(
                f"userName {person.user_name} is already provisioned",
                {"user_name": person.user_name},
            ) from error

    def deprovision(self, employee_id: str) -> bool:
        with transaction(self._engine) as db:
            gone = db.execute(
                text(
                    "UPDATE scim_user s SET deprovisioned_at = now(), version = version + 1 "
                    f"WHERE s.employee_id = :id AND {LIVE}"
                ),
                {"id": employee_id},
            ).rowcount
        return bool(gone)

    def mark_left(self, employee_id: str, on: date) -> None:
        # The employee's own status: the retention schedule reads it (pg_retention). A day
        # already recorded (by HR, or an earlier deactivation) stays.
        with transaction(self._engine) as db:
            db.execute(
                text(
                    "UPDATE employee SET status = 'left', left_on = coalesce(left_on, :d) "
                    "WHERE id = :id"
                ),
                {"id": employee_id, "d": on},
            )

    def mark_active(self, employee_id: str) -> None:
        with transaction(self._engine) as db:
            db.execute(
                text("UPDATE employee SET status = 'active', left_on = NULL WHERE id = :id"),
                {"id": employee_id},
            )


_UPSERT = text(
    "INSERT INTO scim_user (employee_id, user_name, external_id, display_name, given_name, "
    "family_name, emails, employee_number, active) VALUES (:id, :user_name, :external_id, "
    ":display_name, :given_name, :family_name, :emails, :employee_number, :active) "
    "ON CONFLICT (employee_id) DO UPDATE SET user_name = :user_name, "
    "external_id = :external_id, display_name = :display_name, given_name = :given_name, "
    "family_name = :family_name, emails = :emails, employee_number = :employee_number, "
    "active = :active, version = scim_user.version + 1, updated_at = now(), "
    # A person deleted, then provisioned again, is a new resource.
    "created_at = CASE WHEN scim_user.deprovisioned_at IS NULL THEN scim_user.created_at "
    "ELSE now() END, deprovisioned_at = NULL"
)


def _values(person: DirectoryPerson) -> dict[str, Any]:
    return {
        "id": person.employee_id,
        "name": person.name,
        "email": person.email,
        "department": person.department,
        "user_name": person.user_name,
        "external_id": person.external_id,
        "display_name": person.display_name,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "emails": [vars(e) for e in person.emails],
        "employee_number": person.employee_number,
        "active": person.active,
    }


def _read(db: Connection, employee_id: str) -> DirectoryPerson:
    row = db.execute(
        text(f"SELECT {COLUMNS} {FROM} WHERE s.employee_id = :id"), {"id": employee_id}
    ).one()
    return _person(row)


def _person(row: Any) -> DirectoryPerson:
    return DirectoryPerson(
        employee_id=row.employee_id,
        user_name=row.user_name,
        name=row.name,
        display_name=row.display_name,
        external_id=row.external_id,
        given_name=row.given_name,
        family_name=row.family_name,
        emails=tuple(DirectoryEmail(**e) for e in row.emails),
        employee_number=row.employee_number,
        department=row.department,
        active=row.active,
        left_on=row.left_on,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
