"""HR's side of a way in without a face: the per-person choice of biometrics ("face" or
"none"), and the PIN and personal QR codes of a person without a face.

Switching to "none" is the one use case that destroys a person's biometric data (faces,
vectors, enrolled photos, check-in snapshots): consent withdrawal calls it too."""

from dataclasses import dataclass
from datetime import datetime

from backend.domain.audit import (
    BIOMETRICS_CHOSEN,
    EMPLOYEE_ADDED,
    PIN_REMOVED,
    PIN_SET,
    PIN_UNLOCKED,
    QR_ISSUED,
    QR_REVOKED,
    SYSTEM,
    Actor,
)
from backend.domain.credentials import (
    PinHasher,
    new_pin,
    new_token_id,
    sign_qr,
    validate_pin,
)
from backend.domain.errors import (
    BiometricsEnabled,
    EmployeeExists,
    EmployeeNotFound,
    QrTokenNotFound,
    ValidationFailed,
)
from backend.domain.model import Biometrics, Employee
from backend.domain.policy import (
    employee_prefix,
    snapshot_prefix,
    validate_details,
    validate_employee,
)
from backend.domain.ports import AuditTrail, CredentialAdmin, ImageStore, QrToken
from backend.domain.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class PinStatus:
    has_pin: bool
    set_at: datetime | None
    failures: int
    locked_until: datetime | None


@dataclass(frozen=True)
class IssuedQr:
    token: QrToken
    text: str  # what the printed QR code holds


