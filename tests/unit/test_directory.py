"""The directory's use cases on fakes: provisioning, the userName rule, and leaving that
follows the identity provider (active false or a delete marks the person left)."""

from datetime import date
from typing import Any

import pytest

from backend.domain.audit import Actor
from backend.domain.directory import Directory
from backend.domain.directory_model import DirectoryEmail, DirectoryPerson
from backend.domain.errors import DirectoryPersonNotFound, UserNameTaken, ValidationFailed
from tests.unit.fake_audit import FakeAuditLog
from tests.unit.fake_directory import FakeDirectory

IDP = Actor("api_key", "entra", "entra")


def person(user_name: str = "bjensen@example.com", **given: Any) -> DirectoryPerson:
    """A person as the handler reads one; `employee_id` here is the employeeNumber sent."""
    number = given.pop("employee_id", None)
    fields: dict[str, Any] = {"display_name": "Barbara Jensen", **given}
    return DirectoryPerson(employee_id="", user_name=user_name, employee_number=number, **fields)


def directory(audit: FakeAuditLog | None = None) -> tuple[Directory, FakeDirectory]:
    store = FakeDirectory(day=date(2026, 12, 2))
    return Directory(store=store, departures=store, audit=audit or FakeAuditLog()), store


def test_the_employee_number_becomes_the_id_else_one_is_made() -> None:
    use, _ = directory()
    numbered = use.provision(person(employee_id="701984"))
    other = use.provision(person("other@example.com"))
    assert numbered.employee_id == "701984"
    assert other.employee_id.startswith("scim-") and use.get(other.employee_id) == other


def test_a_user_name_is_taken_whatever_its_case() -> None:
    use, _ = directory()
    use.provision(person())
    with pytest.raises(UserNameTaken):
        use.provision(person("BJensen@Example.com"))
    second = use.provision(person("second@example.com"))
    with pytest.raises(UserNameTaken):
        use.replace(second.employee_id, person("bjensen@example.com"))


def test_an_employee_number_provisioned_twice_gets_a_new_id_the_second_time() -> None:
    use, _ = directory()
    use.provision(person(employee_id="701984"))
    second = use.provision(person("new@example.com", employee_id="701984"))
    assert second.employee_id.startswith("scim-") and second.employee_number == "701984"


def test_a_bad_e_mail_or_an_empty_user_name_is_refused() -> None:
    use, _ = directory()
    with pytest.raises(ValidationFailed):
        use.provision(person(emails=(DirectoryEmail("not an address"),)))
    with pytest.raises(ValidationFailed):
        use.provision(person("  "))


def test_deactivating_marks_the_person_left_today_and_reactivating_undoes_it() -> None:
    use, store = directory()
    made = use.provision(person(employee_id="e1"))
    left = use.replace("e1", person(employee_id="e1", active=False))
    assert (left.active, left.left_on, store.left) == (
        False,
        date(2026, 12, 2),
        {"e1": date(2026, 12, 2)},
    )
    store.day = date(2026, 12, 9)
    again = use.replace("e1", person(employee_id="e1", active=False))
    assert again.left_on == date(2026, 12, 2)  # the day they left does not move
    back = use.replace("e1", person(employee_id="e1", active=True))
    assert (back.active, back.left_on, store.left) == (True, None, {})
    assert made.is_active


def test_a_delete_marks_the_person_left_and_removes_the_resource_only() -> None:
    use, store = directory()
    use.provision(person(employee_id="e1"))
    use.deprovision("e1")
    assert store.left == {"e1": date(2026, 12, 2)}
    with pytest.raises(DirectoryPersonNotFound):
        use.get("e1")
    with pytest.raises(DirectoryPersonNotFound):
        use.deprovision("e1")
    assert use.find("bjensen@example.com", None, 0, 10) == ([], 0)


def test_a_person_provisioned_again_after_a_delete_is_active() -> None:
    use, store = directory()
    use.provision(person(employee_id="e1"))
    use.deprovision("e1")
    again = use.provision(person(employee_id="e1"))
    assert (again.is_active, again.left_on, store.left) == (True, None, {})


def test_a_person_created_inactive_is_left_from_the_start() -> None:
    use, store = directory()
    made = use.provision(person(employee_id="e1", active=False))
    assert (made.left_on, store.left) == (date(2026, 12, 2), {"e1": date(2026, 12, 2)})


def test_find_pages_and_filters() -> None:
    use, _ = directory()
    for n in range(5):
        use.provision(person(f"u{n}@example.com", employee_id=f"e{n}", external_id=f"x{n}"))
    page, total = use.find(None, None, 1, 2)
    assert ([p.employee_id for p in page], total) == (["e1", "e2"], 5)
    assert [p.employee_id for p in use.find(None, "x3", 0, 10)[0]] == ["e3"]
    assert [p.employee_id for p in use.find("U4@example.com", None, 0, 10)[0]] == ["e4"]


def test_every_change_from_the_directory_is_audited_under_its_key() -> None:
    audit = FakeAuditLog()
    use, _ = directory(audit)
    use.provision(person(employee_id="e1"), actor=IDP)
    use.replace("e1", person(employee_id="e1", display_name="Barbara J."), actor=IDP)
    use.replace("e1", person(employee_id="e1", display_name="Barbara J.", active=False), actor=IDP)
    use.replace("e1", person(employee_id="e1", display_name="Barbara J."), actor=IDP)
    use.deprovision("e1", actor=IDP)
    assert audit.actions() == [
        "directory.provisioned",
        "directory.changed",
        "directory.changed",
        "employee.left",
        "directory.changed",
        "employee.returned",
        "employee.left",
        "directory.deprovisioned",
    ]
    assert {(e.actor, e.subject_id) for e in audit.entries} == {(IDP, "e1")}
    renamed, deactivated = audit.entries[1], audit.entries[2]
    # The attribute names, never their values: the log outlives the data.
    assert renamed.details == {"fields": ["display_name", "name"]}
    assert deactivated.details == {"fields": ["active"]}
    assert audit.entries[3].details == {"left_on": "2026-12-02", "by": "directory"}
