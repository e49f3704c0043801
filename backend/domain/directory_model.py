"""The company directory's data (SCIM): people and groups as the identity provider
provisions them, beside the domain's own records (model.py)."""

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class DirectoryEmail:
    """One of a person's e-mail addresses as the directory lists them."""

    value: str
    type: str | None = None
    primary: bool | None = None
    display: str | None = None


@dataclass(frozen=True)
class DirectoryPerson:
    """A person as the company's directory (SCIM) provisions them; `employee_id` is the
    SCIM id. `active` False means the person left (on `left_on`); None (not given) counts
    as active."""

    employee_id: str
    user_name: str
    name: str = ""  # the employee's name: displayName, else given and family name
    display_name: str | None = None
    external_id: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    emails: tuple[DirectoryEmail, ...] = ()
    employee_number: str | None = None
    department: str | None = None
    active: bool | None = None
    left_on: date | None = None
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        return self.active is not False

    @property
    def email(self) -> str | None:
        """The address the employee record keeps: the primary one, else work, else first."""
        for wanted in (
            lambda e: e.primary is True,
            lambda e: e.type == "work",
            lambda e: True,
        ):
            chosen = next((e.value for e in self.emails if wanted(e)), None)
            if chosen:
                return chosen
        return None


@dataclass(frozen=True)
class DirectoryGroup:
    """A group the directory pushes: a site's access group when it is named like a site,
    else a department (backend/domain/site_groups.py, departments.py)."""

    group_id: str
    display_name: str
    external_id: str | None = None
    members: tuple[str, ...] = ()  # employee ids
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None
