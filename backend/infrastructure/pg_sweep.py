"""The photo sweep's side of PostgreSQL: a lock so that one replica sweeps at a time."""

import contextlib
from collections.abc import Iterator

from sqlalchemy import Engine, text

from backend.infrastructure.database import transaction

SWEEP_LOCK = 0x6667737765657031  # pg_try_advisory_xact_lock key: "fgsweep1"


class PgSweptGallery:
    """SweptGallery on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextlib.contextmanager
    def sweeping(self) -> Iterator[bool]:
        # A transaction-level lock: released however the sweep ends, even if the
        # process dies (the connection goes with it).
        with transaction(self._engine) as db:
            ours = bool(
                db.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SWEEP_LOCK}).scalar()
            )
            yield ours

    def image_keys_named(self, keys: list[str]) -> set[str]:
        with transaction(self._engine) as db:
            rows = db.execute(
                text("SELECT image_key FROM face WHERE image_key = ANY(:keys)"), {"keys": keys}
            ).scalars()
            return set(rows)
