"""The head-turn challenge's side of PostgreSQL: the signing secret every replica shares
(made by migration 0007) and the answered challenges, so that each is used once."""

from datetime import datetime

from sqlalchemy import Engine, text

from backend.infrastructure.database import transaction


class PgChallengeLedger:
    """ChallengeLedger on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # Cached for the life of the process: the secret is written once by the migration
        # and never changes, so a cached copy is never stale.
        self._secret: bytes | None = None

    def signing_secret(self) -> bytes:
        if self._secret is None:
            with transaction(self._engine) as db:
                value = db.execute(text("SELECT secret FROM liveness_secret WHERE id = 1")).scalar()
            self._secret = bytes.fromhex(str(value))
        return self._secret

    def consume(self, challenge_id: str, expires_at: datetime) -> bool:
        with transaction(self._engine) as db:
            # An expired challenge is refused before it gets here: its row can go.
            db.execute(text("DELETE FROM liveness_challenge WHERE expires_at < now()"))
            inserted = db.execute(
                text(
                    "INSERT INTO liveness_challenge (id, expires_at) VALUES (:i, :e) "
                    "ON CONFLICT (id) DO NOTHING"
                ),
                {"i": challenge_id, "e": expires_at},
            ).rowcount
        return bool(inserted)
