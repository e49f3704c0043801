"""The search rate limiter's token buckets in PostgreSQL, shared by every replica."""

from sqlalchemy import Engine, text

from backend.infrastructure.database import statements

# The bucket refilled for the time since it was last seen. statement_timestamp() is one
# instant for the whole statement; a statement that waited for the row lock may have
# started before the one it waited for, hence greatest(0, ...) here and greatest() on
# updated_at below (time is never counted twice).
_REFILLED = (
    "least(CAST(:capacity AS float8), b.tokens + CAST(:rate AS float8)"
    " * greatest(0, extract(epoch FROM statement_timestamp() - b.updated_at)::float8))"
)
# One statement: a new key starts full less the token it spends; a known key is refilled
# and spends a token if it has one. The row lock serialises replicas on one key only.
TAKE = text(
    f"""
    INSERT INTO rate_bucket AS b (key, tokens, granted, updated_at)
    VALUES (:key, CAST(:capacity AS float8) - 1, true, statement_timestamp())
    ON CONFLICT (key) DO UPDATE SET
        tokens = CASE WHEN {_REFILLED} >= 1 THEN {_REFILLED} - 1 ELSE {_REFILLED} END,
        granted = {_REFILLED} >= 1,
        updated_at = greatest(b.updated_at, statement_timestamp())
    RETURNING tokens, granted
    """
)


class PgRateBuckets:
    """RateBuckets in the table rate_bucket (one row per API key)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def take(self, key: str, rate_per_second: float, capacity: float) -> float | None:
        # One statement, atomic by itself: no transaction around it. The table is
        # unlogged (migration 0017): its commit waits for no WAL flush nor standby.
        with statements(self._engine) as db:
            tokens, granted = db.execute(
                TAKE, {"key": key, "rate": rate_per_second, "capacity": capacity}
            ).one()
        return None if granted else float(tokens)
