"""HeldSnapshots on PostgreSQL and the object store: a check-in's snapshot held in
snapshot_hold (migration 0018) until the store has it."""

from sqlalchemy import Connection, Engine, text

from backend.domain.evidence import SNAPSHOT_TYPE
from backend.domain.model import StoredPhoto
from backend.infrastructure.database import statements
from backend.infrastructure.sealed_store import SealedImageStore


class PgHeldSnapshots:
    def __init__(self, engine: Engine, store: SealedImageStore) -> None:
        self._engine = engine
        self._store = store

    def store(self, checkin_id: int, key: str, jpeg: bytes) -> bool:
        self._store.put(key, jpeg, SNAPSHOT_TYPE)
        with statements(self._engine) as db:
            return self._let_go(db, checkin_id, key)

    def store_held(self, limit: int) -> int:
        with statements(self._engine) as db:
            held = db.execute(
                text(
                    "SELECT h.checkin_id, h.body, c.snapshot_key FROM snapshot_hold h "
                    "JOIN checkin c ON c.id = h.checkin_id ORDER BY h.checkin_id LIMIT :n"
                ),
                {"n": limit},
            ).all()
            stored = 0
            for row in held:
                if row.snapshot_key is not None:  # else the row let it go: only the hold goes
                    self._store.put_sealed(row.snapshot_key, bytes(row.body), SNAPSHOT_TYPE)
                stored += self._let_go(db, row.checkin_id, row.snapshot_key)
        return stored

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

    def _let_go(self, db: Connection, checkin_id: int, key: str | None) -> bool:
        """After the object is stored: the hold goes, in one statement that also reads
        whether the row still names the object. If it does not (an erasure or the
        retention committed meanwhile), the object is deleted again; an erasure that
        commits after this statement deletes the object itself, stored by then. A crash
        before the statement leaves the hold for the upload job (or, when the row went
        meanwhile, an object no row names, which the snapshot sweep removes)."""
        named = db.execute(
            text(
                "WITH gone AS (DELETE FROM snapshot_hold WHERE checkin_id = :i) "
                "SELECT count(*) FROM checkin WHERE id = :i AND snapshot_key = :k"
            ),
            {"i": checkin_id, "k": key},
        ).scalar_one()
        if key is not None and not named:
            self._store.delete(key)
        return bool(named)
