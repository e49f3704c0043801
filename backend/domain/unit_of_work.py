"""The unit of work (cosmicpython's `unit_of_work`): one transaction with its locks, the
stores that read and write under it, and the domain events and audit entries raised while
it lasts, which go into the webhook outbox and the audit log in that same transaction at
commit.

Use cases decide (the duplicate guard, the repeat window, which event a change raises);
the stores only answer facts and write rows. A use case that leaves the `with` block
without `commit()` writes nothing and publishes nothing."""

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from backend.domain.audit import Actor
from backend.domain.credentials import Lockout
from backend.domain.gallery_state import GalleryState
from backend.domain.model import Checkin, CheckinMethod, Employee, FaceRecord, Match, Metric
from backend.domain.privacy import ConsentRecord, Decision, Destroyed
from backend.domain.site_model import Direction

Event = dict[str, Any]  # an events.envelope


class FaceWrites(Protocol):
    """The gallery under the unit of work's transaction."""

    def current_generation(self, metric: Metric) -> int:
        """The gallery row's generation, which cannot move on before the commit."""
        ...

    def face_with_photo(self, employee_id: str, content_sha256: str) -> str | None:
        """The id of this employee's face stored from a photo with this hash, if any."""
        ...

    def nearest_of_another(
        self, embedding: list[float], gallery: GalleryState, employee_id: str
    ) -> Match | None:
        """The nearest face in `gallery`'s generation of any employee but `employee_id`."""
        ...

    def add_face(
        self, employee: Employee, face: FaceRecord, embedding: list[float], gallery: GalleryState
    ) -> bool:
        """Store the face and its vector, creating the employee if new; True when it was."""
        ...

    def delete_employee(self, employee_id: str) -> bool:
        """Delete the employee with its faces and check-ins; False if there was none."""
        ...

    def delete_face(self, employee_id: str, face_id: str) -> FaceRecord | None: ...

    def biometrics_of(self, employee_id: str) -> str | None:
        """The employee's choice ("face" or "none"), None for no such employee."""
        ...

    def set_biometrics(self, employee_id: str, biometrics: str) -> bool:
        """Record the choice; False when there is no such employee."""
        ...

    def destroy_biometrics(self, employee_id: str) -> Destroyed | None:
        """Delete the person's faces with their vectors in every generation and clear their
        check-ins' snapshot and face links (the rows stay as attendance); None when there
        was nothing left to destroy."""
        ...


class ConsentWrites(Protocol):
    """Consent records under the unit of work's transaction."""

    def latest_decision(self, employee_id: str) -> Decision | None:
        """The decision of the person's latest consent record, if any."""
        ...

    def add(self, employee: Employee, consent: ConsentRecord, biometrics: str) -> ConsentRecord:
        """Create the employee if new, append the record and set the person's biometrics
        ("face" or "none"); the record as stored."""
        ...


class CheckinWrites(Protocol):
    """The check-in log under the unit of work's transaction."""

    def now(self) -> datetime:
        """The database's clock: one time for every replica."""
        ...

    def clock_and_last_matched(self, employee_id: str) -> tuple[datetime, Checkin | None]:
        """The database's clock and the employee's latest matched check-in, if any, read
        together (after the caller's lock on the employee's check-ins)."""
        ...

    def add(
        self,
        employee_id: str | None,
        matched: bool,
        distance: float | None,
        api_key_name: str,
        *,
        at: datetime | None = None,
        face_id: str | None = None,
        snapshot_key: str | None = None,
        snapshot_jpeg: bytes | None = None,
        method: CheckinMethod = CheckinMethod.FACE,
        site_id: int | None = None,
        direction: Direction | None = None,
    ) -> Checkin:
        """Write one check-in row (at `at`, else the database's clock; at `site_id`, else
        the default site), holding its snapshot `snapshot_jpeg` (to be stored under
        `snapshot_key`) until HeldSnapshots.store moves it to the object store."""
        ...

    def count_unknown(self, api_key_name: str, not_allowed: bool = False) -> None:
        """Count an unmatched attempt in its hour for this kiosk (no row per attempt);
        `not_allowed`: the face is someone's who may not check in at this site."""
        ...


@dataclass(frozen=True)
class AuditNote:
    """An audit entry a use case noted, for the log at commit."""

    actor: Actor
    action: str
    subject_kind: str
    subject_id: str
    details: dict[str, Any]


class CredentialWrites(Protocol):
    """PINs, their lockouts and QR tokens under the unit of work's transaction."""

    def lockout(self, scope: str) -> Lockout:
        """The wrong PINs counted in `scope` ("person:<id>", "kiosk:<name>"), its row
        locked until the commit (created when new): one attempt per scope at a time."""
        ...

    def save_lockout(self, scope: str, state: Lockout) -> None: ...

    def pin_holder(self, employee_id: str) -> tuple[Employee | None, str | None]:
        """The employee if they have biometrics "none", and their PIN's hash if any."""
        ...

    def qr_holder(self, token_id: str) -> Employee | None:
        """The holder of a live (unrevoked) token, if their biometrics are "none"."""
        ...

    def forget_credentials(self, employee_id: str, by: str) -> None:
        """Delete the employee's PIN and revoke every QR token of theirs."""
        ...


class UnitOfWork(ABC):
    """The port. Adapters implement the underscored steps, the locks and the stores; the
    order (events published at commit and only then, rollback otherwise) is kept here."""

    faces: FaceWrites
    checkins: CheckinWrites
    credentials: CredentialWrites
    consents: ConsentWrites

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._notes: list[AuditNote] = []
        self._committed = False

    def __enter__(self) -> Self:
        self._events = []
        self._notes = []
        self._committed = False
        self._begin()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                self._rollback()
        finally:
            self._events = []
            self._notes = []
            self._end()

    def emit(self, event: Event) -> None:
        """Raise a domain event: published if and when this unit of work commits."""
        self._events.append(event)

    def record(
        self,
        actor: Actor,
        action: str,
        subject_kind: str,
        subject_id: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Note an audit entry: appended to the audit log at commit, in the same transaction
        as the change it records, and never if the unit of work is not committed."""
        self._notes.append(AuditNote(actor, action, subject_kind, subject_id, details or {}))

    def commit(self) -> None:
        """Publish the events into the outbox and the audit entries into the log, then
        commit: all or nothing."""
        # Last in the transaction: the outbox and the log's head serialise their writers
        # from here to commit.
        self._publish(list(self._events))
        self._append_audit(list(self._notes))
        self._commit()
        self._committed = True

    @abstractmethod
    def lock_enrollment(self) -> None:
        """One enrollment at a time on every replica, until the commit: reading the nearest
        face and inserting one are then a single step."""
        ...

    @abstractmethod
    def lock_checkins_of(self, employee_id: str) -> None:
        """One check-in decision at a time for this employee on every replica."""
        ...

    @abstractmethod
    def _begin(self) -> None:
        """Open the transaction and the stores on it."""

    @abstractmethod
    def _publish(self, events: list[Event]) -> None:
        """Put the events into the outbox, in the transaction."""

    @abstractmethod
    def _append_audit(self, notes: list[AuditNote]) -> None:
        """Append the audit entries to the chained log, in the transaction."""

    @abstractmethod
    def _commit(self) -> None:
        """Make the transaction durable (the locks go with it)."""

    @abstractmethod
    def _rollback(self) -> None:
        """Undo the transaction (the locks go with it)."""

    @abstractmethod
    def _end(self) -> None:
        """Give back what `_begin` took (a connection), after commit or rollback."""


UnitOfWorkFactory = Callable[[], UnitOfWork]
