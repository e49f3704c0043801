"""A fake of PINs, lockouts and QR tokens (both credential ports), over the face fake's
employees so that the choice of biometrics and enrollment see one another."""

from dataclasses import replace
from datetime import UTC, datetime

from backend.domain.credentials import Lockout
from backend.domain.model import Biometrics, Employee
from backend.domain.ports import QrToken, StoredPin
from tests.unit.fakes import FakeFaceRepository


class FakeCredentialWrites:
    """CredentialWrites on FakeCredentials' containers (the unit of work undoes them)."""

    def __init__(self, store: "FakeCredentials") -> None:
        self._store = store

    def lockout(self, scope: str) -> Lockout:
        return self._store.lockouts.setdefault(scope, Lockout())

    def save_lockout(self, scope: str, state: Lockout) -> None:
        self._store.lockouts[scope] = state

    def pin_holder(self, employee_id: str) -> tuple[Employee | None, str | None]:
        employee = self._store.faces.employees.get(employee_id)
        if employee is None or employee.biometrics is not Biometrics.NONE:
            return None, None
        pin = self._store.pins.get(employee_id)
        return employee, pin.hash if pin else None

    def qr_holder(self, token_id: str) -> Employee | None:
        token = self._store.tokens.get(token_id)
        if token is None or token.revoked_at is not None:
            return None
        employee = self._store.faces.employees.get(token.employee_id)
        return employee if employee and employee.biometrics is Biometrics.NONE else None

    def forget_credentials(self, employee_id: str, by: str) -> None:
        self._store.pins.pop(employee_id, None)
        for token in self._store.qr_tokens(employee_id):
            revoked = token.revoked_at or self._store.now
            self._store.tokens[token.token_id] = replace(token, revoked_at=revoked)


class FakeCredentials:
    def __init__(self, faces: FakeFaceRepository) -> None:
        self.faces = faces
        self.pins: dict[str, StoredPin] = {}
        self.lockouts: dict[str, Lockout] = {}
        self.tokens: dict[str, QrToken] = {}
        self.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)

    def signing_secret(self) -> bytes:
        return b"unit-test-secret"

    def get_employee(self, employee_id: str) -> Employee | None:
        return self.faces.employees.get(employee_id)

    def create_employee(self, employee: Employee) -> bool:
        if employee.employee_id in self.faces.employees:
            return False
        self.faces.employees[employee.employee_id] = replace(employee, created_at=self.now)
        return True

    def set_pin(self, employee_id: str, pin_hash: str, set_by: str) -> bool:
        employee = self.faces.employees.get(employee_id)
        if employee is None or employee.biometrics is not Biometrics.NONE:
            return False
        self.pins[employee_id] = StoredPin(employee_id, pin_hash, self.now)
        self.lockouts.pop(f"person:{employee_id}", None)
        return True

    def delete_pin(self, employee_id: str) -> bool:
        return self.pins.pop(employee_id, None) is not None

    def pin_of(self, employee_id: str) -> tuple[StoredPin | None, Lockout]:
        return self.pins.get(employee_id), self.lockouts.get(f"person:{employee_id}", Lockout())

    def unlock(self, scope: str) -> None:
        self.lockouts.pop(scope, None)

    def add_qr(self, employee_id: str, token_id: str, issued_by: str) -> QrToken | None:
        employee = self.faces.employees.get(employee_id)
        if employee is None or employee.biometrics is not Biometrics.NONE:
            return None
        self.tokens[token_id] = QrToken(token_id, employee_id, self.now, issued_by)
        return self.tokens[token_id]

    def revoke_qr(self, employee_id: str, token_id: str, revoked_by: str) -> bool:
        token = self.tokens.get(token_id)
        if token is None or token.employee_id != employee_id or token.revoked_at is not None:
            return False
        self.tokens[token_id] = replace(token, revoked_at=self.now)
        return True

    def qr_tokens(self, employee_id: str) -> list[QrToken]:
        return [t for t in reversed(self.tokens.values()) if t.employee_id == employee_id]
