"""The directory's groups in PostgreSQL (GroupStore): read here, changed in
pg_group_writes under one transaction and lock."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

from backend.domain.directory_model import DirectoryGroup
from backend.infrastructure.database import transaction
from backend.infrastructure.pg_group_writes import GROUPS_LOCK, PgGroupWrites, read_group


class PgGroups:
    """GroupStore on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get_group(self, group_id: str) -> DirectoryGroup | None:
        with transaction(self._engine) as db:
            return read_group(db, group_id)

    def find_groups(
        self, display_name: str | None, external_id: str | None, start: int, count: int
    ) -> tuple[list[DirectoryGroup], int]:
        where = ["true"]
        if display_name is not None:
            where.append("lower(display_name) = lower(:n)")
        if external_id is not None:
            where.append("external_id = :x")
        condition = " AND ".join(where)
        values = {"n": display_name, "x": external_id, "o": start, "l": count}
        with transaction(self._engine) as db:
            total = db.execute(
                text(f"SELECT count(*) FROM scim_group WHERE {condition}"), values
            ).scalar_one()
            ids = list(
                db.execute(
                    text(
                        f"SELECT id FROM scim_group WHERE {condition} "
                        "ORDER BY id LIMIT :l OFFSET :o"
                    ),
                    values,
                ).scalars()
            )
            groups = [read_group(db, i) for i in ids]
        return [g for g in groups if g is not None], total

    @contextmanager
    def writing(self) -> Iterator[PgGroupWrites]:
        """One transaction under a transaction-scoped advisory lock (it holds behind
        PgBouncer in transaction mode and goes with the commit or rollback): group changes
        from every replica run one after another, so each recompute of allowed sites reads
        the memberships the others committed."""
        with transaction(self._engine) as db:
            db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": GROUPS_LOCK})
            yield PgGroupWrites(db)
