"""Check-in evidence: the kiosk's face crop kept with each check-in, and HR's disputes."""

import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime

from backend.domain.audit import DISPUTED, SNAPSHOT_VIEWED, SYSTEM, Actor
from backend.domain.errors import CheckinNotFound, SnapshotNotFound, ValidationFailed
from backend.domain.model import CheckinRow, Dispute, StoredPhoto
from backend.domain.policy import snapshot_key
from backend.domain.ports import AuditTrail, CheckinEvidence, HeldSnapshots, ImageStore

MAX_REASON_LENGTH = 500
# Held snapshots the upload job moves in one run (then again at its next interval).
HELD_BATCH = 200


@dataclass(frozen=True)
class SnapshotPolicy:
    """Which check-ins keep the kiosk's face crop, and for how long."""

    keep_days: float = 30.0  # 0: keep none
    keep_unknown: bool = False  # faces that matched no one: not kept without a reason

    @property
    def enabled(self) -> bool:
        return self.keep_days > 0


# What a check-in's snapshot is: the embedder's crop of the face, a JPEG.
SNAPSHOT_TYPE = "image/jpeg"

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


class SnapshotWriter:
    """Keeps the kiosk's crop with its check-in without the answer waiting for the object
    store. The crop is held beside the check-in's row, in its transaction, so the row and
    its snapshot commit together: a row may name a snapshot still on its way to the store,
    never one that will not come. After the commit the crop goes to the store beside the
    answer (`beside`); the snapshot upload job of any replica stores what a crash or an
    outage left held."""

    def __init__(
        self,
        *,
        held: HeldSnapshots,
        beside: Beside = at_once,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._held = held
        self._beside = beside
        self._new_id = new_id
        self._now = now

    def new_key(self, employee_id: str | None) -> str:
        """The object key a new snapshot of this person (None: no one matched) gets."""
        return snapshot_key(employee_id, f"{self._now():%Y%m%dT%H%M%S}-{self._new_id()}")

    def store_soon(self, checkin_id: int, key: str, jpeg: bytes) -> None:
        """Store the committed check-in's snapshot from memory (the bytes its row holds)
        and let the hold go; the caller does not wait (a failure leaves it held, for the
        upload job)."""

        def move() -> None:
            self._held.store(checkin_id, key, jpeg)

        self._beside(move)

    def store_held(self) -> int:
        """The upload job's run: move what is still held, a batch at a time."""
        return self._held.store_held(HELD_BATCH)


def open_snapshot(
    images: ImageStore, held: HeldSnapshots, checkin_id: int, key: str | None
) -> StoredPhoto | None:
    """A check-in's snapshot from its row while it is still held there, else from the
    store. The row is read first: a snapshot leaves its row only once stored, so one that
    moves between the two reads is found in the store."""
    if key is None:
        return None
    return held.held(checkin_id) or images.open(key)


class Evidence:
    """What HR does with a check-in: look at its snapshot, dispute it."""

    def __init__(
        self,
        *,
        checkins: CheckinEvidence,
        images: ImageStore,
        held: HeldSnapshots,
        audit: AuditTrail,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._checkins = checkins
        self._images = images
        self._held = held
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
        stored = open_snapshot(self._images, self._held, checkin_id, checkin.snapshot_key)
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
