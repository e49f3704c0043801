"""The retention schedule, enforced: biometric data of people who left or who have not
been seen for too long is destroyed, check-in records past their own period are deleted.
One replica at a time enforces it; each destruction is audited."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from backend.domain.audit import (
    ATTENDANCE_DELETED,
    BIOMETRICS_DESTROYED,
    RETENTION_RUN,
    SYSTEM,
    Actor,
)
from backend.domain.consent import BiometricObjects, destruction
from backend.domain.ports import AuditTrail, ImageStore, RetentionRecords
from backend.domain.privacy import Destroyed, RetentionDue, RetentionSchedule
from backend.domain.unit_of_work import UnitOfWorkFactory

# Check-ins deleted per transaction when their period ends.
ATTENDANCE_BATCH = 1000


@dataclass(frozen=True)
class RetentionReport:
    """Who the schedule reached and what went (nothing, in a dry run)."""

    due: list[RetentionDue]
    attendance_due: int
    dry_run: bool
    destroyed: list[Destroyed] = field(default_factory=list)
    attendance_deleted: int = 0


class RetentionJob:
    """Enforces the schedule; run by every replica's background runner and by
    `facegate retention` (with --dry-run: who would be destroyed and why)."""

    def __init__(
        self,
        *,
        records: RetentionRecords,
        uow: UnitOfWorkFactory,
        images: ImageStore,
        audit: AuditTrail,
        schedule: RetentionSchedule,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._records = records
        self._uow = uow
        self._images = images
        self._objects = BiometricObjects(images)
        self._audit = audit
        self.schedule = schedule
        self._now = now

    def run(self, dry_run: bool = False, actor: Actor = SYSTEM) -> RetentionReport | None:
        """Enforce the schedule (or only report it); None when another replica is at it."""
        with self._records.enforcing() as ours:
            if not ours:
                return None
            now = self._now()
            left_cutoff = (now - timedelta(days=self.schedule.after_leaving_days)).date()
            due = self._records.due(left_cutoff, now - timedelta(days=self.schedule.inactive_days))
            attendance_cutoff = self._attendance_cutoff(now)
            attendance_due = (
                0
                if attendance_cutoff is None
                else self._records.count_attendance_before(attendance_cutoff)
            )
            if dry_run:
                return RetentionReport(due, attendance_due, True)
            destroyed = [d for person in due if (d := self._destroy(person, actor)) is not None]
            deleted = 0 if attendance_cutoff is None else self._forget_attendance(attendance_cutoff)
            if deleted:
                assert attendance_cutoff is not None
                before = attendance_cutoff.isoformat()
                details = {"checkins": deleted, "before": before}
                self._audit.record(actor, ATTENDANCE_DELETED, "checkins", before, details)
            if destroyed or deleted:
                self._audit.record(actor, RETENTION_RUN, "retention", now.date().isoformat(), {
                    "destroyed": len(destroyed), "attendance_deleted": deleted,
                })  # fmt: skip
            return RetentionReport(due, attendance_due, False, destroyed, deleted)

    def _destroy(self, person: RetentionDue, actor: Actor) -> Destroyed | None:
        """One person's biometric data gone, audited in the same transaction; None when
        there was nothing left (another run's work)."""
        with self._uow() as uow:
            uow.lock_enrollment()  # as a withdrawal: no face of theirs lands meanwhile
            destroyed = uow.faces.destroy_biometrics(person.employee_id)
            if destroyed is not None:
                why = destruction(destroyed, f"retention.{person.reason}")
                uow.record(actor, BIOMETRICS_DESTROYED, "employee", person.employee_id, why)
            uow.commit()
        self._objects.remove(person.employee_id)
        return destroyed

    def _attendance_cutoff(self, now: datetime) -> datetime | None:
        if self.schedule.attendance_days == 0:
            return None
        return now - timedelta(days=self.schedule.attendance_days)

    def _forget_attendance(self, cutoff: datetime) -> int:
        deleted = 0
        while True:
            rows, snapshots = self._records.forget_attendance_before(cutoff, ATTENDANCE_BATCH)
            for key in snapshots:
                self._images.delete(key)
            deleted += rows
            if rows < ATTENDANCE_BATCH:
                return deleted
