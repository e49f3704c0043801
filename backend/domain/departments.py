"""Groups the identity provider pushes, kept as departments (until sites' access groups
exist): the members are kept as sent (a member may be provisioned after the group), and a
provisioned member's department is the group's name. One person has one department: the
last group that took them."""

import secrets
from dataclasses import replace

from backend.domain.errors import DirectoryPersonNotFound, UserNameTaken, ValidationFailed
from backend.domain.model import DirectoryGroup
from backend.domain.policy import MAX_DEPARTMENT_LENGTH
from backend.domain.ports import GroupStore


class DirectoryGroups:
    """Group use cases; the SCIM handler translates the protocol to these calls."""

    def __init__(self, *, store: GroupStore) -> None:
        self._store = store

    def get(self, group_id: str) -> DirectoryGroup:
        group = self._store.get_group(group_id)
        if group is None:
            raise DirectoryPersonNotFound(f"no group {group_id}", {"group_id": group_id})
        return group

    def find(
        self, display_name: str | None, external_id: str | None, start: int, count: int
    ) -> tuple[list[DirectoryGroup], int]:
        return self._store.find_groups(display_name, external_id, max(start, 0), max(count, 0))

    def create(self, group: DirectoryGroup) -> DirectoryGroup:
        group_id = "grp-" + secrets.token_hex(8)
        return self._store.save_group(self._checked(replace(group, group_id=group_id)))

    def replace(self, group_id: str, group: DirectoryGroup) -> DirectoryGroup:
        before = self.get(group_id)
        changed = replace(group, group_id=group_id, created_at=before.created_at)
        return self._store.save_group(self._checked(changed))

    def delete(self, group_id: str) -> None:
        if not self._store.delete_group(group_id):
            raise DirectoryPersonNotFound(f"no group {group_id}", {"group_id": group_id})

    def _checked(self, group: DirectoryGroup) -> DirectoryGroup:
        name = (group.display_name or "").strip()
        if not 1 <= len(name) <= MAX_DEPARTMENT_LENGTH:
            raise ValidationFailed(
                f"displayName is 1 to {MAX_DEPARTMENT_LENGTH} characters (a department)",
                {"fields": {"displayName": "required"}},
            )
        holder = self._store.group_named(name)
        if holder is not None and holder != group.group_id:
            raise UserNameTaken(f"a group named {name} exists", {"display_name": name})
        return replace(group, display_name=name, members=tuple(dict.fromkeys(group.members)))
