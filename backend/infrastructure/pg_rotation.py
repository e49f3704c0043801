"""The storage rotation's progress in PostgreSQL: one row per target key, held by
FOR UPDATE SKIP LOCKED while a batch runs, so one runner works at a time."""

from collections.abc import Callable

from sqlalchemy import Engine, text

from backend.domain.ports.storage import Step
from backend.infrastructure.database import transaction


class PgRotationLedger:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def start(self, key_id: str) -> None:
        with transaction(self._engine) as db:
            # A finished rotation to the same key starts over: objects may have been
            # written since with another key (STORAGE_KEY_ID changed back and forth).
            db.execute(
                text(
                    "INSERT INTO storage_rotation (key_id) VALUES (:k) ON CONFLICT (key_id) DO "
                    "UPDATE SET cursor = '', rewritten = 0, started_at = now(), "
                    "finished_at = NULL WHERE storage_rotation.finished_at IS NOT NULL"
                ),
                {"k": key_id},
            )

    def step(self, key_id: str, work: Callable[[str], tuple[str, int] | None]) -> Step:
        with transaction(self._engine) as db:
            row = db.execute(
                text(
                    "SELECT cursor, finished_at FROM storage_rotation WHERE key_id = :k "
                    "FOR UPDATE SKIP LOCKED"
                ),
                {"k": key_id},
            ).first()
            if row is None:
                return Step.BUSY
            if row.finished_at is not None:
                return Step.DONE
            done = work(row.cursor)
            if done is None:
                db.execute(
                    text("UPDATE storage_rotation SET finished_at = now() WHERE key_id = :k"),
                    {"k": key_id},
                )
                return Step.FINISHED
            db.execute(
                text(
                    "UPDATE storage_rotation SET cursor = :c, rewritten = rewritten + :n "
                    "WHERE key_id = :k"
                ),
                {"k": key_id, "c": done[0], "n": done[1]},
            )
            return Step.ADVANCED

    def unfinished(self, key_id: str) -> bool:
        with transaction(self._engine) as db:
            found = db.execute(
                text("SELECT 1 FROM storage_rotation WHERE key_id = :k AND finished_at IS NULL"),
                {"k": key_id},
            ).first()
        return found is not None

    def rewritten(self, key_id: str) -> int:
        with transaction(self._engine) as db:
            found = db.execute(
                text("SELECT rewritten FROM storage_rotation WHERE key_id = :k"), {"k": key_id}
            ).scalar()
        return int(found or 0)
