"""/scim/v2/Groups on fakes: groups kept as departments, and the group requests Entra ID
and Okta send, as their documentation shows them."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backend.domain.model import Role
from tests.unit import scim_examples as examples
from tests.unit.world import FakeWorld

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld()


@pytest.fixture
def scim(world: FakeWorld, tmp_path: Path) -> Iterator[TestClient]:
    with world.api(tmp_path) as (client, _):
        client.headers.pop("X-API-Key")
        client.headers["Authorization"] = f"Bearer {world.keys.create('okta', Role.SCIM)[1]}"
        yield client


def person(scim: TestClient, user_name: str) -> str:
    made = scim.post("/scim/v2/Users", json={"schemas": [USER], "userName": user_name})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def department_of(world: FakeWorld, employee_id: str) -> Any:
    return world.faces.employees[employee_id].department


def test_members_get_the_group_s_name_as_their_department(
    scim: TestClient, world: FakeWorld
) -> None:
    one, two = person(scim, "one@example.com"), person(scim, "two@example.com")
    made = scim.post("/scim/v2/Groups", json=examples.OKTA_CREATE_GROUP)
    assert made.status_code == 201, made.text
    group = made.json()["id"]
    ids = {"23a35c27-23d3-4c03-b4c5-6443c09e7173": one, "89bb1940-b905-4575-9e7f-6f887cfb368e": two}
    add_both = {
        "schemas": examples.PATCH_OP,
        "Operations": [{"op": "add", "path": "members", "value": [{"value": one}, {"value": two}]}],
    }
    assert scim.patch(f"/scim/v2/Groups/{group}", json=add_both).status_code == 200
    assert department_of(world, one) == department_of(world, two) == "Test SCIMv2"
    # Okta: remove two by a value filter, add one again (display ignored).
    answer = scim.patch(
        f"/scim/v2/Groups/{group}", json=examples.with_members(examples.OKTA_MEMBERSHIP, ids)
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["members"] == [{"value": one}]
    assert (department_of(world, one), department_of(world, two)) == ("Test SCIMv2", None)


def test_okta_renames_with_a_value_object_and_the_department_follows(
    scim: TestClient, world: FakeWorld
) -> None:
    one = person(scim, "one@example.com")
    body = {"schemas": [GROUP], "displayName": "Sales", "members": [{"value": one}]}
    group = scim.post("/scim/v2/Groups", json=body).json()["id"]
    rename = examples.with_members(
        examples.OKTA_RENAME_GROUP, {"abf4dd94-a4c0-4f67-89c9-76b03340cb9b": group}
    )
    answer = scim.patch(f"/scim/v2/Groups/{group}", json=rename)
    assert answer.status_code == 200, answer.text
    assert answer.json()["displayName"] == "Test SCIMv2"
    assert department_of(world, one) == "Test SCIMv2"


def test_entra_adds_and_removes_members_with_a_value(scim: TestClient, world: FakeWorld) -> None:
    one = person(scim, "one@example.com")
    group = scim.post("/scim/v2/Groups", json={"schemas": [GROUP], "displayName": "Ops"}).json()[
        "id"
    ]
    ids = {"f648f8d5ea4e4cd38e9c": one}
    added = scim.patch(
        f"/scim/v2/Groups/{group}", json=examples.with_members(examples.ENTRA_ADD_MEMBERS, ids)
    )
    assert added.status_code == 200, added.text
    assert department_of(world, one) == "Ops"
    removed = scim.patch(
        f"/scim/v2/Groups/{group}", json=examples.with_members(examples.ENTRA_REMOVE_MEMBERS, ids)
    )
    assert removed.status_code == 200, removed.text
    assert "members" not in removed.json() and department_of(world, one) is None


def test_entra_removes_a_member_by_a_path_filter(scim: TestClient, world: FakeWorld) -> None:
    one = person(scim, "one@example.com")
    body = {"schemas": [GROUP], "displayName": "Ops", "members": [{"value": one}]}
    group = scim.post("/scim/v2/Groups", json=body).json()["id"]
    ids = {"7f4bc1a3-285e-48ae-8202-5accb43efb0e": one}
    answer = scim.patch(
        f"/scim/v2/Groups/{group}",
        json=examples.with_members(examples.ENTRA_REMOVE_MEMBER_WITH_FLAG, ids),
    )
    assert answer.status_code == 200, answer.text
    assert department_of(world, one) is None


def test_a_taken_name_is_409_and_a_delete_clears_the_department(
    scim: TestClient, world: FakeWorld
) -> None:
    one = person(scim, "one@example.com")
    body = {"schemas": [GROUP], "displayName": "Ops", "members": [{"value": one}]}
    group = scim.post("/scim/v2/Groups", json=body).json()["id"]
    again = scim.post("/scim/v2/Groups", json={"schemas": [GROUP], "displayName": "OPS"})
    assert (again.status_code, again.json()["scimType"]) == (409, "uniqueness")
    found = scim.get("/scim/v2/Groups", params={"filter": 'displayName eq "ops"'}).json()
    assert [g["id"] for g in found["Resources"]] == [group]
    assert scim.delete(f"/scim/v2/Groups/{group}").status_code == 204
    assert scim.get(f"/scim/v2/Groups/{group}").status_code == 404
    assert department_of(world, one) is None and one in world.faces.employees
