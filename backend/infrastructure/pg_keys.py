"""API keys in PostgreSQL: only SHA-256 hashes are stored; a kiosk key has a site and a
direction."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, exc, text

from backend.domain.errors import KeyNameTaken, SiteNotFound
from backend.domain.model import ApiKey, Liveness, Role
from backend.domain.site_model import DEFAULT_SITE_ID, Direction
from backend.infrastructure.database import statements, transaction
from backend.infrastructure.pg_sites import site_of

KEY_SELECT = (
    "SELECT k.id, k.name, k.role, k.key_hash, k.created_at, k.revoked_at, k.last_used_at, "
    "k.liveness, k.direction, s.id AS site_id, s.name AS site_name, "
    "s.timezone AS site_timezone, s.day_start_hour AS site_day_start_hour, "
    "s.expected_start AS site_expected_start FROM api_key k JOIN site s ON s.id = k.site_id"
)


def key_of(row: Any) -> ApiKey:
    return ApiKey(
        row.name,
        Role(row.role),
        row.created_at,
        row.revoked_at,
        row.last_used_at,
        Liveness(row.liveness),
        site_of(row, "site_"),
        Direction(row.direction),
    )


class PgApiKeyStore:
    """ApiKeyStore on PostgreSQL: only SHA-256 hashes are stored."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(
        self,
        name: str,
        role: Role,
        key_hash: str,
        site_id: int = DEFAULT_SITE_ID,
        direction: Direction = Direction.BOTH,
    ) -> ApiKey:
        try:
            with transaction(self._engine) as db:
                db.execute(
                    text(
                        "INSERT INTO api_key (name, role, key_hash, site_id, direction) "
                        "VALUES (:n, :r, :h, :s, :d)"
                    ),
                    {"n": name, "r": role.value, "h": key_hash, "s": site_id, "d": direction},
                )
                row = db.execute(
                    text(f"{KEY_SELECT} WHERE k.name = :n AND k.revoked_at IS NULL"), {"n": name}
                ).one()
        except exc.IntegrityError as error:
            if "site" in str(error.orig):
                raise SiteNotFound(f"no site {site_id}", {"site_id": site_id}) from error
            raise KeyNameTaken(f"a key named {name} already exists") from error
        return key_of(row)

    def find(self, key_hash: str) -> tuple[ApiKey, str] | None:
        # Every request asks: the read and the minute's "last used" each on their own.
        with statements(self._engine) as db:
            row = db.execute(
                text(f"{KEY_SELECT} WHERE k.key_hash = :h AND k.revoked_at IS NULL"),
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
        return key_of(row), row.key_hash

    def list(self) -> list[ApiKey]:
        with transaction(self._engine) as db:
            return [key_of(r) for r in db.execute(text(f"{KEY_SELECT} ORDER BY k.name"))]

    def set_liveness(self, name: str, liveness: Liveness) -> ApiKey | None:
        return self._change(name, "liveness = :l", {"l": liveness})

    def set_place(self, name: str, site_id: int, direction: Direction) -> ApiKey | None:
        try:
            return self._change(
                name, "site_id = :s, direction = :d", {"s": site_id, "d": direction}
            )
        except exc.IntegrityError as error:
            raise SiteNotFound(f"no site {site_id}", {"site_id": site_id}) from error

    def _change(self, name: str, assignments: str, params: dict[str, Any]) -> ApiKey | None:
        with transaction(self._engine) as db:
            changed = db.execute(
                text(f"UPDATE api_key SET {assignments} WHERE name = :n AND revoked_at IS NULL"),
                {"n": name, **params},
            ).rowcount
            if not changed:
                return None
            row = db.execute(
                text(f"{KEY_SELECT} WHERE k.name = :n AND k.revoked_at IS NULL"), {"n": name}
            ).one()
        return key_of(row)

    def revoke(self, name: str) -> bool:
        with transaction(self._engine) as db:
            changed = db.execute(
                text(
                    "UPDATE api_key SET revoked_at = now() WHERE name = :n AND revoked_at IS NULL"
                ),
                {"n": name},
            ).rowcount
        return bool(changed)
