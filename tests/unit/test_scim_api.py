"""/scim/v2 over HTTP on fakes: the token, the User resource, filters, paging, the error
bodies RFC 7644 names, and the requests Entra ID and Okta send, as their documentation
shows them (tests/unit/scim_examples.py)."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backend.domain.model import Role
from tests.unit import scim_examples as examples
from tests.unit.world import FakeWorld

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld()


@pytest.fixture
def scim(world: FakeWorld, tmp_path: Path) -> Iterator[TestClient]:
    """A client with the identity provider's token (a key of role scim)."""
    with world.api(tmp_path) as (client, _):
        token = world.keys.create("entra", Role.SCIM)[1]
        client.headers.pop("X-API-Key")
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def create(scim: TestClient, user_name: str = "bjensen@example.com", /, **more: object) -> Any:
    body = {"schemas": [USER_SCHEMA], "userName": user_name, **more}
    answer = scim.post("/scim/v2/Users", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def error_of(answer: Any) -> tuple[int, str | None]:
    body = answer.json()
    assert answer.headers["content-type"].startswith("application/scim+json")
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == str(answer.status_code)
    return answer.status_code, body.get("scimType")


def test_without_the_scim_token_nothing_is_served(scim: TestClient, world: FakeWorld) -> None:
    admin = world.keys.create("hr2", Role.ADMIN)[1]
    assert error_of(scim.get("/scim/v2/Users", headers={"Authorization": ""})) == (401, None)
    assert (
        scim.get("/scim/v2/Users", headers={"Authorization": ""})
        .headers["www-authenticate"]
        .startswith("Bearer")
    )
    refused = scim.get("/scim/v2/Users", headers={"Authorization": f"Bearer {admin}"})
    assert error_of(refused) == (403, None)
    assert scim.get("/api/v1/employees").status_code == 401  # the token is SCIM's only


def test_create_read_and_the_enterprise_extension(scim: TestClient, world: FakeWorld) -> None:
    made = create(
        scim,
        externalId="x-1",
        name={"givenName": "Barbara", "familyName": "Jensen"},
        emails=[{"value": "bjensen@example.com", "type": "work", "primary": True}],
        **{ENTERPRISE: {"employeeNumber": "701984", "department": "Tour Operations"}},
    )
    assert made["id"] == "701984" and made["meta"]["location"].endswith("/scim/v2/Users/701984")
    read = scim.get("/scim/v2/Users/701984")
    assert read.headers["content-type"].startswith("application/scim+json")
    assert read.json()[ENTERPRISE] == {"employeeNumber": "701984", "department": "Tour Operations"}
    assert "displayName" not in read.json()  # not given: the employee's name is made
    employee = world.faces.employees["701984"]
    assert (employee.name, employee.department, employee.email) == (
        "Barbara Jensen",
        "Tour Operations",
        "bjensen@example.com",
    )
    assert world.faces.faces_of("701984") == []  # no face until HR enrolls one


def test_a_conflicting_user_name_is_409_uniqueness(scim: TestClient) -> None:
    create(scim)
    again = scim.post(
        "/scim/v2/Users", json={"schemas": [USER_SCHEMA], "userName": "BJENSEN@example.com"}
    )
    assert error_of(again) == (409, "uniqueness")


def test_filters_by_user_name_external_id_and_others(scim: TestClient) -> None:
    for n in range(3):
        create(scim, f"u{n}@example.com", externalId=f"x{n}", displayName=f"Person {n}")
    by_name = scim.get("/scim/v2/Users", params={"filter": 'userName eq "U1@example.com"'}).json()
    assert (by_name["totalResults"], by_name["Resources"][0]["externalId"]) == (1, "x1")
    by_external = scim.get("/scim/v2/Users", params={"filter": 'externalId eq "x2"'}).json()
    assert by_external["Resources"][0]["userName"] == "u2@example.com"
    scanned = scim.get("/scim/v2/Users", params={"filter": 'displayName sw "Person"'}).json()
    assert scanned["totalResults"] == 3
    none = scim.get("/scim/v2/Users", params={"filter": 'userName eq "nobody"'}).json()
    assert (none["totalResults"], none.get("Resources", [])) == (0, [])


def test_paging_counts_from_one(scim: TestClient) -> None:
    for n in range(5):
        create(scim, f"u{n}@example.com", **{ENTERPRISE: {"employeeNumber": f"e{n}"}})
    page = scim.get("/scim/v2/Users", params={"startIndex": 2, "count": 2}).json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    assert [u["id"] for u in page["Resources"]] == ["e1", "e2"]


def test_a_bad_filter_and_an_unknown_attribute_are_400_with_their_scim_type(
    scim: TestClient,
) -> None:
    assert error_of(scim.get("/scim/v2/Users", params={"filter": "userName eq"})) == (
        400,
        "invalidFilter",
    )
    unknown = scim.get("/scim/v2/Users", params={"filter": 'shoeSize eq "42"'})
    assert error_of(unknown) == (400, "invalidFilter")
    body = {"schemas": [USER_SCHEMA], "userName": "a@example.com", "shoeSize": 42}
    assert error_of(scim.post("/scim/v2/Users", json=body)) == (400, "invalidSyntax")
    assert error_of(scim.post("/scim/v2/Users", content=b"{not json")) == (400, "invalidSyntax")
    assert error_of(scim.get("/scim/v2/Users/nobody")) == (404, None)


def test_replace_clears_what_is_left_out(scim: TestClient, world: FakeWorld) -> None:
    made = create(scim, emails=[{"value": "b@example.com", "type": "work"}])
    body = {"schemas": [USER_SCHEMA], "userName": "bjensen@example.com", "displayName": "BJ"}
    replaced = scim.put(f"/scim/v2/Users/{made['id']}", json=body).json()
    assert "emails" not in replaced and replaced["displayName"] == "BJ"
    assert world.faces.employees[made["id"]].email is None


def test_a_delete_marks_the_person_left_and_keeps_the_employee(
    scim: TestClient, world: FakeWorld
) -> None:
    made = create(scim)
    assert scim.delete(f"/scim/v2/Users/{made['id']}").status_code == 204
    assert error_of(scim.get(f"/scim/v2/Users/{made['id']}")) == (404, None)
    assert world.directory.left == {made["id"]: date(2026, 12, 2)}
    assert made["id"] in world.faces.employees  # attendance stays until retention acts


@pytest.mark.parametrize("patch", examples.DEACTIVATIONS, ids=examples.DEACTIVATION_IDS)
def test_the_deactivations_entra_and_okta_send_mark_the_person_left(
    scim: TestClient, world: FakeWorld, patch: dict[str, Any]
) -> None:
    made = create(scim)
    answer = scim.patch(f"/scim/v2/Users/{made['id']}", json=patch)
    assert answer.status_code == 200, answer.text
    assert answer.json()["active"] is False
    assert world.directory.left == {made["id"]: date(2026, 12, 2)}
    back = {
        "schemas": examples.PATCH_OP,
        "Operations": [{"op": "replace", "value": {"active": True}}],
    }
    assert scim.patch(f"/scim/v2/Users/{made['id']}", json=back).json()["active"] is True
    assert world.directory.left == {}


def test_entra_replaces_several_attributes_with_and_without_a_path(
    scim: TestClient, world: FakeWorld
) -> None:
    made = create(scim, emails=[{"value": "old@example.com", "type": "work", "primary": True}])
    answer = scim.patch(f"/scim/v2/Users/{made['id']}", json=examples.ENTRA_REPLACE_MANY)
    assert answer.status_code == 200, answer.text
    user = answer.json()
    assert user["emails"][0]["value"] == "TestMhvaes@test.microsoft.com"
    assert (user["name"]["givenName"], user["name"]["familyName"]) == ("Kkom", "Unua")
    assert user["displayName"] == "Bjfe"
    assert world.faces.employees[made["id"]].email == "TestMhvaes@test.microsoft.com"


def test_entra_updates_a_work_e_mail_and_a_family_name(scim: TestClient) -> None:
    made = create(scim, name={"givenName": "givenName", "familyName": "familyName"})
    answer = scim.patch(f"/scim/v2/Users/{made['id']}", json=examples.ENTRA_MULTI_VALUED)
    assert answer.status_code == 200, answer.text
    # no work address yet: Entra's filter describes the one to add
    assert answer.json()["emails"] == [{"value": "updatedEmail@microsoft.com", "type": "work"}]
    assert answer.json()["name"]["familyName"] == "updatedFamilyName"


def test_the_creations_entra_and_okta_send_are_accepted(scim: TestClient) -> None:
    entra = scim.post("/scim/v2/Users", json=examples.ENTRA_CREATE)
    assert entra.status_code == 201, entra.text
    assert entra.json()["externalId"] == "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
    okta = scim.post("/scim/v2/Users", json=examples.OKTA_CREATE)
    assert okta.status_code == 201, okta.text
    assert okta.json()["displayName"] == "Test User" and "password" not in okta.json()
    found = scim.get("/scim/v2/Users", params={"filter": 'userName eq "test.user@okta.local"'})
    okta_id = found.json()["Resources"][0]["id"]
    put = scim.put(f"/scim/v2/Users/{okta_id}", json={**examples.OKTA_PUT, "id": okta_id})
    assert put.status_code == 200, put.text
    assert put.json()["name"]["givenName"] == "Another"


def test_discovery_declares_what_is_kept(scim: TestClient) -> None:
    config = scim.get("/scim/v2/ServiceProviderConfig").json()
    assert config["patch"]["supported"] is True and config["bulk"]["supported"] is False
    types = scim.get("/scim/v2/ResourceTypes").json()["Resources"]
    assert [t["name"] for t in types] == ["User", "Group"]
    schemas = {s["id"]: s for s in scim.get("/scim/v2/Schemas").json()["Resources"]}
    assert {a["name"] for a in schemas[USER_SCHEMA]["attributes"]} == {
        "userName",
        "name",
        "displayName",
        "emails",
        "active",
    }
    assert {a["name"] for a in schemas[ENTERPRISE]["attributes"]} == {
        "employeeNumber",
        "department",
    }
    assert scim.get(f"/scim/v2/Schemas/{ENTERPRISE}").json()["id"] == ENTERPRISE
