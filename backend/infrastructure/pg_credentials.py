"""A way in without a face in PostgreSQL: PIN hashes, lockouts (row-locked per attempt
in the unit of work, so replicas count every wrong PIN once), QR tokens, the secret."""

from typing import Any

from sqlalchemy import Connection, Engine, text

from backend.domain.credentials import Lockout
from backend.domain.model import Employee
from backend.domain.ports import QrToken, StoredPin
from backend.infrastructure.database import transaction
from backend.infrastructure.pg_faces import EMPLOYEE_COLUMNS, employee_of

QR_COLUMNS = "id, employee_id, issued_at, issued_by, revoked_at"
LOCKOUT_COLUMNS = "failures, last_failure_at, locked_until"
PREFIXED_EMPLOYEE = ", ".join("e." + c for c in EMPLOYEE_COLUMNS.split(", "))
# Lock (creating it when absent) one lockout row until the transaction ends.
LOCK_SCOPE = text(
    "INSERT INTO pin_lockout (scope) VALUES (:s) ON CONFLICT (scope) DO UPDATE "
    f"SET scope = EXCLUDED.scope RETURNING {LOCKOUT_COLUMNS}"
)
SAVE_SCOPE = text(
    "UPDATE pin_lockout SET failures = :f, last_failure_at = :l, locked_until = :u WHERE scope = :s"
)


def lockout_of(row: Any) -> Lockout:
    return Lockout(row.failures, row.last_failure_at, row.locked_until)


