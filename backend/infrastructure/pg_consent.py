"""Consent in PostgreSQL: the notice's versions and each person's records (read here,
written under a unit of work by PgConsentWrites)."""

from typing import Any

from sqlalchemy import Connection, Engine, text

from backend.domain.model import Employee
from backend.domain.privacy import ConsentRecord, Decision, Method, Notice
from backend.infrastructure.database import transaction

NOTICE_COLUMNS = "version, text, created_by, created_at"
CONSENT_COLUMNS = (
    "id, employee_id, notice_version, decision, method, signature, reference, "
    "recorded_by, recorded_at"
)


class PgConsentRecords:
    """ConsentRecords on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def current_notice(self) -> Notice | None:
        with transaction(self._engine) as db:
            row = db.execute(
                text(f"SELECT {NOTICE_COLUMNS} FROM consent_notice ORDER BY version DESC LIMIT 1")
            ).first()
        return (
            None if row is None else Notice(row.version, row.text, row.created_by, row.created_at)
        )

    def publish_notice(self, text_: str, by: str, *, first_only: bool = False) -> Notice:
        with transaction(self._engine) as db:
            # Versions are numbered one after another: one publisher at a time.
            db.execute(text("LOCK TABLE consent_notice IN SHARE ROW EXCLUSIVE MODE"))
            if first_only:
                row = db.execute(
                    text(
                        f"SELECT {NOTICE_COLUMNS} FROM consent_notice ORDER BY version DESC LIMIT 1"
                    )
                ).first()
                if row is not None:
                    return Notice(row.version, row.text, row.created_by, row.created_at)
            row = db.execute(
                text(
                    "INSERT INTO consent_notice (version, text, created_by) "
                    "SELECT coalesce(max(version), 0) + 1, :t, :b FROM consent_notice "
                    f"RETURNING {NOTICE_COLUMNS}"
                ),
                {"t": text_, "b": by},
            ).one()
        return Notice(row.version, row.text, row.created_by, row.created_at)

    def history(self, employee_id: str) -> list[ConsentRecord]:
        with transaction(self._engine) as db:
            rows = db.execute(
                text(f"SELECT {CONSENT_COLUMNS} FROM consent WHERE employee_id = :e ORDER BY id"),
                {"e": employee_id},
            )
            return [consent_of(r) for r in rows]


def consent_of(row: Any) -> ConsentRecord:
    return ConsentRecord(
        employee_id=row.employee_id,
        notice_version=row.notice_version,
        decision=Decision(row.decision),
        method=Method(row.method),
        recorded_by=row.recorded_by,
        signature=row.signature,
        reference=row.reference,
        recorded_at=row.recorded_at,
        record_id=row.id,
    )


class PgConsentWrites:
    """ConsentWrites: consent records under one unit of work's transaction."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    def latest_decision(self, employee_id: str) -> Decision | None:
        latest = self._db.execute(
            text("SELECT decision FROM consent WHERE employee_id = :e ORDER BY id DESC LIMIT 1"),
            {"e": employee_id},
        ).scalar()
        return None if latest is None else Decision(latest)

    def add(self, employee: Employee, consent: ConsentRecord, biometrics: str) -> ConsentRecord:
        self._db.execute(
            text(
                "INSERT INTO employee (id, name, department, email) "
                "VALUES (:id, :name, :department, :email) ON CONFLICT DO NOTHING"
            ),
            {
                "id": employee.employee_id,
                "name": employee.name,
                "department": employee.department,
                "email": employee.email,
            },
        )
        self._db.execute(
            text("UPDATE employee SET biometrics = :b WHERE id = :e"),
            {"b": biometrics, "e": employee.employee_id},
        )
        row = self._db.execute(
            text(
                "INSERT INTO consent (employee_id, notice_version, decision, method, "
                "signature, reference, recorded_by) VALUES (:e, :v, :d, :m, :s, :r, :b) "
                f"RETURNING {CONSENT_COLUMNS}"
            ),
            {
                "e": consent.employee_id,
                "v": consent.notice_version,
                "d": consent.decision.value,
                "m": consent.method.value,
                "s": consent.signature,
                "r": consent.reference,
                "b": consent.recorded_by,
            },
        ).one()
        return consent_of(row)
