"""The directory's store and the employees' status in memory (DirectoryStore, Departures)."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from backend.domain.audit import Actor
from backend.domain.directory_model import DirectoryGroup, DirectoryPerson
from backend.domain.errors import UserNameTaken
from backend.domain.model import Employee
from backend.domain.site_model import Site
from tests.unit.fake_audit import FakeAuditLog
from tests.unit.fake_sites import FakeSiteStore


class FakeDirectory:
    """Provisioned people by employee id; deprovisioned ones are kept aside, as the table
    keeps their rows."""

    def __init__(
        self, day: date = date(2026, 12, 2), employees: dict[str, Employee] | None = None
    ) -> None:
        self.day = day
        # The gallery fake's employees, when given: a provisioned person is one of them.
        self.employees: dict[str, Employee] = {} if employees is None else employees
        self.people: dict[str, DirectoryPerson] = {}
        self.deprovisioned: set[str] = set()
        self.left: dict[str, date] = {}  # the employee's status: who left, and when

    def today(self) -> date:
        return self.day

    def get(self, employee_id: str) -> DirectoryPerson | None:
        if employee_id in self.deprovisioned:
            return None
        return self.people.get(employee_id)

    def holder_of(self, user_name: str) -> str | None:
        return next(
            (p.employee_id for p in self._live() if p.user_name.casefold() == user_name.casefold()),
            None,
        )

    def find(
        self, user_name: str | None, external_id: str | None, start: int, count: int
    ) -> tuple[list[DirectoryPerson], int]:
        found = [
            p
            for p in sorted(self._live(), key=lambda p: p.employee_id)
            if (user_name is None or p.user_name.casefold() == user_name.casefold())
            and (external_id is None or p.external_id == external_id)
        ]
        return found[start : start + count], len(found)

    def is_linked(self, employee_id: str) -> bool:
        return self.get(employee_id) is not None

    def save(self, person: DirectoryPerson) -> DirectoryPerson:
        holder = self.holder_of(person.user_name)
        if holder is not None and holder != person.employee_id:
            raise UserNameTaken(f"userName {person.user_name} is already provisioned")
        before = self.people.get(person.employee_id)
        now = datetime.now(UTC)
        self.deprovisioned.discard(person.employee_id)
        saved = replace(
            person,
            left_on=self.left.get(person.employee_id),
            version=1 if before is None else before.version + 1,
            created_at=now if before is None else before.created_at,
            updated_at=now,
        )
        self.people[person.employee_id] = saved
        known = self.employees.get(person.employee_id) or Employee(person.employee_id, "")
        self.employees[person.employee_id] = replace(
            known, name=person.name, department=person.department, email=person.email
        )
        return saved

    def deprovision(self, employee_id: str) -> bool:
        if self.get(employee_id) is None:
            return False
        self.deprovisioned.add(employee_id)
        return True

    def mark_left(self, employee_id: str, on: date) -> None:
        self.left.setdefault(employee_id, on)
        if employee_id in self.employees:
            self.employees[employee_id] = replace(
                self.employees[employee_id], status="left", left_on=self.left[employee_id]
            )
        if employee_id in self.people:
            self.people[employee_id] = replace(
                self.people[employee_id], left_on=self.left[employee_id]
            )

    def mark_active(self, employee_id: str) -> None:
        self.left.pop(employee_id, None)
        if employee_id in self.employees:
            self.employees[employee_id] = replace(
                self.employees[employee_id], status="active", left_on=None
            )
        if employee_id in self.people:
            self.people[employee_id] = replace(self.people[employee_id], left_on=None)

    def _live(self) -> list[DirectoryPerson]:
        return [p for i, p in self.people.items() if i not in self.deprovisioned]


class FakeGroups:
    """GroupStore and GroupWrites over FakeDirectory's people: members kept as sent, a
    provisioned member's department is the group's name when `department` is asked; the
    sites and allowed sites are the site store fake's, the audit entries the audit fake's.
    `writing` yields itself: one test thread, nothing to lock."""

    def __init__(
        self,
        directory: FakeDirectory,
        sites: FakeSiteStore | None = None,
        audit: FakeAuditLog | None = None,
    ) -> None:
        self.directory = directory
        self.site_store = sites
        self.audit = FakeAuditLog() if audit is None else audit
        self.groups: dict[str, DirectoryGroup] = {}
        self.writes = 0  # how many times `writing` was entered

    @contextmanager
    def writing(self) -> Iterator["FakeGroups"]:
        self.writes += 1
        yield self

    def get_group(self, group_id: str) -> DirectoryGroup | None:
        return self.groups.get(group_id)

    def group_named(self, display_name: str) -> str | None:
        return next(
            (
                g.group_id
                for g in self.groups.values()
                if g.display_name.casefold() == display_name.casefold()
            ),
            None,
        )

    def groups_of(self, employee_ids: list[str]) -> list[DirectoryGroup]:
        return [
            g for _, g in sorted(self.groups.items()) if any(e in g.members for e in employee_ids)
        ]

    def find_groups(
        self, display_name: str | None, external_id: str | None, start: int, count: int
    ) -> tuple[list[DirectoryGroup], int]:
        found = [
            g
            for g in sorted(self.groups.values(), key=lambda g: g.group_id)
            if (display_name is None or g.display_name.casefold() == display_name.casefold())
            and (external_id is None or g.external_id == external_id)
        ]
        return found[start : start + count], len(found)

    def save_group(self, group: DirectoryGroup, *, department: bool) -> DirectoryGroup:
        before = self.groups.get(group.group_id)
        if before is not None:
            self._clear(before)
        if department:
            for member in group.members:
                self._set_department(member, group.display_name)
        now = datetime.now(UTC)
        self.groups[group.group_id] = replace(
            group,
            version=1 if before is None else before.version + 1,
            created_at=now if before is None else before.created_at,
            updated_at=now,
        )
        return self.groups[group.group_id]

    def delete_group(self, group_id: str) -> bool:
        gone = self.groups.pop(group_id, None)
        if gone is not None:
            self._clear(gone)
        return gone is not None

    def sites(self) -> list[Site]:
        return [] if self.site_store is None else self.site_store.list()

    def provisioned(self, employee_ids: list[str]) -> set[str]:
        return {e for e in employee_ids if self.directory.is_linked(e)}

    def allowed_sites(self, employee_id: str) -> list[int] | None:
        assert self.site_store is not None, "allowed sites need the site store fake"
        return self.site_store.allowed_sites(employee_id)

    def set_allowed_sites(self, employee_id: str, sites: list[int] | None) -> bool:
        assert self.site_store is not None, "allowed sites need the site store fake"
        return self.site_store.set_allowed_sites(employee_id, sites)

    def record(
        self,
        actor: Actor,
        action: str,
        subject_kind: str,
        subject_id: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.audit.record(actor, action, subject_kind, subject_id, details)

    def _clear(self, group: DirectoryGroup) -> None:
        for member in group.members:
            person = self.directory.get(member)
            if person is not None and person.department == group.display_name:
                self._set_department(member, None)

    def _set_department(self, employee_id: str, department: str | None) -> None:
        person = self.directory.get(employee_id)
        if person is None:
            return
        self.directory.people[employee_id] = replace(person, department=department)
        if employee_id in self.directory.employees:
            employee = self.directory.employees[employee_id]
            self.directory.employees[employee_id] = replace(employee, department=department)
