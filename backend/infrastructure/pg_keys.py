"""API keys in PostgreSQL: only SHA-256 hashes are stored."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, exc, text

from backend.domain.errors import KeyNameTaken
from backend.domain.model import ApiKey, Liveness, Role
from backend.infrastructure.database import transaction


class PgApiKeyStore:
    """ApiKeyStore on PostgreSQL: only SHA-256 hashes are stored."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, name: str, role: Role, key_hash: str) -> ApiKey:
        try:
            with transaction(self._engine) as db:
                row = db.execute(
                    text(
                        "INSERT INTO api_key (name, role, key_hash) VALUES (:n, :r, :h) "
                        "RETURNING created_at"
                    ),
                    {"n": name, "r": role.value, "h": key_hash},
                ).one()
        except exc.IntegrityError as error:
            raise KeyNameTaken(f"a key named {name} already exists") from error
        return ApiKey(name, role, row.created_at)

    def find(self, key_hash: str) -> tuple[ApiKey, str] | None:
        with transaction(self._engine) as db:
            row = db.execute(
                text(
                    "SELECT id, name, role, key_hash, created_at, last_used_at, liveness "
                    "FROM api_key "
                    "WHERE key_hash = :h AND revoked_at IS NULL"
                ),
                {"h": key_hash},
            ).first()
            # "Last used" to the minute: a write per minute per key, not per request.
            stale = datetime.now(UTC) - timedelta(minutes=1)
            if row is not None and (row.last_used_at is None or row.last_used_at < stale):
                db.execute(
                    text("UPDATE api_key SET last_used_at = now() WHERE id = :i"), {"i": row.id}
                )
        if row is None:
            return None
        key = ApiKey(row.name, Role(row.role), row.created_at, liveness=Liveness(row.liveness))
        return key, row.key_hash

    def list(self) -> list[ApiKey]:
        with transaction(self._engine) as db:
            rows = db.execute(
                text(
                    "SELECT name, role, created_at, revoked_at, last_used_at, liveness "
                    "FROM api_key ORDER BY name"
                )
            )
            return [
                ApiKey(
                    r.name,
                    Role(r.role),
                    r.created_at,
                    r.revoked_at,
                    r.last_used_at,
                    Liveness(r.liveness),
                )
                for r in rows
            ]

    def set_liveness(self, name: str, liveness: Liveness) -> ApiKey | None:
        with transaction(self._engine) as db:
            r = db.execute(
                text(
                    "UPDATE api_key SET liveness = :l WHERE name = :n AND revoked_at IS NULL "
                    "RETURNING name, role, created_at, revoked_at, last_used_at, liveness"
                ),
                {"n": name, "l": liveness},
            ).first()
        if r is None:
            return None
        return ApiKey(
            r.name, Role(r.role), r.created_at, r.revoked_at, r.last_used_at, Liveness(r.liveness)
        )

    def revoke(self, name: str) -> bool:
        with transaction(self._engine) as db:
            changed = db.execute(
                text(
                    "UPDATE api_key SET revoked_at = now() WHERE name = :n AND revoked_at IS NULL"
                ),
                {"n": name},
            ).rowcount
        return bool(changed)
