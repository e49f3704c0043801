"""The directory's groups in PostgreSQL, kept as departments (GroupStore)."""

from typing import Any

from sqlalchemy import Connection, Engine, exc, text

from backend.domain.errors import UserNameTaken
from backend.domain.model import DirectoryGroup
from backend.infrastructure.database import transaction

LIVE_PEOPLE = "SELECT employee_id FROM scim_user WHERE deprovisioned_at IS NULL"


class PgGroups:
    """GroupStore on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get_group(self, group_id: str) -> DirectoryGroup | None:
        with transaction(self._engine) as db:
            return _read(db, group_id)

    def group_named(self, display_name: str) -> str | None:
        with transaction(self._engine) as db:
            found: str | None = db.execute(
                text("SELECT id FROM scim_group WHERE lower(display_name) = lower(:n)"),
                {"n": display_name},
            ).scalar()
        return found

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
            groups = [_read(db, i) for i in ids]
        return [g for g in groups if g is not None], total

    def save_group(self, group: DirectoryGroup) -> DirectoryGroup:
        members = list(group.members)
        try:
            with transaction(self._engine) as db:
                before = _read(db, group.group_id, lock=True)
                db.execute(_UPSERT, _values(group))
                if before is not None:
                    # People who left the group, or all of them on a rename, lose its name.
                    db.execute(
                        text(
                            "UPDATE employee SET department = NULL WHERE department = :old "
                            f"AND id IN ({LIVE_PEOPLE}) AND id = ANY(:was)"
                        ),
                        {"old": before.display_name, "was": list(before.members)},
                    )
                db.execute(
                    text("DELETE FROM scim_group_member WHERE group_id = :i"),
                    {"i": group.group_id},
                )
                for position, member in enumerate(members):
                    db.execute(
                        text(
                            "INSERT INTO scim_group_member (group_id, member, position) "
                            "VALUES (:i, :m, :p)"
                        ),
                        {"i": group.group_id, "m": member, "p": position},
                    )
                db.execute(
                    text(
                        "UPDATE employee SET department = :n "
                        f"WHERE id = ANY(:ids) AND id IN ({LIVE_PEOPLE})"
                    ),
                    {"n": group.display_name, "ids": members},
                )
                saved = _read(db, group.group_id)
        except exc.IntegrityError as error:
            raise UserNameTaken(f"a group named {group.display_name} exists") from error
        if saved is None:  # written just above, in the same transaction
            raise RuntimeError(f"group {group.group_id} was not saved")
        return saved

    def delete_group(self, group_id: str) -> bool:
        with transaction(self._engine) as db:
            before = _read(db, group_id, lock=True)
            if before is None:
                return False
            db.execute(
                text(
                    "UPDATE employee SET department = NULL WHERE department = :n "
                    f"AND id IN ({LIVE_PEOPLE}) AND id = ANY(:ids)"
                ),
                {"n": before.display_name, "ids": list(before.members)},
            )
            db.execute(text("DELETE FROM scim_group WHERE id = :i"), {"i": group_id})
        return True


_UPSERT = text(
    "INSERT INTO scim_group (id, display_name, external_id) VALUES (:i, :n, :x) "
    "ON CONFLICT (id) DO UPDATE SET display_name = :n, external_id = :x, "
    "version = scim_group.version + 1, updated_at = now()"
)


def _values(group: DirectoryGroup) -> dict[str, Any]:
    return {"i": group.group_id, "n": group.display_name, "x": group.external_id}


def _read(db: Connection, group_id: str, lock: bool = False) -> DirectoryGroup | None:
    row = db.execute(
        text(
            "SELECT id, display_name, external_id, version, created_at, updated_at "
            "FROM scim_group WHERE id = :i" + (" FOR UPDATE" if lock else "")
        ),
        {"i": group_id},
    ).first()
    if row is None:
        return None
    members = tuple(
        db.execute(
            text("SELECT member FROM scim_group_member WHERE group_id = :i ORDER BY position"),
            {"i": group_id},
        ).scalars()
    )
    return DirectoryGroup(
        row.id,
        row.display_name,
        row.external_id,
        members,
        row.version,
        row.created_at,
        row.updated_at,
    )
