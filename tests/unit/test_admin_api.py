"""The routes HR's page uses, on fakes: keys, webhooks, photos, people, hours, repeats."""

import pytest

from tests.unit.fakes import face
from tests.unit.world import FakeWorld

PHOTO = b"\xff\xd8alice"
STRANGER = b"\xff\xd8bob"


@pytest.fixture
def api(tmp_path):
    world = FakeWorld()
    world.embedder.faces[PHOTO] = [face((1.0, 0.0, 0.0))]
    world.embedder.faces[STRANGER] = [face((0.0, 1.0, 0.0))]
    with world.api(tmp_path) as (client, kiosk):
        yield client, kiosk, world


def enroll(client, employee_id="E1", name="Alice", department=None):
    data = {"employee_id": employee_id, "employee_name": name}
    if department:
        data["department"] = department
    return client.post(
        "/api/v1/employees/insert", data=data, files={"image": ("a.jpg", PHOTO, "image/jpeg")}
    )


def search(client, kiosk, image=PHOTO):
    return client.post(
        "/api/v1/employees/search",
        headers={"X-API-Key": kiosk},
        files={"image": ("f.jpg", image, "image/jpeg")},
    ).json()


def test_keys_are_created_shown_once_listed_and_revoked(api):
    client, _, _ = api
    made = client.post("/api/v1/keys", json={"name": "lobby", "role": "kiosk"})
    assert made.status_code == 201
    key = made.json()["key"]
    assert key.startswith("fgk_")
    assert client.get("/api/v1/auth/whoami", headers={"X-API-Key": key}).json()["role"] == "kiosk"
    listed = client.get("/api/v1/keys").json()["items"]
    assert {k["name"] for k in listed} == {"hr", "door", "lobby"}
    assert key not in str(listed)
    assert client.post("/api/v1/keys", json={"name": "lobby"}).status_code == 409
    assert client.post("/api/v1/keys", json={"name": " "}).json()["error"]["code"] == (
        "validation_error"
    )
    assert client.delete("/api/v1/keys/lobby").status_code == 204
    assert client.get("/api/v1/auth/whoami", headers={"X-API-Key": key}).status_code == 401
    gone = client.delete("/api/v1/keys/lobby")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "key_not_found"


def test_keys_routes_are_admin_only(api):
    client, kiosk, _ = api
    answer = client.get("/api/v1/keys", headers={"X-API-Key": kiosk})
    assert answer.status_code == 403


def test_a_repeat_answers_with_the_earlier_checkin(api):
    client, kiosk, world = api
    enroll(client)
    first = search(client, kiosk)
    again = search(client, kiosk)
    assert first["matched"] and first["repeat"] is False
    assert again["matched"] and again["repeat"] is True
    assert (again["checkin_id"], again["checked_in_at"]) == (
        first["checkin_id"],
        first["checked_in_at"],
    )
    assert len(world.checkins.rows) == 1
    metrics = client.get("/metrics").text
    assert 'facegate_checkins_total{result="repeat"} 1.0' in metrics


def test_strangers_are_counted_per_hour_without_rows(api):
    client, kiosk, world = api
    enroll(client)
    for _ in range(3):
        answer = search(client, kiosk, STRANGER)
        assert answer == {"matched": False, "employee_name": "Unknown", "reason": "no_match"}
    hours = client.get("/api/v1/attendance/unknown").json()
    assert len(hours["hours"]) == 24 and sum(hours["hours"]) == 3
    assert world.checkins.rows == []
    bad = client.get("/api/v1/attendance/unknown", params={"date": "30/11"})
    assert bad.status_code == 422


def test_people_list_searches_and_counts_faces(api):
    client, _, _ = api
    enroll(client, "E1", "Alice", "Sales")
    client.post(
        "/api/v1/employees/insert",
        data={"employee_id": "E2", "employee_name": "Bob"},
        files={"image": ("b.jpg", STRANGER, "image/jpeg")},
    )
    everyone = client.get("/api/v1/employees").json()
    assert [(e["employee_id"], e["faces"]) for e in everyone["items"]] == [("E1", 1), ("E2", 1)]
    assert everyone["items"][0]["last_checkin"] is None
    found = client.get("/api/v1/employees", params={"q": "sal"}).json()
    assert found["total"] == 1 and found["items"][0]["name"] == "Alice"


def test_photo_is_served_through_the_backend_to_admins_only(api):
    client, kiosk, _ = api
    enroll(client)
    (face_info,) = client.get("/api/v1/employees/E1").json()["faces"]
    path = face_info["photo_path"]
    photo = client.get(path)
    assert photo.status_code == 200 and photo.content == PHOTO
    assert photo.headers["content-type"] == "image/jpeg"
    assert client.get(path, headers={"X-API-Key": kiosk}).status_code == 403
    missing = client.get("/api/v1/employees/E1/faces/nope/photo")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "face_not_found"


def test_webhooks_register_list_delete(api):
    client, kiosk, _ = api
    made = client.post(
        "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "events": ["checkin.matched"]}
    )
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    hook_id = made.json()["webhook_id"]
    listed = client.get("/api/v1/webhooks").json()
    assert [h["url"] for h in listed["items"]] == ["http://127.0.0.1:9/hook"]
    assert "secret" not in listed["items"][0]
    assert client.get(f"/api/v1/webhooks/{hook_id}/deliveries").json() == {
        "items": [],
        "total": 0,
        "limit": 50,
        "offset": 0,
    }
    bad = client.post("/api/v1/webhooks", json={"url": "http://x/", "events": ["nope"]})
    assert bad.status_code == 422 and "events" in bad.json()["error"]["details"]["fields"]
    assert client.delete(f"/api/v1/webhooks/{hook_id}").status_code == 204
    assert client.get(f"/api/v1/webhooks/{hook_id}/deliveries").status_code == 404
    assert client.get("/api/v1/webhooks", headers={"X-API-Key": kiosk}).status_code == 403