class PgCredentialWrites:
    """CredentialWrites: PINs, lockouts and QR tokens under a unit of work's transaction."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    def lockout(self, scope: str) -> Lockout:
        return lockout_of(self._db.execute(LOCK_SCOPE, {"s": scope}).one())

    def save_lockout(self, scope: str, state: Lockout) -> None:
        self._db.execute(
            SAVE_SCOPE,
            {
                "s": scope,
                "f": state.failures,
                "l": state.last_failure_at,
                "u": state.locked_until,
            },
        )

    def pin_holder(self, employee_id: str) -> tuple[Employee | None, str | None]:
        row = self._db.execute(
            text(
                f"SELECT {PREFIXED_EMPLOYEE}, p.hash FROM employee e "
                "LEFT JOIN employee_pin p ON p.employee_id = e.id "
                "WHERE e.id = :e AND e.biometrics = 'none'"
            ),
            {"e": employee_id},
        ).first()
        return (None, None) if row is None else (employee_of(row), row.hash)

    def qr_holder(self, token_id: str) -> Employee | None:
        row = self._db.execute(
            text(
                f"SELECT {PREFIXED_EMPLOYEE} FROM qr_token t JOIN employee e "
                "ON e.id = t.employee_id "
                "WHERE t.id = :t AND t.revoked_at IS NULL AND e.biometrics = 'none'"
            ),
            {"t": token_id},
        ).first()
        return None if row is None else employee_of(row)

    def forget_credentials(self, employee_id: str, by: str) -> None:
        self._db.execute(
            text("DELETE FROM employee_pin WHERE employee_id = :e"), {"e": employee_id}
        )
        self._db.execute(
            text(
                "UPDATE qr_token SET revoked_at = now(), revoked_by = :b "
                "WHERE employee_id = :e AND revoked_at IS NULL"
            ),
            {"e": employee_id, "b": by},
        )


class PgCredentials:
    """CredentialAdmin (and CredentialSecret) on PostgreSQL, one statement at a time."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # Cached for the process: written once by migration 0012; rotating it by hand
        # needs a restart of every replica (say so in docs/no-biometrics.md).
        self._secret: bytes | None = None

    def signing_secret(self) -> bytes:
        if self._secret is None:
            with transaction(self._engine) as db:
                value = db.execute(text("SELECT secret FROM credential_secret WHERE id = 1"))
                self._secret = bytes.fromhex(str(value.scalar()))
        return self._secret

    # -- HR ----------------------------------------------------------------------------
    def get_employee(self, employee_id: str) -> Employee | None:
        with transaction(self._engine) as db:
            row = db.execute(
                text(f"SELECT {EMPLOYEE_COLUMNS} FROM employee WHERE id = :id"), {"id": employee_id}
            ).first()
        return None if row is None else employee_of(row)

    def create_employee(self, employee: Employee) -> bool:
        with transaction(self._engine) as db:
            created = db.execute(
                text(
                    "INSERT INTO employee (id, name, department, email, biometrics) "
                    "VALUES (:id, :n, :d, :m, :b) ON CONFLICT DO NOTHING"
                ),
                {
                    "id": employee.employee_id,
                    "n": employee.name,
                    "d": employee.department,
                    "m": employee.email,
                    "b": employee.biometrics,
                },
            ).rowcount
        return bool(created)

    def set_pin(self, employee_id: str, pin_hash: str, set_by: str) -> bool:
        with transaction(self._engine) as db:
            stored = db.execute(
                text(
                    "INSERT INTO employee_pin (employee_id, hash, set_by, set_at) "
                    "SELECT id, :h, :b, now() FROM employee "
                    "WHERE id = :e AND biometrics = 'none' FOR SHARE "
                    "ON CONFLICT (employee_id) DO UPDATE "
                    "SET hash = EXCLUDED.hash, set_by = EXCLUDED.set_by, set_at = now()"
                ),
                {"e": employee_id, "h": pin_hash, "b": set_by},
            ).rowcount
            if stored:
                db.execute(
                    text("DELETE FROM pin_lockout WHERE scope = :s"), {"s": f"person:{employee_id}"}
                )
        return bool(stored)

    def delete_pin(self, employee_id: str) -> bool:
        with transaction(self._engine) as db:
            return bool(
                db.execute(
                    text("DELETE FROM employee_pin WHERE employee_id = :e"), {"e": employee_id}
                ).rowcount
            )

    def pin_of(self, employee_id: str) -> tuple[StoredPin | None, Lockout]:
        with transaction(self._engine) as db:
            pin = db.execute(
                text("SELECT employee_id, hash, set_at FROM employee_pin WHERE employee_id = :e"),
                {"e": employee_id},
            ).first()
            lock = db.execute(
                text(f"SELECT {LOCKOUT_COLUMNS} FROM pin_lockout WHERE scope = :s"),
                {"s": f"person:{employee_id}"},
            ).first()
        stored = None if pin is None else StoredPin(pin.employee_id, pin.hash, pin.set_at)
        return stored, Lockout() if lock is None else lockout_of(lock)

    def unlock(self, scope: str) -> None:
        with transaction(self._engine) as db:
            db.execute(text("DELETE FROM pin_lockout WHERE scope = :s"), {"s": scope})

    def add_qr(self, employee_id: str, token_id: str, issued_by: str) -> QrToken | None:
        with transaction(self._engine) as db:
            row = db.execute(
                text(
                    "INSERT INTO qr_token (id, employee_id, issued_by) "
                    "SELECT :t, id, :b FROM employee "
                    "WHERE id = :e AND biometrics = 'none' FOR SHARE "
                    f"RETURNING {QR_COLUMNS}"
                ),
                {"t": token_id, "e": employee_id, "b": issued_by},
            ).first()
        return None if row is None else qr_of(row)

    def revoke_qr(self, employee_id: str, token_id: str, revoked_by: str) -> bool:
        with transaction(self._engine) as db:
            return bool(
                db.execute(
                    text(
                        "UPDATE qr_token SET revoked_at = now(), revoked_by = :b "
                        "WHERE id = :t AND employee_id = :e AND revoked_at IS NULL"
                    ),
                    {"t": token_id, "e": employee_id, "b": revoked_by},
                ).rowcount
            )

    def qr_tokens(self, employee_id: str) -> list[QrToken]:
        with transaction(self._engine) as db:
            rows = db.execute(
                text(
                    f"SELECT {QR_COLUMNS} FROM qr_token WHERE employee_id = :e "
                    "ORDER BY issued_at DESC, id"
                ),
                {"e": employee_id},
            )
            return [qr_of(r) for r in rows]


def qr_of(row: Any) -> QrToken:
    return QrToken(row.id, row.employee_id, row.issued_at, row.issued_by, row.revoked_at)
