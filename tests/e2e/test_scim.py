"""SCIM 2.0 against the running stack: scim2-tester's conformance checks (PyPI, the
python-scim project's checker) with a token made by `facegate keys create --role scim`, and
leaving that follows the directory, read back from PostgreSQL, then enforced by the
retention schedule on the person's faces, vectors, photos and snapshots."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from scim2_tester import check_server
from scim2_tester.utils import Status
from sqlalchemy import create_engine, text

from backend.infrastructure.database import sqlalchemy_url
from facegate.samples import frame
from tests.backends import Stack, create_key
from tests.conftest import run_cli
from tests.e2e.test_checkin_api import stored_snapshots
from tests.e2e.test_privacy import call, traces
from tests.scim_client import HttpxSCIMClient
from tests.unit import scim_examples as examples

FAILED = {Status.ERROR, Status.CRITICAL}
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def scim_client(stack: Stack, name: str) -> httpx.Client:
    token = create_key(stack.env, "scim", name)
    return httpx.Client(
        base_url=stack.url + "/scim/v2",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )


@pytest.fixture(scope="module")
def scim(stack: Stack) -> Iterator[httpx.Client]:
    with scim_client(stack, "identity-provider") as client:
        yield client


def row(stack: Stack, sql: str, **values: Any) -> Any:
    engine = create_engine(sqlalchemy_url(stack.env["DATABASE_URL"]))
    try:
        with engine.connect() as db:
            return db.execute(text(sql), values).first()
    finally:
        engine.dispose()


def test_scim2_tester_passes_every_check_for_the_declared_resources(scim: httpx.Client) -> None:
    results = check_server(HttpxSCIMClient(scim))
    failed = [f"{r.resource_type} {r.title}: {r.reason}" for r in results if r.status in FAILED]
    skipped = [f"{r.resource_type} {r.title}" for r in results if r.status == Status.SKIPPED]
    assert failed == []
    # docs/directory.md lists what the checker skips; today it skips nothing.
    assert skipped == []
    assert len(results) >= 50  # discovery, CRUD, PATCH add/replace/remove, filters, errors


def test_deactivation_by_entra_marks_the_person_left_and_keeps_the_employee(
    scim: httpx.Client, stack: Stack
) -> None:
    made = scim.post("/Users", json=examples.ENTRA_CREATE)
    assert made.status_code == 201, made.text
    person = made.json()["id"]
    answer = scim.patch(f"/Users/{person}", json=examples.ENTRA_DISABLE_WITHOUT_FLAG)
    assert answer.status_code == 200 and answer.json()["active"] is False
    left = row(
        stack,
        "SELECT status, left_on, current_date AS today FROM employee WHERE id = :i",
        i=person,
    )
    assert (left.status, left.left_on) == ("left", left.today)
    assert row(stack, "SELECT id FROM employee WHERE id = :i", i=person) is not None
    assert row(stack, "SELECT count(*) AS n FROM face WHERE employee_id = :i", i=person).n == 0


def test_a_delete_by_okta_s_filter_and_id_leaves_the_employee_marked_left(
    scim: httpx.Client, stack: Stack
) -> None:
    assert scim.post("/Users", json=examples.OKTA_CREATE).status_code == 201
    found = scim.get("/Users", params={"filter": 'userName eq "test.user@okta.local"'}).json()
    person = found["Resources"][0]["id"]
    assert scim.delete(f"/Users/{person}").status_code == 204
    assert scim.get(f"/Users/{person}").status_code == 404
    state = row(
        stack,
        "SELECT e.status, e.left_on, s.deprovisioned_at FROM scim_user s "
        "JOIN employee e ON e.id = s.employee_id WHERE s.employee_id = :i",
        i=person,
    )
    assert state.status == "left" and state.left_on is not None
    assert state.deprovisioned_at is not None
    again = scim.post("/Users", json=examples.OKTA_CREATE)
    assert again.status_code == 201  # the userName is free again after the delete


def test_a_group_is_a_department_in_postgresql(scim: httpx.Client, stack: Stack) -> None:
    made = scim.post(
        "/Users",
        json={"schemas": [examples.OKTA_CREATE["schemas"][0]], "userName": "dept@example.com"},
    )
    person = made.json()["id"]
    group = scim.post("/Groups", json=examples.OKTA_CREATE_GROUP)
    assert group.status_code == 201, group.text
    members = {"23a35c27-23d3-4c03-b4c5-6443c09e7173": person}
    patched = scim.patch(
        f"/Groups/{group.json()['id']}",
        json=examples.with_members(examples.OKTA_MEMBERSHIP, members),
    )
    assert patched.status_code == 200, patched.text
    department = row(stack, "SELECT department FROM employee WHERE id = :i", i=person).department
    assert department == "Test SCIMv2"
    assert scim.delete(f"/Groups/{group.json()['id']}").status_code == 204
    assert row(stack, "SELECT department FROM employee WHERE id = :i", i=person).department is None


def test_a_group_named_like_a_site_is_its_access_group_over_http(
    scim: httpx.Client, stack: Stack
) -> None:
    site = call(
        stack, "POST", "/api/v1/sites", json={"name": "SCIM Oslo", "timezone": "Europe/Oslo"}
    )
    assert site.status_code == 201, site.text
    oslo = site.json()["site_id"]
    made = scim.post(
        "/Users",
        json={"schemas": [examples.OKTA_CREATE["schemas"][0]], "userName": "oslo@example.com"},
    )
    assert made.status_code == 201, made.text
    person = made.json()["id"]
    group = scim.post("/Groups", json={**examples.OKTA_CREATE_GROUP, "displayName": "scim oslo"})
    assert group.status_code == 201, group.text
    members = {"23a35c27-23d3-4c03-b4c5-6443c09e7173": person}
    patched = scim.patch(  # Okta's membership PATCH: remove someone, add the person
        f"/Groups/{group.json()['id']}",
        json=examples.with_members(examples.OKTA_MEMBERSHIP, members),
    )
    assert patched.status_code == 200, patched.text
    allowed = call(stack, "GET", f"/api/v1/employees/{person}/sites")
    assert allowed.status_code == 200, allowed.text
    assert (allowed.json()["all_sites"], allowed.json()["sites"]) == (False, [oslo])
    removed = scim.patch(
        f"/Groups/{group.json()['id']}",
        json=examples.with_members(
            examples.ENTRA_REMOVE_MEMBER_WITH_FLAG, {"7f4bc1a3-285e-48ae-8202-5accb43efb0e": person}
        ),
    )
    assert removed.status_code == 200, removed.text
    allowed = call(stack, "GET", f"/api/v1/employees/{person}/sites").json()
    assert (allowed["all_sites"], allowed["sites"]) == (True, None)


def test_deactivated_over_scim_then_retention_leaves_no_biometric_trace(consenting, photos):
    """The person the identity provider deactivates keeps their check-ins; the retention job
    (here run once by `facegate retention`, as the backends do hourly) destroys the rest."""
    stack = consenting
    user = {
        "schemas": [examples.OKTA_CREATE["schemas"][0], ENTERPRISE],
        "userName": "leaver@example.com",
        "displayName": "Barack Obama",
        ENTERPRISE: {"employeeNumber": "E-LEAVER"},
    }
    with scim_client(stack, "idp-retention") as client:
        made = client.post("/Users", json=user)
        assert made.status_code == 201, made.text
        person = made.json()["id"]
        assert person == "E-LEAVER"  # the employeeNumber is the employee id
        version = httpx.get(stack.url + "/privacy.json", timeout=30).json()["notice"]["version"]
        enrolled = call(
            stack,
            "POST",
            "/api/v1/employees/insert",
            data={
                "employee_id": person,
                "employee_name": "Barack Obama",
                "consent_method": "paper",
                "consent_version": str(version),
                "consent_reference": "form 12",
            },
            files={"image": ("obama.jpg", photos["obama.jpg"])},
        )
        assert enrolled.status_code == 201, enrolled.text
        seen = httpx.post(
            stack.url + "/api/v1/employees/search",
            headers={"X-API-Key": stack.kiosk_key},
            files={"image": ("f.jpg", frame(photos["obama2.jpg"]))},
            timeout=60,
        ).json()
        assert seen["matched"] is True and seen["employee_id"] == person
        assert stored_snapshots(stack, f"checkins/employees/{person}/")  # after the answer
        before = traces(stack, person)
        assert before["faces"] == 1 and before["vectors"] >= 1
        assert before["photos"] == 1 and before["snapshots"] == 1

        deactivated = client.patch(f"/Users/{person}", json=examples.OKTA_DEACTIVATE)
        assert deactivated.status_code == 200 and deactivated.json()["active"] is False

    enforced = run_cli("retention", env=stack.env)
    assert enforced.returncode == 0, enforced.stderr
    assert traces(stack, person) == {
        "faces": 0,
        "links": 0,
        "held": 0,
        "checkins": 1,
        "vectors": 0,
        "photos": 0,
        "snapshots": 0,
    }
    employee = call(stack, "GET", f"/api/v1/employees/{person}").json()
    assert employee["status"] == "left"
