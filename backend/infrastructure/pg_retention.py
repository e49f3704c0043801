"""The retention schedule's side of PostgreSQL: one enforcer at a time, who is due, and
the old check-ins it deletes (the destruction itself runs under a unit of work)."""

import contextlib
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import Engine, text

from backend.domain.privacy import RetentionDue
from backend.infrastructure.database import transaction

RETENTION_LOCK = 0x6667726574656E31  # pg_try_advisory_xact_lock key: "fgreten1"

# People holding biometric data (a face, or a check-in that still names a snapshot or a
# face), with the day they left and their last interaction.
HOLDERS = """
SELECT e.id, e.name, e.status, e.left_on,
       greatest(e.created_at,
                (SELECT max(f.created_at) FROM face f WHERE f.employee_id = e.id),
                (SELECT max(c.created_at) FROM checkin c
                  WHERE c.employee_id = e.id AND c.matched)) AS last_seen
FROM employee e
WHERE EXISTS (SELECT 1 FROM face f WHERE f.employee_id = e.id)
   OR EXISTS (SELECT 1 FROM checkin c WHERE c.employee_id = e.id
              AND (c.snapshot_key IS NOT NULL OR c.face_id IS NOT NULL))
"""


class PgRetentionRecords:
    """RetentionRecords on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextlib.contextmanager
    def enforcing(self) -> Iterator[bool]:
        # Transaction-level: released however the run ends, even if the process dies.
        with transaction(self._engine) as db:
            yield bool(
                db.execute(
                    text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": RETENTION_LOCK}
                ).scalar()
            )

    def due(self, left_on_or_before: date, inactive_before: datetime) -> list[RetentionDue]:
        with transaction(self._engine) as db:
            rows = db.execute(
                text(
                    f"SELECT * FROM ({HOLDERS}) h "
                    "WHERE (h.status = 'left' AND h.left_on <= :left) OR h.last_seen < :seen "
                    "ORDER BY h.id"
                ),
                {"left": left_on_or_before, "seen": inactive_before},
            )
            return [
                RetentionDue(r.id, r.name, "left", r.left_on)
                if r.status == "left" and r.left_on <= left_on_or_before
                else RetentionDue(r.id, r.name, "inactive", r.last_seen)
                for r in rows
            ]

    def count_attendance_before(self, cutoff: datetime) -> int:
        with transaction(self._engine) as db:
            count: int = db.execute(
                text("SELECT count(*) FROM checkin WHERE created_at < :c"), {"c": cutoff}
            ).scalar_one()
        return count

    def forget_attendance_before(self, cutoff: datetime, limit: int) -> tuple[int, list[str]]:
        with transaction(self._engine) as db:
            rows = db.execute(
                text(
                    "WITH old AS (SELECT id FROM checkin WHERE created_at < :c "
                    "ORDER BY created_at LIMIT :n FOR UPDATE SKIP LOCKED) "
                    "DELETE FROM checkin c USING old WHERE c.id = old.id "
                    "RETURNING c.snapshot_key"
                ),
                {"c": cutoff, "n": limit},
            ).all()
        return len(rows), [r.snapshot_key for r in rows if r.snapshot_key]
