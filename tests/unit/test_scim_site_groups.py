"""/scim/v2/Groups named like a site are that site's access group: their provisioned members
are allowed at exactly the sites of their site groups, back at all sites when they leave the
last one; departments and people the directory never managed stay as they were."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backend.domain.audit import EMPLOYEE_SITES_CHANGED
from backend.domain.model import Employee, Role
from tests.unit import scim_examples as examples
from tests.unit.world import FakeWorld

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.fixture
def world() -> FakeWorld:
    made = FakeWorld()
    made.site_store.create("Berlin", "Europe/Berlin", 0, None)  # site 2
    made.site_store.create("Lyon", "Europe/Paris", 0, None)  # site 3
    return made


@pytest.fixture
def scim(world: FakeWorld, tmp_path: Path) -> Iterator[TestClient]:
    with world.api(tmp_path) as (client, _):
        client.headers.pop("X-API-Key")
        client.headers["Authorization"] = f"Bearer {world.keys.create('okta', Role.SCIM)[1]}"
        yield client


def person(scim: TestClient, user_name: str, number: str | None = None) -> str:
    body: dict[str, Any] = {"schemas": [USER], "userName": user_name}
    if number is not None:
        body = {**body, "schemas": [USER, ENTERPRISE], ENTERPRISE: {"employeeNumber": number}}
    made = scim.post("/scim/v2/Users", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def group(scim: TestClient, name: str, *members: str) -> str:
    body = {"schemas": [GROUP], "displayName": name, "members": [{"value": m} for m in members]}
    made = scim.post("/scim/v2/Groups", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def sites_of(world: FakeWorld, employee_id: str) -> list[int] | None:
    return world.site_store.allowed_sites(employee_id)


def department_of(world: FakeWorld, employee_id: str) -> Any:
    return world.faces.employees[employee_id].department


def test_a_group_named_like_a_site_allows_its_members_there_not_a_department(
    scim: TestClient, world: FakeWorld
) -> None:
    one, two = person(scim, "one@example.com"), person(scim, "two@example.com")
    group(scim, "berlin", one)  # the site's name in another case
    assert sites_of(world, one) == [2] and department_of(world, one) is None
    assert sites_of(world, two) is None  # not a member: still everywhere
    changed = [e for e in world.audit.entries if e.action == EMPLOYEE_SITES_CHANGED]
    assert [(e.subject_id, e.actor.id, e.details["sites"]) for e in changed] == [(one, "okta", [2])]


def test_entra_adds_then_removes_a_member_and_they_are_back_at_all_sites(
    scim: TestClient, world: FakeWorld
) -> None:
    one = person(scim, "one@example.com")
    world.site_store.set_allowed_sites(one, [3])  # HR's choice, before the directory
    berlin = group(scim, "Berlin")
    ids = {"f648f8d5ea4e4cd38e9c": one}
    added = scim.patch(
        f"/scim/v2/Groups/{berlin}", json=examples.with_members(examples.ENTRA_ADD_MEMBERS, ids)
    )
    assert added.status_code == 200, added.text
    assert sites_of(world, one) == [2]  # the directory manages them now
    removed = scim.patch(
        f"/scim/v2/Groups/{berlin}",
        json=examples.with_members(examples.ENTRA_REMOVE_MEMBERS, ids),
    )
    assert removed.status_code == 200, removed.text
    assert sites_of(world, one) is None


def test_two_site_groups_give_the_union_and_leaving_one_keeps_the_other(
    scim: TestClient, world: FakeWorld
) -> None:
    one = person(scim, "one@example.com")
    berlin, lyon = group(scim, "Berlin", one), group(scim, "Lyon", one)
    assert sites_of(world, one) == [2, 3]
    ids = {"7f4bc1a3-285e-48ae-8202-5accb43efb0e": one}
    answer = scim.patch(
        f"/scim/v2/Groups/{berlin}",
        json=examples.with_members(examples.ENTRA_REMOVE_MEMBER_WITH_FLAG, ids),
    )
    assert answer.status_code == 200, answer.text
    assert sites_of(world, one) == [3]
    assert scim.delete(f"/scim/v2/Groups/{lyon}").status_code == 204
    assert sites_of(world, one) is None  # the last one gone: all sites


def test_okta_renames_a_site_group_to_a_department_and_back(
    scim: TestClient, world: FakeWorld
) -> None:
    one = person(scim, "one@example.com")
    berlin = group(scim, "Berlin", one)

    def rename(name: str) -> None:
        body = examples.with_members(
            examples.OKTA_RENAME_GROUP,
            {"abf4dd94-a4c0-4f67-89c9-76b03340cb9b": berlin, "Test SCIMv2": name},
        )
        answer = scim.patch(f"/scim/v2/Groups/{berlin}", json=body)
        assert answer.status_code == 200, answer.text

    rename("Berlin office staff")  # no site has that name: a department now
    assert (sites_of(world, one), department_of(world, one)) == (None, "Berlin office staff")
    rename("LYON")
    assert (sites_of(world, one), department_of(world, one)) == ([3], None)


def test_deleting_a_site_group_brings_its_members_back_to_all_sites(
    scim: TestClient, world: FakeWorld
) -> None:
    one, two = person(scim, "one@example.com"), person(scim, "two@example.com")
    berlin = group(scim, "Berlin", one, two)
    assert sites_of(world, one) == sites_of(world, two) == [2]
    assert scim.delete(f"/scim/v2/Groups/{berlin}").status_code == 204
    assert sites_of(world, one) is None and sites_of(world, two) is None
    assert one in world.faces.employees and two in world.faces.employees


def test_departments_and_people_never_in_a_site_group_keep_hr_s_choice(
    scim: TestClient, world: FakeWorld
) -> None:
    one, two = person(scim, "one@example.com"), person(scim, "two@example.com")
    world.site_store.set_allowed_sites(one, [3])
    world.site_store.set_allowed_sites(two, [2, 3])
    sales = group(scim, "Sales", one, two)
    assert department_of(world, one) == "Sales" and sites_of(world, one) == [3]
    lyon = group(scim, "Lyon", one)
    assert sites_of(world, one) == [3] and sites_of(world, two) == [2, 3]
    assert scim.delete(f"/scim/v2/Groups/{sales}").status_code == 204
    assert (
        scim.put(
            f"/scim/v2/Groups/{lyon}", json={"schemas": [GROUP], "displayName": "Lyon"}
        ).status_code
        == 200
    )
    assert sites_of(world, one) is None  # left their last site group
    assert sites_of(world, two) == [2, 3]  # never in one: HR's list stays
    assert [e.subject_id for e in world.audit.entries if e.action == EMPLOYEE_SITES_CHANGED] == [
        one  # one entry for the change to all sites; none for [3] -> [3]
    ]


def test_a_member_sent_before_being_provisioned_takes_the_site_when_provisioned(
    scim: TestClient, world: FakeWorld
) -> None:
    group(scim, "Berlin", "e-later", "e-never")
    assert person(scim, "later@example.com", number="e-later") == "e-later"
    assert sites_of(world, "e-later") == [2]
    assert "e-never" not in world.faces.employees  # kept as sent, nobody created


def test_an_employee_hr_typed_in_keeps_hr_s_sites_when_provisioned_in_no_site_group(
    scim: TestClient, world: FakeWorld
) -> None:
    world.faces.employees["e7"] = Employee("e7", "Seven")
    world.site_store.set_allowed_sites("e7", [3])
    group(scim, "Sales", "e7")  # a department: nothing to do with sites
    assert person(scim, "seven@example.com", number="e7") == "e7"  # adopted
    assert sites_of(world, "e7") == [3]
