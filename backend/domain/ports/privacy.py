"""Ports of privacy: what consent and the retention schedule need of the database."""

from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Protocol

from backend.domain.privacy import ConsentRecord, Notice, RetentionDue


class ConsentRecords(Protocol):
    """The notice's versions and every person's consent records."""

    def current_notice(self) -> Notice | None: ...

    def publish_notice(self, text: str, by: str, *, first_only: bool = False) -> Notice:
        """Store `text` as the next version (first_only: only if there is none yet, else
        the current one is answered)."""
        ...

    def history(self, employee_id: str) -> list[ConsentRecord]:
        """The person's records, oldest first."""
        ...


class RetentionRecords(Protocol):
    """What the retention schedule needs of the database."""

    def enforcing(self) -> AbstractContextManager[bool]:
        """Held while enforcing: True when this process may (no other replica does)."""
        ...

    def due(self, left_on_or_before: date, inactive_before: datetime) -> list[RetentionDue]:
        """People holding biometric data (a face or a kept snapshot) who left on or before
        the day, or whose last interaction (enrollment, face, matched check-in) is older."""
        ...

    def count_attendance_before(self, cutoff: datetime) -> int: ...

    def forget_attendance_before(self, cutoff: datetime, limit: int) -> tuple[int, list[str]]:
        """Delete up to `limit` check-ins older than cutoff (committed); how many, and the
        snapshot keys they named, for the caller to delete."""
        ...
