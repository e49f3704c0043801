"""Fakes of the check-in log (every consumer's port) and the challenge ledger."""

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from backend.domain.model import (
    Checkin,
    CheckinFilter,
    CheckinRow,
    DailyAttendance,
    Dispute,
    Employee,
    Page,
    StoredPhoto,
)


class FakeCheckinLog:
    def __init__(self, names: dict[str, Employee] | None = None) -> None:
        self.rows: list[Checkin] = []
        self.names = names if names is not None else {}
        self.unknown: dict[tuple[datetime, str], int] = {}
        self.not_allowed: dict[tuple[datetime, str], int] = {}
        self.now = lambda: datetime.now(UTC)
        self.error: BaseException | None = None
        # Snapshots held in their rows until stored (checkin_id: the crop), as
        # snapshot_hold holds them.
        self.held: dict[int, bytes] = {}

    def _named(self, row: Checkin) -> CheckinRow:
        employee = self.names.get(row.employee_id or "")
        return CheckinRow(row, employee.name if employee else None)

    def get(self, checkin_id: int) -> CheckinRow | None:
        found = [r for r in self.rows if r.checkin_id == checkin_id]
        return self._named(found[0]) if found else None

    def set_dispute(self, checkin_id: int, dispute: Dispute | None) -> CheckinRow | None:
        for i, row in enumerate(self.rows):
            if row.checkin_id == checkin_id:
                self.rows[i] = replace(row, dispute=dispute)
                return self._named(self.rows[i])
        return None

    def unknown_by_hour(self, day, timezone):  # type: ignore[no-untyped-def]
        return self._by_hour(self.unknown, day, timezone)

    def not_allowed_by_hour(self, day, timezone):  # type: ignore[no-untyped-def]
        return self._by_hour(self.not_allowed, day, timezone)

    @staticmethod
    def _by_hour(attempts, day, timezone):  # type: ignore[no-untyped-def]
        zone = ZoneInfo(timezone)
        counts: dict[int, int] = {}
        for (hour, _), n in attempts.items():
            local = hour.astimezone(zone)
            if local.date() == day:
                counts[local.hour] = counts.get(local.hour, 0) + n
        return counts

    def _matching(self, where: CheckinFilter) -> list[CheckinRow]:
        return [
            CheckinRow(c, self.names[c.employee_id].name if c.employee_id in self.names else None)
            for c in self.rows
            if (where.start is None or c.created_at >= where.start)
            and (where.end is None or c.created_at < where.end)
            and (where.employee_id is None or c.employee_id == where.employee_id)
            and (where.matched is None or c.matched == where.matched)
            and (where.site_id is None or c.site_id == where.site_id)
        ]

    def query(self, where: CheckinFilter, limit: int, offset: int) -> Page:
        rows = self._matching(where)
        return Page(rows[offset : offset + limit], len(rows), limit, offset)

    def stream(self, where: CheckinFilter):  # type: ignore[no-untyped-def]
        yield from self._matching(where)

    def daily(self, day, timezone, site_id=None):  # type: ignore[no-untyped-def]
        zone = ZoneInfo(timezone)
        seen: dict[str, list[datetime]] = {}
        for c in self.rows:
            here = site_id is None or c.site_id == site_id
            if here and c.matched and c.employee_id and c.created_at.astimezone(zone).date() == day:
                seen.setdefault(c.employee_id, []).append(c.created_at)
        return [
            DailyAttendance(e, self.names[e].name, min(t), max(t), len(t))
            for e, t in sorted(seen.items())
        ]


class FakeChallengeLedger:
    def __init__(self) -> None:
        self.used: dict[str, datetime] = {}

    def signing_secret(self) -> bytes:
        return b"test-secret"

    def consume(self, challenge_id: str, expires_at: datetime) -> bool:
        if challenge_id in self.used:
            return False
        self.used[challenge_id] = expires_at
        return True


class FakeHeldSnapshots:
    """HeldSnapshots on the fake log and store: a row's held crop moves to `images` under
    the row's key, as long as the row still names it."""

    def __init__(self, log: FakeCheckinLog, images: Any) -> None:
        self._log = log
        self._images = images

    def _named(self, checkin_id: int) -> str | None:
        rows = [r for r in self._log.rows if r.checkin_id == checkin_id]
        return rows[0].snapshot_key if rows else None

    def store(self, checkin_id: int, key: str, jpeg: bytes) -> None:
        # the hold goes at once here (PgHeldSnapshots lets go in batches)
        self._images.put(key, jpeg, "image/jpeg")
        self._log.held.pop(checkin_id, None)
        if self._named(checkin_id) != key:  # the row let it go meanwhile
            self._images.delete(key)

    def store_held(self, limit: int) -> int:
        stored = 0
        for checkin_id in sorted(self._log.held)[:limit]:
            key = self._named(checkin_id)
            if key is None:
                del self._log.held[checkin_id]
            else:
                self.store(checkin_id, key, self._log.held[checkin_id])
                stored += 1
        return stored

    def held(self, checkin_id: int) -> StoredPhoto | None:
        if checkin_id not in self._log.held or self._named(checkin_id) is None:
            return None
        return StoredPhoto(iter([self._log.held[checkin_id]]), "image/jpeg")

    def reseal_held(self) -> int:
        return 0  # the fake store keeps snapshots as they are: no keys to rotate
