"""HeldSnapshots on PostgreSQL and the object store: a check-in's snapshot moves from its
row (checkin.snapshot_held, migration 0018) to the store, under the row's lock."""

from sqlalchemy import Engine, text

from backend.domain.evidence import SNAPSHOT_TYPE
from backend.domain.model import StoredPhoto
from backend.infrastructure.database import transaction
from backend.infrastructure.sealed_store import SealedImageStore


class PgHeldSnapshots:
    def __init__(self, engine: Engine, store: SealedImageStore) -> None:
        self._engine = engine
        self._store = store

    def store(self, checkin_id: int) -> bool:
        with transaction(self._engine) as db:
            # SKIP LOCKED: another replica moving it, or an erasure or sweep of the row
            # under way (which lets it go), is not waited for.
            row = db.execute(
                text(
                    "SELECT snapshot_key, snapshot_held FROM checkin "
                    "WHERE id = :i AND snapshot_held IS NOT NULL FOR UPDATE SKIP LOCKED"
                ),
                {"i": checkin_id},
            ).first()
            if row is None:
                return False
            # Stored while the row is locked: an erasure of the row waits for this, then
            # deletes the object by the row's key. The held bytes go at the commit only.
            self._store.put_sealed(row.snapshot_key, bytes(row.snapshot_held), SNAPSHOT_TYPE)
            db.execute(
                text("UPDATE checkin SET snapshot_held = NULL WHERE id = :i"), {"i": checkin_id}
            )
        return True

    def store_held(self, limit: int) -> int:
        with transaction(self._engine) as db:
            waiting = db.execute(
                text("SELECT id FROM checkin WHERE snapshot_held IS NOT NULL ORDER BY id LIMIT :n"),
                {"n": limit},
            ).scalars()
            ids = list(waiting)
        return sum(self.store(checkin_id) for checkin_id in ids)

    def held(self, checkin_id: int) -> StoredPhoto | None:
        with transaction(self._engine) as db:
            row = db.execute(
                text(
                    "SELECT snapshot_key, snapshot_held FROM checkin "
                    "WHERE id = :i AND snapshot_held IS NOT NULL"
                ),
                {"i": checkin_id},
            ).first()
        if row is None:
            return None
        return self._store.opened(row.snapshot_key, bytes(row.snapshot_held), SNAPSHOT_TYPE)
