"""Which sites the directory's site access groups give a person.

A SCIM group whose displayName is a site's name (compared case-insensitively) is that site's
access group, not a department. The rules:

- A provisioned member of one or more site access groups is allowed at exactly the sites of
  those groups (their union), whatever HR set before.
- A person who was in a site access group and is in none any more (removed from the last
  one, the group deleted or renamed away from a site's name) goes back to the default: all
  sites.
- People never in a site access group are left alone: HR's choice on /admin stays until the
  directory manages the person through a site group.
- Members not provisioned yet are kept as sent and take effect when they are provisioned.

The match is made when a group is written (created, replaced, patched, deleted) or one of
its members is provisioned; renaming a site re-evaluates nothing until the next such write."""

from collections.abc import Iterable

from backend.domain.directory_model import DirectoryGroup
from backend.domain.site_model import Site


def sites_named(name: str, sites: Iterable[Site]) -> list[int]:
    """The ids of the sites called `name`, case-insensitively (none: a department)."""
    wanted = name.strip().casefold()
    return sorted(s.site_id for s in sites if s.name.strip().casefold() == wanted)


def site_members(group: DirectoryGroup | None, sites: Iterable[Site]) -> set[str]:
    """The members of the group if it is a site access group, else none."""
    if group is None or not sites_named(group.display_name, sites):
        return set()
    return set(group.members)


def sites_given(
    employee_id: str, groups: Iterable[DirectoryGroup], sites: list[Site]
) -> list[int] | None:
    """The union of the sites of the person's site access groups; None when they are in no
    site access group (the directory gives them nothing)."""
    given: set[int] = set()
    for group in groups:
        if employee_id in group.members:
            given.update(sites_named(group.display_name, sites))
    return sorted(given) if given else None


def sites_after(
    employee_id: str,
    groups: Iterable[DirectoryGroup],
    sites: list[Site],
    was_managed: bool,
    current: list[int] | None,
) -> tuple[bool, list[int] | None]:
    """(whether to write, the allowed sites to write) for one provisioned person after a
    change: the union of their site groups; all sites (None) when they left the last one;
    nothing to write for a person the directory never managed, or already right."""
    given = sites_given(employee_id, groups, sites)
    if given is None and not was_managed:
        return False, current  # HR's choice stays
    return given != current, given
