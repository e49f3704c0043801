"""Check-in evidence: the kiosk's face crop kept with each check-in, and HR's disputes."""

import contextlib
import uuid
from collections.abc import Callable
from concurrent.futures import Future
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


# Runs a call on another thread and hands back its future (bootstrap gives a thread pool).
Beside = Callable[[Callable[[], None]], "Future[None]"]


def at_once(call: Callable[[], None]) -> "Future[None]":
    """No other thread: the call runs now, in the caller's (the unit tests' default)."""
    done: Future[None] = Future()
    try:
        call()
    except BaseException as error:
        done.set_exception(error)
    else:
        done.set_result(None)
    return done


class PendingSnapshot:
    """A snapshot on its way to the store while the check-in's row is written beside it."""

    def __init__(self, key: str, upload: "Future[None]", images: ImageStore) -> None:
        self.key = key
        self._upload = upload
        self._images = images

    def stored(self) -> None:
        """Wait until it is stored; the store's error if it could not be."""
        self._upload.result()

    def discard(self) -> None:
        """Take it away again (its row was not written), once the upload has ended: a
        delete that overtook the upload would leave the object behind."""
        with contextlib.suppress(Exception):  # not stored at all: nothing to take away
            self._upload.result()
        self._images.delete(self.key)


class SnapshotWriter:
    """Stores a snapshot before its row commits and takes it away if the row is not
    written. The upload runs beside the row's transaction (`beside`), and the commit waits
    for it: a check-in pays for the slower of the two, not their sum, and a row never names
    a snapshot that is not stored (a crash before the commit leaves an object no row names,
    which the snapshot sweep removes)."""

    def __init__(
        self,
        *,
        images: ImageStore,
        beside: Beside = at_once,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._images = images
        self._beside = beside
        self._new_id = new_id
        self._now = now

    def start(self, employee_id: str | None, jpeg: bytes) -> PendingSnapshot:
        """Start storing the crop; its key is known at once (to name in the row)."""
        key = snapshot_key(employee_id, f"{self._now():%Y%m%dT%H%M%S}-{self._new_id()}")
        upload = self._beside(lambda: self._images.put(key, jpeg, "image/jpeg"))
        return PendingSnapshot(key, upload, self._images)


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
