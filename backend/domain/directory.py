"""The company's directory: people provisioned, changed and deprovisioned by the identity
provider (SCIM 2.0). Leaving follows the directory: deactivating or deleting a person marks
them left on that day, so that the retention schedule destroys their biometric data while
their attendance stays. A provisioned person has no face until HR enrolls one."""

import secrets
from dataclasses import replace
from datetime import date

from backend.domain.audit import (
    DEPROVISIONED,
    DIRECTORY_CHANGED,
    LEFT,
    PROVISIONED,
    RETURNED,
    SYSTEM,
    Actor,
)
from backend.domain.departments import DirectoryGroups
from backend.domain.directory_model import DirectoryPerson
from backend.domain.errors import DirectoryPersonNotFound, UserNameTaken, ValidationFailed
from backend.domain.policy import EMPLOYEE_ID, validate_details, validate_name
from backend.domain.ports import AuditTrail, Departures, DirectoryStore

MAX_USER_NAME = 256


class Directory:
    """Provisioning use cases; the SCIM handler translates the protocol to these calls.
    Each change is in the audit log under the identity provider's key: who was created,
    changed, deleted, left or came back (the attribute names, never their values)."""

    def __init__(
        self,
        *,
        store: DirectoryStore,
        departures: Departures,
        audit: AuditTrail,
        groups: DirectoryGroups | None = None,
    ) -> None:
        self._store = store
        self._departures = departures
        self._audit = audit
        self._groups = groups  # site access groups that already name a new person

    def get(self, employee_id: str) -> DirectoryPerson:
        person = self._store.get(employee_id)
        if person is None:
            raise DirectoryPersonNotFound(
                f"no provisioned person {employee_id}", {"employee_id": employee_id}
            )
        return person

    def find(
        self, user_name: str | None, external_id: str | None, start: int, count: int
    ) -> tuple[list[DirectoryPerson], int]:
        """A page (start counts from 0) of provisioned people, by exact userName or
        externalId when given."""
        return self._store.find(user_name, external_id, max(start, 0), max(count, 0))

    def provision(self, person: DirectoryPerson, *, actor: Actor = SYSTEM) -> DirectoryPerson:
        """A new person. Their employee id is the enterprise employeeNumber when it is a
        valid id no provisioned person has (an employee HR typed in under it is adopted),
        else a new one; the employeeNumber stays an attribute that may change later. Site
        access groups already naming that id (sent before) now give the person their sites."""
        person = _checked(person)
        employee_id = person.employee_number or ""
        if not EMPLOYEE_ID.fullmatch(employee_id) or self._store.is_linked(employee_id):
            employee_id = "scim-" + secrets.token_hex(6)
        self._refuse_taken(person.user_name, employee_id)
        saved = self._store.save(replace(person, employee_id=employee_id))
        self._audit.record(actor, PROVISIONED, "employee", employee_id, {"active": saved.is_active})
        if self._groups is not None:
            self._groups.follow_provisioned(employee_id, actor=actor)
        return self._follow_status(None, saved, actor)

    def replace(
        self, employee_id: str, person: DirectoryPerson, *, actor: Actor = SYSTEM
    ) -> DirectoryPerson:
        """The person as the identity provider now has them (PUT, or PATCH applied)."""
        before = self.get(employee_id)
        person = _checked(replace(person, employee_id=employee_id))
        self._refuse_taken(person.user_name, employee_id)
        saved = self._store.save(
            replace(person, left_on=before.left_on, created_at=before.created_at)
        )
        self._audit.record(
            actor, DIRECTORY_CHANGED, "employee", employee_id, {"fields": _changed(before, saved)}
        )
        return self._follow_status(before, saved, actor)

    def deprovision(self, employee_id: str, *, actor: Actor = SYSTEM) -> None:
        """The identity provider deleted the person: they left today; the resource goes,
        the employee and their check-ins stay until the retention schedule acts."""
        person = self.get(employee_id)
        if person.is_active:
            self._leave(employee_id, self._store.today(), actor)
        self._store.deprovision(employee_id)
        self._audit.record(actor, DEPROVISIONED, "employee", employee_id, {})

    def _follow_status(
        self, before: DirectoryPerson | None, after: DirectoryPerson, actor: Actor
    ) -> DirectoryPerson:
        """Leaving follows `active`: False marks the person left today, True again (a
        rehire, a mistake undone, a person provisioned again) makes them active."""
        if not after.is_active and (before is None or before.is_active):
            day = self._store.today()
            self._leave(after.employee_id, day, actor)
            return replace(after, left_on=after.left_on or day)
        if after.is_active and after.left_on is not None:
            self._departures.mark_active(after.employee_id)
            self._audit.record(actor, RETURNED, "employee", after.employee_id, {})
            return replace(after, left_on=None)
        return after

    def _leave(self, employee_id: str, day: date, actor: Actor) -> None:
        self._departures.mark_left(employee_id, day)
        details = {"left_on": day.isoformat(), "by": "directory"}
        self._audit.record(actor, LEFT, "employee", employee_id, details)

    def _refuse_taken(self, user_name: str, employee_id: str) -> None:
        holder = self._store.holder_of(user_name)
        if holder is not None and holder != employee_id:
            raise UserNameTaken(
                f"userName {user_name} is already provisioned", {"user_name": user_name}
            )


def _changed(before: DirectoryPerson, after: DirectoryPerson) -> list[str]:
    """The names of the attributes that differ (the log outlives the values)."""
    kept = ("created_at", "updated_at", "version", "left_on")
    return sorted(
        name
        for name in before.__dataclass_fields__
        if name not in kept and getattr(before, name) != getattr(after, name)
    )


def _checked(person: DirectoryPerson) -> DirectoryPerson:
    """The person with a valid userName, name, department and e-mail, or ValidationFailed."""
    user_name = (person.user_name or "").strip()
    if not 1 <= len(user_name) <= MAX_USER_NAME or not user_name.isprintable():
        raise ValidationFailed(
            "userName is 1 to 256 printable characters", {"fields": {"userName": "required"}}
        )
    given = " ".join(p for p in (person.given_name, person.family_name) if p)
    name = validate_name(person.display_name or given or user_name)
    department, _ = validate_details(person.department, person.email)
    return replace(person, user_name=user_name, name=name, department=department)
