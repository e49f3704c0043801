"""Check-in without a face: a person with biometrics "none" types their id and PIN on
the kiosk's keypad, or shows their personal QR code to its camera. The check-in is
recorded as a face check-in is (repeats folded), with its method."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.domain.checkin import as_kiosk, record_match
from backend.domain.credentials import Lockout, PinHasher, PinRules, qr_token_id
from backend.domain.errors import PinIncorrect, PinLocked, QrInvalid, QrRevoked
from backend.domain.model import Checkin, CheckinMethod, Employee
from backend.domain.ports import CredentialSecret
from backend.domain.site_model import Kiosk
from backend.domain.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class CredentialOutcome:
    employee: Employee
    checkin: Checkin
    repeat: bool  # checked in within the repeat window: `checkin` is the earlier one
    method: CheckinMethod


class CredentialCheckIn:
    """PIN and QR check-ins, with the lockouts of wrong PINs."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        secret: CredentialSecret,
        hasher: PinHasher = PinHasher(),
        rules: PinRules = PinRules(),
        repeat_seconds: float = 60.0,
    ) -> None:
        self._uow = uow
        self._secret = secret
        self._hasher = hasher
        self._rules = rules
        self._repeat = timedelta(seconds=repeat_seconds)
        self._decoy: str | None = None

    def with_pin(self, employee_id: str, pin: str, kiosk: Kiosk | str) -> CredentialOutcome:
        """Check in whoever `employee_id` and `pin` name, unless locked out; a wrong PIN
        counts against the person and the kiosk. One transaction: the count, the lockouts'
        row locks (one attempt per person and per kiosk at a time, on every replica) and
        the check-in."""
        employee_id = (employee_id or "").strip()[:64]
        kiosk = as_kiosk(kiosk)  # its site and direction go on the check-in row
        scopes = {"kiosk": f"kiosk:{kiosk.name}", "person": f"person:{employee_id}"}
        with self._uow() as uow:
            # The kiosk's row first, then the person's, always: no two attempts wait on
            # each other crosswise.
            states = {name: uow.credentials.lockout(scope) for name, scope in scopes.items()}
            now = uow.checkins.now()
            for name, state in states.items():
                self._refuse_if_locked(name, state, now)
            holder, pin_hash = uow.credentials.pin_holder(employee_id)
            right = self._hasher.verify(pin or "", pin_hash or self._no_pin())
            if not right or holder is None or pin_hash is None:
                uow.credentials.save_lockout(
                    scopes["person"], self._rules.person.after_failure(states["person"], now)
                )
                uow.credentials.save_lockout(
                    scopes["kiosk"], self._rules.kiosk.after_failure(states["kiosk"], now)
                )
                uow.commit()  # the count stays, whatever the answer
                raise PinIncorrect("this id and PIN do not match")
            uow.credentials.save_lockout(
                scopes["person"], self._rules.person.after_success(states["person"])
            )
            checkin, repeat = record_match(
                uow, holder, kiosk, self._repeat, method=CheckinMethod.PIN
            )
            uow.commit()
        return CredentialOutcome(holder, checkin, repeat, CheckinMethod.PIN)

    def with_qr(self, text: str, kiosk: Kiosk | str) -> CredentialOutcome:
        """Check in the holder of a personal QR code, unless it is forged or revoked."""
        token_id = qr_token_id(text, self._secret.signing_secret())
        if token_id is None:
            raise QrInvalid("this is not a facegate QR code, or it is damaged")
        with self._uow() as uow:
            holder = uow.credentials.qr_holder(token_id)
            if holder is None:
                raise QrRevoked("this QR code was revoked; ask HR for a new one")
            checkin, repeat = record_match(
                uow, holder, kiosk, self._repeat, method=CheckinMethod.QR
            )
            if not repeat:
                uow.commit()
        return CredentialOutcome(holder, checkin, repeat, CheckinMethod.QR)

    @staticmethod
    def _refuse_if_locked(scope: str, state: Lockout, now: datetime) -> None:
        if state.locked_until is None or not state.locked(now):
            return
        wait = max(1, math.ceil((state.locked_until - now).total_seconds()))
        error = PinLocked(
            f"too many wrong PINs for this {scope}; try again in {wait} s, or ask HR", wait
        )
        error.details["scope"] = scope
        raise error

    def _no_pin(self) -> str:
        """Compared against when the id has no PIN, so that a made-up id takes as long as a
        real one (no timing difference to enumerate ids with)."""
        if self._decoy is None:
            self._decoy = self._hasher.hash("no-pin-set")
        return self._decoy
