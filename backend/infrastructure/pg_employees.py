"""Employees and their faces as administration sees them: read and renamed."""

from sqlalchemy import Engine, text

from backend.domain.model import Employee, EmployeeSummary, FaceRecord, Page
from backend.infrastructure.database import transaction
from backend.infrastructure.pg_faces import EMPLOYEE_COLUMNS, FACE_COLUMNS, employee_of, face_of


class PgEmployees:
    """AdministeredFaces on PostgreSQL (erasure is the unit of work's: pg_writes)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get_employee(self, employee_id: str) -> Employee | None:
        with transaction(self._engine) as db:
            row = db.execute(
                text(f"SELECT {EMPLOYEE_COLUMNS} FROM employee WHERE id = :id"),
                {"id": employee_id},
            ).first()
        return None if row is None else employee_of(row)

    def update_employee(self, employee_id: str, changes: dict[str, object]) -> Employee | None:
        columns = [c for c in ("name", "department", "email", "status", "left_on") if c in changes]
        with transaction(self._engine) as db:
            if columns:
                assignments = ", ".join(f"{c} = :{c}" for c in columns)
                values: dict[str, object] = {c: changes[c] for c in columns}
                db.execute(
                    text(f"UPDATE employee SET {assignments} WHERE id = :id"),
                    {**values, "id": employee_id},
                )
            row = db.execute(
                text(f"SELECT {EMPLOYEE_COLUMNS} FROM employee WHERE id = :id"),
                {"id": employee_id},
            ).first()
        return None if row is None else employee_of(row)

    def employee_summaries(self, search: str, limit: int, offset: int) -> Page:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where = "WHERE e.id ILIKE :p OR e.name ILIKE :p OR e.department ILIKE :p" if search else ""
        with transaction(self._engine) as db:
            total = db.execute(
                text(f"SELECT count(*) FROM employee e {where}"), {"p": pattern}
            ).scalar_one()
            rows = db.execute(
                text(
                    "SELECT e.id, e.name, e.department, e.email, e.created_at, e.status, "
                    "e.left_on, e.biometrics, "
                    "(SELECT count(*) FROM face f WHERE f.employee_id = e.id) AS faces, "
                    "(SELECT decision FROM consent k WHERE k.employee_id = e.id "
                    " ORDER BY k.id DESC LIMIT 1) AS consent, "
                    "(SELECT max(c.created_at) FROM checkin c "
                    " WHERE c.employee_id = e.id AND c.matched) AS last_checkin "
                    f"FROM employee e {where} ORDER BY e.id LIMIT :l OFFSET :o"
                ),
                {"p": pattern, "l": limit, "o": offset},
            )
            items = [
                EmployeeSummary(employee_of(r), r.faces, r.last_checkin, r.consent) for r in rows
            ]
        return Page(items, total, limit, offset)

    def faces_of(self, employee_id: str) -> list[FaceRecord]:
        with transaction(self._engine) as db:
            rows = db.execute(
                text(
                    f"SELECT {FACE_COLUMNS} FROM face WHERE employee_id = :id "
                    "ORDER BY created_at, id"
                ),
                {"id": employee_id},
            )
            return [face_of(r) for r in rows]
