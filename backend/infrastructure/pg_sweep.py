"""The photo sweep's side of PostgreSQL: a lock so that one replica sweeps at a time."""

import contextlib
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Engine, text

from backend.infrastructure.database import transaction

SWEEP_LOCK = 0x6667737765657031  # pg_try_advisory_xact_lock key: "fgsweep1"
SNAPSHOT_SWEEP_LOCK = 0x6667737765657032  # "fgsweep2": the check-in snapshot sweep


class PgSweptGallery:
    """SweptGallery on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    lock = SWEEP_LOCK

    @contextlib.contextmanager
    def sweeping(self) -> Iterator[bool]:
        # A transaction-level lock: released however the sweep ends, even if the
        # process dies (the connection goes with it).
        with transaction(self._engine) as db:
            ours = bool(
                db.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": self.lock}).scalar()
            )
            yield ours

    def image_keys_named(self, keys: list[str]) -> set[str]:
        with transaction(self._engine) as db:
            rows = db.execute(
                text("SELECT image_key FROM face WHERE image_key = ANY(:keys)"), {"keys": keys}
            ).scalars()
            return set(rows)


class PgSweptSnapshots(PgSweptGallery):
    """SweptSnapshots on PostgreSQL: the check-in rows that name snapshots."""

    lock = SNAPSHOT_SWEEP_LOCK

    def snapshot_keys_named(self, keys: list[str]) -> set[str]:
        with transaction(self._engine) as db:
            rows = db.execute(
                text("SELECT snapshot_key FROM checkin WHERE snapshot_key = ANY(:keys)"),
                {"keys": keys},
            ).scalars()
            return set(rows)

    def forget_snapshots_before(self, cutoff: datetime, limit: int) -> list[str]:
        # SKIP LOCKED as well as the sweep lock: a row being disputed is not waited for.
        with transaction(self._engine) as db:
            rows = db.execute(
                text(
                    "WITH old AS (SELECT id, snapshot_key FROM checkin "
                    "WHERE snapshot_key IS NOT NULL AND created_at < :cutoff "
                    "ORDER BY created_at LIMIT :n FOR UPDATE SKIP LOCKED) "
                    "UPDATE checkin c SET snapshot_key = NULL FROM old WHERE c.id = old.id "
                    "RETURNING old.snapshot_key"
                ),
                {"cutoff": cutoff, "n": limit},
            ).scalars()
            return [key for key in rows if key]
