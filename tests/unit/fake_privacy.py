"""Fakes of the privacy ports: consent records, the retention records and the audit trail,
on the same in-memory faces and check-ins as the other fakes."""

import contextlib
from collections.abc import Iterator
from datetime import UTC, date, datetime

from backend.domain.privacy import ConsentRecord, Notice, RetentionDue
from tests.unit.fake_records import FakeCheckinLog
from tests.unit.fakes import FakeFaceRepository


class FakeConsentRecords:
    def __init__(self, faces: FakeFaceRepository, checkins: FakeCheckinLog) -> None:
        self.faces = faces
        self.checkins = checkins
        self.notices: list[Notice] = []

    def current_notice(self) -> Notice | None:
        return self.notices[-1] if self.notices else None

    def publish_notice(self, text: str, by: str, *, first_only: bool = False) -> Notice:
        if first_only and self.notices:
            return self.notices[-1]
        self.notices.append(Notice(len(self.notices) + 1, text, by, datetime.now(UTC)))
        return self.notices[-1]

    def history(self, employee_id: str) -> list[ConsentRecord]:
        return list(self.faces.consents.get(employee_id, []))


class FakeRetentionRecords:
    """Due people are whoever a test lists in `due_people`; the lock can be taken away."""

    def __init__(self, faces: FakeFaceRepository, checkins: FakeCheckinLog) -> None:
        self.faces = faces
        self.checkins = checkins
        self.held = False  # another replica enforces
        self.asked: list[tuple[date, datetime]] = []
        self.due_people: list[RetentionDue] = []

    @contextlib.contextmanager
    def enforcing(self) -> Iterator[bool]:
        yield not self.held

    def due(self, left_on_or_before: date, inactive_before: datetime) -> list[RetentionDue]:
        self.asked.append((left_on_or_before, inactive_before))
        return list(self.due_people)

    def count_attendance_before(self, cutoff: datetime) -> int:
        return sum(1 for row in self.checkins.rows if row.created_at < cutoff)

    def forget_attendance_before(self, cutoff: datetime, limit: int) -> tuple[int, list[str]]:
        old = [row for row in self.checkins.rows if row.created_at < cutoff][:limit]
        self.checkins.rows = [row for row in self.checkins.rows if row not in old]
        return len(old), [row.snapshot_key for row in old if row.snapshot_key]