class BiometricsAdmin:
    """The choice of biometrics per person, and the credentials of those without; every
    change is in the audit log (never a PIN or a code itself)."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        store: CredentialAdmin,
        images: ImageStore,
        audit: AuditTrail,
        hasher: PinHasher = PinHasher(),
    ) -> None:
        self._uow = uow
        self._store = store
        self._images = images
        self._audit = audit
        self._hasher = hasher

    def create(self, employee: Employee, *, actor: Actor = SYSTEM) -> Employee:
        """Add a person with no face yet: biometrics "none" (PIN or QR), or "face" to
        enroll a photo later."""
        employee_id, name = validate_employee(employee.employee_id, employee.name)
        department, email = validate_details(employee.department, employee.email)
        choice = self._choice(employee.biometrics)
        clean = Employee(employee_id, name, department, email, biometrics=choice)
        if not self._store.create_employee(clean):
            raise EmployeeExists(f"{employee_id} already exists", {"employee_id": employee_id})
        details = {"biometrics": choice.value}
        self._audit.record(actor, EMPLOYEE_ADDED, "employee", employee_id, details)
        return self._employee(employee_id)

    @staticmethod
    def _choice(biometrics: str) -> Biometrics:
        try:
            return Biometrics(biometrics)
        except ValueError as error:
            raise ValidationFailed(
                "biometrics is face or none", {"fields": {"biometrics": "face or none"}}
            ) from error

    def choose(self, employee_id: str, biometrics: str, *, actor: Actor = SYSTEM) -> Employee:
        """Set "face" or "none". "none" destroys every face, vector, photo and snapshot of
        the person at once (a retry deletes again what a failed one left); "face" deletes
        their PIN and revokes their QR codes. Consent withdrawal is this same use case."""
        choice = self._choice(biometrics)
        with self._uow() as uow:
            # The enrollment lock: no face of theirs is being stored meanwhile, and every
            # later enrollment sees the choice (enrollment refuses biometrics_declined).
            uow.lock_enrollment()
            if not uow.faces.set_biometrics(employee_id, choice):
                self._missing(employee_id)
            if choice is Biometrics.NONE:
                uow.faces.destroy_biometrics(employee_id)
            else:
                uow.credentials.forget_credentials(employee_id, actor.name)
            details = {"biometrics": choice.value}
            uow.record(actor, BIOMETRICS_CHOSEN, "employee", employee_id, details)
            uow.commit()
        if choice is Biometrics.NONE:
            # Rows first, objects second: a crash here leaves objects no row names, which
            # the photo and snapshot sweeps remove.
            self._images.delete_prefix(employee_prefix(employee_id))
            self._images.delete_prefix(snapshot_prefix(employee_id))
        return self._employee(employee_id)

    def set_pin(self, employee_id: str, pin: str | None, *, actor: Actor = SYSTEM) -> str | None:
        """Store `pin` (or a random one, returned to be shown once) and unlock the person."""
        self._without_face(employee_id)
        chosen = validate_pin(pin) if pin is not None else new_pin()
        if not self._store.set_pin(employee_id, self._hasher.hash(chosen), actor.name):
            self._without_face(employee_id)  # switched meanwhile: say how
        details = {"generated": pin is None}
        self._audit.record(actor, PIN_SET, "employee", employee_id, details)
        return None if pin is not None else chosen

    def remove_pin(self, employee_id: str, *, actor: Actor = SYSTEM) -> None:
        self._employee(employee_id)
        self._store.delete_pin(employee_id)
        self._audit.record(actor, PIN_REMOVED, "employee", employee_id, {})

    def pin_status(self, employee_id: str) -> PinStatus:
        self._employee(employee_id)
        stored, lockout = self._store.pin_of(employee_id)
        return PinStatus(
            stored is not None,
            stored.set_at if stored else None,
            lockout.failures,
            lockout.locked_until,
        )

    def unlock_person(self, employee_id: str, *, actor: Actor = SYSTEM) -> None:
        """HR's unlock after five wrong PINs (the lock also ends by itself)."""
        self._employee(employee_id)
        self._store.unlock(f"person:{employee_id}")
        self._audit.record(actor, PIN_UNLOCKED, "employee", employee_id, {})

    def unlock_kiosk(self, key_name: str, *, actor: Actor = SYSTEM) -> None:
        self._store.unlock(f"kiosk:{key_name}")
        self._audit.record(actor, PIN_UNLOCKED, "key", key_name, {})

    def issue_qr(self, employee_id: str, *, actor: Actor = SYSTEM) -> IssuedQr:
        """A new personal QR code; earlier ones stay valid until revoked."""
        self._without_face(employee_id)
        token = self._store.add_qr(employee_id, new_token_id(), actor.name)
        if token is None:
            self._without_face(employee_id)
            raise EmployeeNotFound(f"no employee {employee_id}", {"employee_id": employee_id})
        details = {"token_id": token.token_id}
        self._audit.record(actor, QR_ISSUED, "employee", employee_id, details)
        return IssuedQr(token, self.qr_text(token))

    def qr_text(self, token: QrToken) -> str:
        """The signed text of a token (to print it again: the secret never leaves here)."""
        return sign_qr(token.token_id, self._store.signing_secret())

    def qr_codes(self, employee_id: str) -> list[QrToken]:
        self._employee(employee_id)
        return self._store.qr_tokens(employee_id)

    def revoke_qr(self, employee_id: str, token_id: str, *, actor: Actor = SYSTEM) -> None:
        if not self._store.revoke_qr(employee_id, token_id, actor.name):
            self._employee(employee_id)
            raise QrTokenNotFound(
                f"employee {employee_id} has no live QR code {token_id}",
                {"employee_id": employee_id, "token_id": token_id},
            )
        details = {"token_id": token_id}
        self._audit.record(actor, QR_REVOKED, "employee", employee_id, details)

    def _without_face(self, employee_id: str) -> Employee:
        employee = self._employee(employee_id)
        if employee.biometrics is not Biometrics.NONE:
            raise BiometricsEnabled(
                f"{employee_id} checks in with their face; set biometrics to none first",
                {"employee_id": employee_id, "biometrics": employee.biometrics},
            )
        return employee

    def _employee(self, employee_id: str) -> Employee:
        employee = self._store.get_employee(employee_id)
        return employee if employee is not None else self._missing(employee_id)

    @staticmethod
    def _missing(employee_id: str) -> Employee:
        raise EmployeeNotFound(f"no employee {employee_id}", {"employee_id": employee_id})
