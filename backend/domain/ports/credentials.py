"""Ports of the way in without a face outside a unit of work: the QR codes' signing
secret, and HR's side (people without a photo, PINs, lockouts, QR tokens). What a check-in
reads and locks is the unit of work's (CredentialWrites)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from backend.domain.credentials import Lockout
from backend.domain.model import Employee


@dataclass(frozen=True)
class QrToken:
    token_id: str
    employee_id: str
    issued_at: datetime
    issued_by: str | None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class StoredPin:
    employee_id: str
    hash: str
    set_at: datetime | None


class CredentialSecret(Protocol):
    """The secret QR codes are signed with, the same on every replica."""

    def signing_secret(self) -> bytes: ...


class CredentialAdmin(CredentialSecret, Protocol):
    """What HR's side reads and changes, one statement at a time."""

    def get_employee(self, employee_id: str) -> Employee | None: ...

    def create_employee(self, employee: Employee) -> bool:
        """Add a person without a face; False when the id is taken."""
        ...

    def set_pin(self, employee_id: str, pin_hash: str, set_by: str) -> bool:
        """Store the PIN (replacing one) and clear the person's lockout; False unless the
        person exists with biometrics "none"."""
        ...

    def delete_pin(self, employee_id: str) -> bool: ...

    def pin_of(self, employee_id: str) -> tuple[StoredPin | None, Lockout]: ...

    def unlock(self, scope: str) -> None:
        """Clear the lockout of "person:<id>" or "kiosk:<name>"."""
        ...

    def add_qr(self, employee_id: str, token_id: str, issued_by: str) -> QrToken | None:
        """None unless the person exists with biometrics "none"."""
        ...

    def revoke_qr(self, employee_id: str, token_id: str, revoked_by: str) -> bool: ...

    def qr_tokens(self, employee_id: str) -> list[QrToken]:
        """Every token of the person, newest first, revoked ones included."""
        ...
