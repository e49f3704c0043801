"""The directory's groups written in PostgreSQL (GroupWrites): one transaction, held by one
writer at a time on every replica, in which a group, its members' departments, their
allowed sites (the site store's own write) and the audit entries commit together."""

from typing import Any

from sqlalchemy import Connection, exc, text

from backend.domain.audit import Actor
from backend.domain.directory_model import DirectoryGroup
from backend.domain.errors import UserNameTaken
from backend.domain.site_model import Site
from backend.infrastructure.pg_audit import append
from backend.infrastructure.pg_sites import (
    SITE_COLUMNS,
    read_allowed_sites,
    site_of,
    write_allowed_sites,
)

LIVE_PEOPLE = "SELECT employee_id FROM scim_user WHERE deprovisioned_at IS NULL"
# pg_advisory_xact_lock(GROUPS_LOCK): one change of the directory's groups at a time.
GROUPS_LOCK = 0x6667677270733031  # "fggrps01"


class PgGroupWrites:
    """GroupWrites on the caller's transaction (PgGroups.writing takes the lock)."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    def get_group(self, group_id: str) -> DirectoryGroup | None:
        return read_group(self._db, group_id, lock=True)

    def group_named(self, display_name: str) -> str | None:
        found: str | None = self._db.execute(
            text("SELECT id FROM scim_group WHERE lower(display_name) = lower(:n)"),
            {"n": display_name},
        ).scalar()
        return found

    def groups_of(self, employee_ids: list[str]) -> list[DirectoryGroup]:
        ids = self._db.execute(
            text(
                "SELECT DISTINCT group_id FROM scim_group_member WHERE member = ANY(:m) "
                "ORDER BY group_id"
            ),
            {"m": employee_ids},
        ).scalars()
        groups = [read_group(self._db, i) for i in list(ids)]
        return [g for g in groups if g is not None]

    def save_group(self, group: DirectoryGroup, *, department: bool) -> DirectoryGroup:
        db, members = self._db, list(group.members)
        before = read_group(db, group.group_id, lock=True)
        try:
            with db.begin_nested():  # a clash leaves the transaction usable
                db.execute(_UPSERT, _values(group))
        except exc.IntegrityError as error:
            raise UserNameTaken(f"a group named {group.display_name} exists") from error
        if before is not None:
            _clear_department(db, before)
        db.execute(text("DELETE FROM scim_group_member WHERE group_id = :i"), {"i": group.group_id})
        for position, member in enumerate(members):
            db.execute(
                text(
                    "INSERT INTO scim_group_member (group_id, member, position) VALUES (:i, :m, :p)"
                ),
                {"i": group.group_id, "m": member, "p": position},
            )
        if department:
            db.execute(
                text(
                    "UPDATE employee SET department = :n "
                    f"WHERE id = ANY(:ids) AND id IN ({LIVE_PEOPLE})"
                ),
                {"n": group.display_name, "ids": members},
            )
        saved = read_group(db, group.group_id)
        if saved is None:  # written just above, in the same transaction
            raise RuntimeError(f"group {group.group_id} was not saved")
        return saved

    def delete_group(self, group_id: str) -> bool:
        before = read_group(self._db, group_id, lock=True)
        if before is None:
            return False
        _clear_department(self._db, before)
        self._db.execute(text("DELETE FROM scim_group WHERE id = :i"), {"i": group_id})
        return True

    def sites(self) -> list[Site]:
        rows = self._db.execute(text(f"SELECT {SITE_COLUMNS} FROM site ORDER BY id"))
        return [site_of(r) for r in rows]

    def provisioned(self, employee_ids: list[str]) -> set[str]:
        return set(
            self._db.execute(
                text(f"SELECT employee_id FROM ({LIVE_PEOPLE}) p WHERE employee_id = ANY(:ids)"),
                {"ids": employee_ids},
            ).scalars()
        )

    def allowed_sites(self, employee_id: str) -> list[int] | None:
        return read_allowed_sites(self._db, employee_id)

    def set_allowed_sites(self, employee_id: str, sites: list[int] | None) -> bool:
        return write_allowed_sites(self._db, employee_id, sites)

    def record(
        self,
        actor: Actor,
        action: str,
        subject_kind: str,
        subject_id: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        append(self._db, actor, action, subject_kind, subject_id, details)


def _clear_department(db: Connection, before: DirectoryGroup) -> None:
    """People who were in the group and have its (former) name as department lose it."""
    db.execute(
        text(
            "UPDATE employee SET department = NULL WHERE department = :old "
            f"AND id IN ({LIVE_PEOPLE}) AND id = ANY(:was)"
        ),
        {"old": before.display_name, "was": list(before.members)},
    )


_UPSERT = text(
    "INSERT INTO scim_group (id, display_name, external_id) VALUES (:i, :n, :x) "
    "ON CONFLICT (id) DO UPDATE SET display_name = :n, external_id = :x, "
    "version = scim_group.version + 1, updated_at = now()"
)


def _values(group: DirectoryGroup) -> dict[str, Any]:
    return {"i": group.group_id, "n": group.display_name, "x": group.external_id}


def read_group(db: Connection, group_id: str, lock: bool = False) -> DirectoryGroup | None:
    """The group with its members in order, its row locked until commit with `lock`."""
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
