"""Check-in evidence: the kiosk's face crop kept with each check-in, and HR's disputes."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from backend.domain.audit import DISPUTED, SNAPSHOT_VIEWED, SYSTEM, Actor
from backend.domain.errors import CheckinNotFound, SnapshotNotFound, ValidationFailed
from backend.domain.model import CheckinRow, Dispute, StoredPhoto
from backend.domain.policy import snapshot_key
from backend.domain.ports import AuditTrail, CheckinEvidence, ImageStore

MAX_REASON_LENGTH = 500


@dataclass(frozen=True)
class SnapshotPolicy:
    """Which check-ins keep the kiosk's face crop, and for how long."""

    keep_days: float = 30.0  # 0: keep none
    keep_unknown: bool = False  # faces that matched no one: not kept without a reason

    @property
    def enabled(self) -> bool:
        return self.keep_days > 0


class SnapshotWriter:
    """Stores a snapshot before its row and takes it away if the row is not written."""

    def __init__(
        self,
        *,
        images: ImageStore,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._images = images
        self._new_id = new_id
        self._now = now

    def put(self, employee_id: str | None, jpeg: bytes) -> str:
        """Store the crop; its key (to name in the row written next)."""
        key = snapshot_key(employee_id, f"{self._now():%Y%m%dT%H%M%S}-{self._new_id()}")
        self._images.put(key, jpeg, "image/jpeg")
        return key

    def discard(self, key: str) -> None:
        self._images.delete(key)


class Evidence:
    """What HR does with a check-in: look at its snapshot, dispute it."""

    def __init__(
        self,
        *,
        checkins: CheckinEvidence,
        images: ImageStore,
        audit: AuditTrail,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._checkins = checkins
        self._images = images
        self._audit = audit
        self._now = now

    def checkin(self, checkin_id: int) -> CheckinRow:
        row = self._checkins.get(checkin_id)
        if row is None:
            raise CheckinNotFound(f"no check-in {checkin_id}", {"checkin_id": checkin_id})
        return row

    def snapshot(self, checkin_id: int, *, actor: Actor = SYSTEM) -> StoredPhoto:
        """The face the kiosk saw for this check-in (admins only: personal data)."""
        checkin = self.checkin(checkin_id).checkin
        key = checkin.snapshot_key
        stored = None if key is None else self._images.open(key)
        if stored is None:
            raise SnapshotNotFound(
                f"check-in {checkin_id} has no snapshot (none kept, or past its retention)",
                {"checkin_id": checkin_id},
            )
        employee_id = checkin.employee_id
        kind, subject_id = (
            ("employee", employee_id) if employee_id else ("checkin", str(checkin_id))
        )
        self._audit.record(actor, SNAPSHOT_VIEWED, kind, subject_id, {"checkin_id": checkin_id})
        return stored

    def dispute(
        self, checkin_id: int, disputed: bool, reason: str, by: str, *, actor: Actor = SYSTEM
    ) -> CheckinRow:
        """Mark a check-in disputed with a reason (who and when are recorded), or clear it."""
        dispute = None
        if disputed:
            reason = reason.strip()
            if not reason or len(reason) > MAX_REASON_LENGTH:
                raise ValidationFailed(
                    "a disputed check-in needs a reason",
                    {"fields": {"reason": f"1 to {MAX_REASON_LENGTH} characters"}},
                )
            dispute = Dispute(reason, by, self._now())
        row = self._checkins.set_dispute(checkin_id, dispute)
        if row is None:
            raise CheckinNotFound(f"no check-in {checkin_id}", {"checkin_id": checkin_id})
        employee_id = row.checkin.employee_id
        kind, subject_id = (
            ("employee", employee_id) if employee_id else ("checkin", str(checkin_id))
        )
        details = {"checkin_id": checkin_id, "disputed": disputed}
        self._audit.record(actor, DISPUTED, kind, subject_id, details)
        return row


def _subject(checkin_id: int, employee_id: str | None) -> tuple[str, str]:
    """What an audit entry about a check-in is filed under: the person it shows, so their
    access export finds it, else the check-in."""
    return ("employee", employee_id) if employee_id else ("checkin", str(checkin_id))
