"""Ports of the records: what check-ins, attendance, evidence, the sweeps and the liveness
challenges each need of the check-in log and the stored objects."""

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Protocol

from backend.domain.model import (
    CheckinFilter,
    CheckinRow,
    DailyAttendance,
    Dispute,
    Page,
    StoredPhoto,
)
from backend.domain.site_model import Punch


class SweptGallery(Protocol):
    """What the photo sweep needs of the gallery: one sweeper at a time, and names."""

    def sweeping(self) -> AbstractContextManager[bool]:
        """Held while sweeping: True when this process may sweep (no other one does)."""
        ...

    def image_keys_named(self, keys: list[str]) -> set[str]:
        """Those of `keys` that a face row names."""
        ...


class SweptPhotos(Protocol):
    """What the photo sweep needs of the object store."""

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Every stored key under prefix with the time it was stored."""
        ...

    def delete(self, key: str) -> None: ...


class SweptSnapshots(Protocol):
    """What the snapshot sweep needs of the check-in log: one sweeper at a time, names,
    and the snapshots past their retention."""

    def sweeping(self) -> AbstractContextManager[bool]:
        """Held while sweeping: True when this process may sweep (no other one does)."""
        ...

    def snapshot_keys_named(self, keys: list[str]) -> set[str]:
        """Those of `keys` that a check-in row names."""
        ...

    def forget_snapshots_before(self, cutoff: datetime, limit: int) -> list[str]:
        """Unlink up to `limit` snapshots of check-ins older than cutoff from their rows
        (committed) and return their keys, for the caller to delete."""
        ...


class HeldSnapshots(Protocol):
    """Check-in snapshots held beside their rows until the object store has them (the
    answer does not wait for the store; the row and its held snapshot commit together)."""

    def store(self, checkin_id: int, key: str, jpeg: bytes) -> None:
        """Store the committed check-in's snapshot (`jpeg`, as it is held) under `key`;
        its hold goes soon after (in batches), or the object again if the row no longer
        names it by then (erased meanwhile)."""
        ...

    def store_held(self, limit: int) -> int:
        """Store up to `limit` held snapshots that a crash or an outage left (and let go
        of the holds of what this process stored); how many were stored."""
        ...

    def held(self, checkin_id: int) -> StoredPhoto | None:
        """The check-in's snapshot while it is still held, opened; None when it is not."""
        ...

    def reseal_held(self) -> int:
        """Seal every hold with the current storage key (the end of a key rotation); how
        many were sealed with another."""
        ...


class AttendanceRecords(Protocol):
    """What attendance reads: check-ins filtered, streamed, and per day."""

    def unknown_by_hour(self, day: date, timezone: str) -> dict[int, int]:
        """Unmatched attempts of that day per local hour (0-23), hours with none left out."""
        ...

    def not_allowed_by_hour(self, day: date, timezone: str) -> dict[int, int]:
        """Of those, faces of people not allowed at the kiosk's site, per local hour."""
        ...

    def query(self, where: CheckinFilter, limit: int, offset: int) -> Page: ...

    def stream(self, where: CheckinFilter) -> Iterator[CheckinRow]:
        """Every matching check-in, oldest first, without holding them all in memory."""
        ...

    def daily(self, day: date, timezone: str, site_id: int | None = None) -> list[DailyAttendance]:
        """Each employee's first and last matched check-in on that day in that zone (at
        `site_id` only, when given)."""
        ...


class PunchLog(Protocol):
    """What the hours report reads: matched check-ins as punches, streamed."""

    def punches(self, start: datetime, end: datetime, site_id: int | None) -> Iterator[Punch]:
        """Matched check-ins in [start, end) (at `site_id` when given), ordered by
        employee then time, without holding them all in memory."""
        ...


class CheckinEvidence(Protocol):
    """What evidence reads and marks: one check-in, and its dispute."""

    def get(self, checkin_id: int) -> CheckinRow | None: ...

    def set_dispute(self, checkin_id: int, dispute: Dispute | None) -> CheckinRow | None:
        """Mark the check-in disputed (or clear it with None); None when there is none."""
        ...


class CheckinLog(AttendanceRecords, CheckinEvidence, Protocol):
    """The attendance record as one adapter reads it: every consumer's port."""


class ChallengeLedger(Protocol):
    """What the head-turn challenge needs of the database: a secret every replica shares,
    and a record of answered challenges so that each is used once."""

    def signing_secret(self) -> bytes: ...

    def consume(self, challenge_id: str, expires_at: datetime) -> bool:
        """Record the challenge as answered; False when it already was (on any replica)."""
        ...
