"""What the directory (SCIM provisioning) needs of storage, declared by its use case."""

from contextlib import AbstractContextManager
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from backend.domain.directory_model import DirectoryGroup, DirectoryPerson
from backend.domain.site_model import Site

if TYPE_CHECKING:
    from backend.domain.audit import Actor


class DirectoryStore(Protocol):
    """The people the identity provider provisioned, and the employees they are."""

    def today(self) -> date:
        """The database's day: one date for every replica."""
        ...

    def get(self, employee_id: str) -> DirectoryPerson | None:
        """The provisioned person with this id (not one deprovisioned by a delete)."""
        ...

    def holder_of(self, user_name: str) -> str | None:
        """The employee id provisioned under this userName (case-insensitive), if any."""
        ...

    def find(
        self, user_name: str | None, external_id: str | None, start: int, count: int
    ) -> tuple[list[DirectoryPerson], int]:
        """A page of provisioned people by id, filtered on an exact userName
        (case-insensitive) or externalId when given, and the total."""
        ...

    def is_linked(self, employee_id: str) -> bool:
        """Whether this employee is provisioned now (a live SCIM resource)."""
        ...

    def save(self, person: DirectoryPerson) -> DirectoryPerson:
        """Create or update the person and the employee row they are (name, e-mail,
        department); the version moves on; raises UserNameTaken on a clash."""
        ...

    def deprovision(self, employee_id: str) -> bool:
        """The SCIM resource goes (the employee and their records stay); False if none."""
        ...


class Departures(Protocol):
    """A person's status as the privacy rules read it: active, or left on a day. The
    retention schedule destroys the biometric data of people who left."""

    def mark_left(self, employee_id: str, on: date) -> None:
        """The person left on `on` (kept if they had left earlier)."""
        ...

    def mark_active(self, employee_id: str) -> None:
        """The person is back (rehired, or deactivated by mistake)."""
        ...


class GroupWrites(Protocol):
    """The groups, the sites and the employees' allowed sites in one transaction that one
    writer holds at a time on every replica: a group's change and the allowed sites it
    implies commit together, or neither does."""

    def get_group(self, group_id: str) -> DirectoryGroup | None: ...

    def group_named(self, display_name: str) -> str | None:
        """The id of the group of this name (case-insensitive), if any."""
        ...

    def groups_of(self, employee_ids: list[str]) -> list[DirectoryGroup]:
        """Every group that has one of these people among its members."""
        ...

    def save_group(self, group: DirectoryGroup, *, department: bool) -> DirectoryGroup:
        """Create or replace the group and its members. People who were in it and had its
        (former) name as department lose it; with `department`, the provisioned members
        get its name as their department."""
        ...

    def delete_group(self, group_id: str) -> bool:
        """The group goes; its members keep no department."""
        ...

    def sites(self) -> list[Site]:
        """Every site."""
        ...

    def provisioned(self, employee_ids: list[str]) -> set[str]:
        """Those of these people who are provisioned now (live SCIM resources)."""
        ...

    def allowed_sites(self, employee_id: str) -> list[int] | None:
        """The sites listed for the employee, or None when allowed at all of them."""
        ...

    def set_allowed_sites(self, employee_id: str, sites: list[int] | None) -> bool:
        """The site store's own write (vectors' `sites` kept in step); False if there is no
        employee."""
        ...

    def record(
        self,
        actor: "Actor",
        action: str,
        subject_kind: str,
        subject_id: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append an audit entry in this transaction."""
        ...


class GroupStore(Protocol):
    """Groups and their members as sent, read; changed only through `writing`."""

    def get_group(self, group_id: str) -> DirectoryGroup | None: ...

    def find_groups(
        self, display_name: str | None, external_id: str | None, start: int, count: int
    ) -> tuple[list[DirectoryGroup], int]: ...

    def writing(self) -> AbstractContextManager[GroupWrites]:
        """One transaction, one writer at a time (every replica): committed when the block
        ends, rolled back when it raises."""
        ...
