"""Groups the identity provider pushes. A group named like a site (case-insensitive) is
that site's access group (rules in backend/domain/site_groups.py): its provisioned members
are allowed at the sites of their site groups, and back at all sites when they leave the
last one. Any other group is a department: the members are kept as sent (a member may be
provisioned after the group), and a provisioned member's department is the group's name;
one person has one department, the last group that took them.

Every change runs in one transaction that one writer holds at a time on every replica
(GroupStore.writing), so the allowed sites stored are always the union of the site groups'
current memberships; each person whose allowed sites change gets an audit entry."""

import secrets
from collections.abc import Callable
from dataclasses import replace

from backend.domain.audit import EMPLOYEE_SITES_CHANGED, SYSTEM, Actor
from backend.domain.directory_model import DirectoryGroup
from backend.domain.errors import DirectoryPersonNotFound, UserNameTaken, ValidationFailed
from backend.domain.policy import MAX_DEPARTMENT_LENGTH
from backend.domain.ports import GroupStore, GroupWrites
from backend.domain.site_groups import site_members, sites_after, sites_named

BY_GROUPS = "directory site groups"  # why the sites changed, in the audit entry


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

    def create(self, group: DirectoryGroup, *, actor: Actor = SYSTEM) -> DirectoryGroup:
        """A new group: a site's access group or a department."""
        group_id = "grp-" + secrets.token_hex(8)
        with self._store.writing() as tx:
            return self._save(tx, None, replace(group, group_id=group_id), actor)

    def replace(
        self, group_id: str, group: DirectoryGroup, *, actor: Actor = SYSTEM
    ) -> DirectoryGroup:
        """The group as the identity provider now has it (PUT, or PATCH applied)."""
        with self._store.writing() as tx:
            before = _existing(tx, group_id)
            changed = replace(group, group_id=group_id, created_at=before.created_at)
            return self._save(tx, before, changed, actor)

    def change(
        self,
        group_id: str,
        patched: Callable[[DirectoryGroup], DirectoryGroup],
        *,
        actor: Actor = SYSTEM,
    ) -> DirectoryGroup:
        """The group as `patched` makes it from the stored one (a SCIM PATCH), read and
        written under the lock: two PATCHes of one group at once both count."""
        with self._store.writing() as tx:
            before = _existing(tx, group_id)
            changed = replace(patched(before), group_id=group_id, created_at=before.created_at)
            return self._save(tx, before, changed, actor)

    def delete(self, group_id: str, *, actor: Actor = SYSTEM) -> None:
        """The group goes; its members stay, without its department or its site."""
        with self._store.writing() as tx:
            before = _existing(tx, group_id)
            tx.delete_group(group_id)
            _follow(tx, site_members(before, tx.sites()), set(), actor)

    def follow_provisioned(self, employee_id: str, *, actor: Actor = SYSTEM) -> None:
        """A person just provisioned takes the sites of the site groups already naming them."""
        with self._store.writing() as tx:
            _follow(tx, set(), {employee_id}, actor)

    def _save(
        self, tx: GroupWrites, before: DirectoryGroup | None, group: DirectoryGroup, actor: Actor
    ) -> DirectoryGroup:
        group = _checked(tx, group)
        sites = tx.sites()
        is_site = bool(sites_named(group.display_name, sites))
        saved = tx.save_group(group, department=not is_site)
        _follow(tx, site_members(before, sites), site_members(saved, sites), actor)
        return saved


def _existing(tx: GroupWrites, group_id: str) -> DirectoryGroup:
    group = tx.get_group(group_id)
    if group is None:
        raise DirectoryPersonNotFound(f"no group {group_id}", {"group_id": group_id})
    return group


def _follow(tx: GroupWrites, was: set[str], now: set[str], actor: Actor) -> None:
    """Recompute the allowed sites of the provisioned people a change touched: `was` were in
    a site group before it, `now` are in one after it."""
    people = sorted(tx.provisioned(sorted(was | now)))
    if not people:
        return
    groups, sites = tx.groups_of(people), tx.sites()
    changed: list[tuple[str, dict[str, object]]] = []
    for person in people:
        current = tx.allowed_sites(person)
        write, wanted = sites_after(person, groups, sites, person in was, current)
        if write and tx.set_allowed_sites(person, wanted):
            changed.append((person, {"sites": wanted, "before": current, "by": BY_GROUPS}))
    # The audit log's head is locked last, as the unit of work does at commit.
    for person, details in changed:
        tx.record(actor, EMPLOYEE_SITES_CHANGED, "employee", person, details)


def _checked(tx: GroupWrites, group: DirectoryGroup) -> DirectoryGroup:
    name = (group.display_name or "").strip()
    if not 1 <= len(name) <= MAX_DEPARTMENT_LENGTH:
        raise ValidationFailed(
            f"displayName is 1 to {MAX_DEPARTMENT_LENGTH} characters (a department)",
            {"fields": {"displayName": "required"}},
        )
    holder = tx.group_named(name)
    if holder is not None and holder != group.group_id:
        raise UserNameTaken(f"a group named {name} exists", {"display_name": name})
    return replace(group, display_name=name, members=tuple(dict.fromkeys(group.members)))
