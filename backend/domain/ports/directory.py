"""What the directory (SCIM provisioning) needs of storage, declared by its use case."""

from datetime import date
from typing import Protocol

from backend.domain.model import DirectoryGroup, DirectoryPerson


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


class GroupStore(Protocol):
    """Groups and their members as sent; a provisioned member's department is the
    group's name."""

    def get_group(self, group_id: str) -> DirectoryGroup | None: ...

    def group_named(self, display_name: str) -> str | None:
        """The id of the group of this name (case-insensitive), if any."""
        ...

    def find_groups(
        self, display_name: str | None, external_id: str | None, start: int, count: int
    ) -> tuple[list[DirectoryGroup], int]: ...

    def save_group(self, group: DirectoryGroup) -> DirectoryGroup:
        """Create or replace the group and its members: provisioned members get its name as
        their department, people no longer in it lose it; one transaction."""
        ...

    def delete_group(self, group_id: str) -> bool:
        """The group goes; its members keep no department."""
        ...
