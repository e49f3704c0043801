"""HeldSnapshots on PostgreSQL and the object store: a check-in's snapshot held in
snapshot_hold (migration 0018) until the store has it."""

import threading
import time
from collections.abc import Callable, Sequence

from sqlalchemy import Engine, text

from backend.domain.evidence import SNAPSHOT_TYPE
from backend.domain.model import StoredPhoto
from backend.infrastructure.database import statements
from backend.infrastructure.sealed_store import SealedImageStore

# Stored snapshots whose holds go in one statement: at most this many, or those of this
# many seconds (the upload job lets go of the rest). Per check-in the statement was most
# of what holding a snapshot cost in CPU.
LET_GO_BATCH = 32
LET_GO_SECONDS = 0.25
# The upload job stores holds at least this old: younger ones are their replica's to let go.
HELD_GRACE_SECONDS = 10


class PgHeldSnapshots:
    def __init__(
        self,
        engine: Engine,
        store: SealedImageStore,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._stored: list[tuple[int, str]] = []  # stored, hold not yet let go
        self._since = 0.0

    def store(self, checkin_id: int, key: str, jpeg: bytes) -> None:
        self._store.put(key, jpeg, SNAPSHOT_TYPE)
        with self._lock:
            if not self._stored:
                self._since = self._clock()
            self._stored.append((checkin_id, key))
            due = len(self._stored) >= LET_GO_BATCH or self._clock() - self._since >= LET_GO_SECONDS
        if due:
            self.let_go()

    def store_held(self, limit: int) -> int:
        self.let_go()  # this replica's own first: not stored twice
        with statements(self._engine) as db:
            held = db.execute(
                text(
                    "SELECT h.checkin_id, h.body, c.snapshot_key FROM snapshot_hold h "
                    "JOIN checkin c ON c.id = h.checkin_id "
                    "WHERE h.held_at < now() - make_interval(secs => :grace) "
                    "ORDER BY h.checkin_id LIMIT :n"
                ),
                {"n": limit, "grace": HELD_GRACE_SECONDS},
            ).all()
        stored = [(row.checkin_id, row.snapshot_key) for row in held]
        for row in held:
            if row.snapshot_key is not None:  # else the row let it go: only the hold goes
                self._store.put_sealed(row.snapshot_key, bytes(row.body), SNAPSHOT_TYPE)
        return self._let_go(stored)

    def held(self, checkin_id: int) -> StoredPhoto | None:
        with statements(self._engine) as db:
            row = db.execute(
                text(
                    "SELECT h.body, c.snapshot_key FROM snapshot_hold h "
                    "JOIN checkin c ON c.id = h.checkin_id "
                    "WHERE h.checkin_id = :i AND c.snapshot_key IS NOT NULL"
                ),
                {"i": checkin_id},
            ).first()
        if row is None:
            return None
        return self._store.opened(row.snapshot_key, bytes(row.body), SNAPSHOT_TYPE)

    def reseal_held(self, batch: int = 100) -> int:
        """Seal with the current storage key every hold sealed with another (a rotation's
        last step: the holds are copies of objects still to come, and an old key may be
        removed once the rotation is done); how many were resealed. A hold stored or let
        go meanwhile is left as it is: its object was resealed on its way to the store."""
        resealed = 0
        after = 0
        while True:
            with statements(self._engine) as db:
                held = db.execute(
                    text(
                        "SELECT h.checkin_id, h.body, c.snapshot_key FROM snapshot_hold h "
                        "JOIN checkin c ON c.id = h.checkin_id "
                        "WHERE h.checkin_id > :after ORDER BY h.checkin_id LIMIT :n"
                    ),
                    {"after": after, "n": batch},
                ).all()
                if not held:
                    return resealed
                after = held[-1].checkin_id
                for row in held:
                    if row.snapshot_key is None:  # let go by its row: the job drops it
                        continue
                    body = bytes(row.body)
                    current = self._store.current_seal(row.snapshot_key, body, SNAPSHOT_TYPE)
                    if current != body:
                        resealed += db.execute(
                            text(
                                "UPDATE snapshot_hold SET body = :new "
                                "WHERE checkin_id = :i AND body = :old"
                            ),
                            {"new": current, "i": row.checkin_id, "old": body},
                        ).rowcount

    def let_go(self) -> int:
        """Let go of the holds of what this replica stored; how many it still named (at
        shutdown too: what is left here would wait for another replica's job)."""
        with self._lock:
            taken, self._stored = self._stored, []
        if not taken:
            return 0
        try:
            return self._let_go(taken)
        except BaseException:
            with self._lock:  # tried again with the next batch
                self._stored[:0] = taken
            raise

    def _let_go(self, stored: Sequence[tuple[int, str | None]]) -> int:
        """After the objects are stored: their holds go, in one statement that also reads
        which rows still name them. Objects no row names any more (an erasure or the
        retention committed meanwhile) are deleted again; an erasure that commits later
        deletes its objects itself, stored by then. A crash before the statement leaves
        the holds for the upload job (or, where the row went meanwhile, an object no row
        names, which the snapshot sweep removes)."""
        if not stored:
            return 0
        ids = [checkin_id for checkin_id, _ in stored]
        with statements(self._engine) as db:
            rows = db.execute(
                text(
                    "WITH gone AS (DELETE FROM snapshot_hold WHERE checkin_id = ANY(:ids)) "
                    "SELECT id, snapshot_key FROM checkin WHERE id = ANY(:ids)"
                ),
                {"ids": ids},
            ).all()
        named = {row.id: row.snapshot_key for row in rows}
        kept = 0
        for checkin_id, key in stored:
            if key is not None and named.get(checkin_id) != key:
                self._store.delete(key)
            else:
                kept += key is not None
        return kept
