"""Idempotency-Key on creates, over HTTP on fakes: one effect, the first answer replayed."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from backend.config import BackendSettings
from backend.domain.errors import IdempotencyKeyReused
from backend.domain.idempotency import Idempotency, request_hash
from backend.domain.model import Role, StoredAnswer
from backend.main import create_app
from tests.unit.fake_access import FakeIdempotencyStore
from tests.unit.fakes import face
from tests.unit.world import FakeWorld

PHOTO = b"\xff\xd8photo"
OTHER = b"\xff\xd8other photo"
NO_FACE = b"\xff\xd8nobody"


@pytest.fixture
def api(tmp_path):
    world = FakeWorld()
    world.embedder.faces[PHOTO] = [face((1.0, 0.0, 0.0))]
    world.embedder.faces[OTHER] = [face((0.0, 1.0, 0.0))]
    world.embedder.faces[NO_FACE] = []
    app = create_app(BackendSettings(static_dir=tmp_path), services=world.services())
    admin = world.keys.create("hr", Role.ADMIN)[1]
    with TestClient(app) as client:
        yield client, admin, world


def enroll(client, key, idempotency_key, employee_id="E1", image=PHOTO, name="Alice"):
    return client.post(
        "/api/v1/employees/insert",
        headers={"X-API-Key": key, "Idempotency-Key": idempotency_key},
        data={"employee_id": employee_id, "employee_name": name},
        files={"image": ("a.jpg", image, "image/jpeg")},
    )


def test_a_retry_gets_the_first_answer_and_creates_nothing(api):
    client, key, world = api
    first = enroll(client, key, "k-1")
    again = enroll(client, key, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(world.faces.faces) == 1


def test_the_same_key_for_another_request_is_422(api):
    client, key, world = api
    assert enroll(client, key, "k-2").status_code == 201
    for changed in ({"image": OTHER}, {"name": "Bob"}, {"employee_id": "E2"}):
        refused = enroll(client, key, "k-2", **changed)
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "idempotency_key_reused"
    assert len(world.faces.faces) == 1


def test_keys_belong_to_their_api_key(api):
    client, key, world = api
    other = world.keys.create("payroll", Role.ADMIN)[1]
    assert enroll(client, key, "shared", employee_id="E1").status_code == 201
    second = enroll(client, other, "shared", employee_id="E2", image=OTHER)
    assert second.status_code == 201 and second.json()["employee_id"] == "E2"


def test_an_error_is_not_kept_so_a_retry_runs_again(api):
    client, key, world = api
    failed = enroll(client, key, "k-3", image=NO_FACE)
    assert failed.json()["error"]["code"] == "no_face_detected"
    world.embedder.faces[NO_FACE] = [face((0.0, 0.0, 1.0))]  # the camera saw them this time
    assert enroll(client, key, "k-3", image=NO_FACE).status_code == 201


def test_a_key_still_held_by_a_running_request_is_409(api):
    client, key, world = api
    world.idempotency.held.add(("hr", "k-4"))
    busy = enroll(client, key, "k-4")
    assert busy.status_code == 409
    assert busy.json()["error"]["code"] == "idempotency_key_in_use"


def test_without_a_key_every_request_runs(api):
    client, key, world = api
    answers = [
        client.post(
            "/api/v1/employees/insert",
            headers={"X-API-Key": key},
            data={"employee_id": "E1", "employee_name": "Alice"},
            files={"image": ("a.jpg", image, "image/jpeg")},
        )
        for image in (PHOTO, PHOTO)
    ]
    assert answers[0].status_code == 201
    assert answers[1].json()["error"]["code"] == "photo_already_enrolled"


def test_request_hash_ignores_how_fields_were_ordered():
    one = request_hash("enrollEmployee", {"a": "1", "b": "2"})
    assert one == request_hash("enrollEmployee", {"b": "2", "a": "1"})
    assert one != request_hash("createKey", {"a": "1", "b": "2"})


def test_stored_answers_expire_after_the_retention_time():
    store = FakeIdempotencyStore()
    idempotency = Idempotency(store=store, keep_for=timedelta(hours=24))
    claim = idempotency.begin("hr", "k", "h1")
    assert not isinstance(claim, StoredAnswer)
    claim.keep(201, {"ok": True})
    assert idempotency.begin("hr", "k", "h1") == StoredAnswer("h1", 201, {"ok": True})
    with pytest.raises(IdempotencyKeyReused):
        idempotency.begin("hr", "k", "h2")
    assert Idempotency(store=store, keep_for=timedelta(0)).sweep() == 1
    assert not isinstance(idempotency.begin("hr", "k", "h2"), StoredAnswer)


def test_creating_a_key_or_a_webhook_twice_with_one_key_creates_one(api):
    client, key, world = api
    admin = {"X-API-Key": key}
    for path, body, other in (
        ("/api/v1/keys", {"name": "door-2", "role": "kiosk"}, {"name": "door-3"}),
        (
            "/api/v1/webhooks",
            {"url": "https://hr.example.com/hook", "events": ["employee.erased"]},
            {"url": "https://other.example.com/hook"},
        ),
    ):
        headers = {**admin, "Idempotency-Key": "create-" + path}
        first = client.post(path, headers=headers, json=body)
        again = client.post(path, headers=headers, json=body)
        assert first.status_code == again.status_code == 201, first.text
        assert again.json() == first.json()  # the secret too: the first answer was lost
        assert again.headers["Idempotent-Replayed"] == "true"
        listed = client.get(path, headers=admin).json()
        assert listed["total"] == len(listed["items"])
        refused = client.post(path, headers=headers, json={**body, **other})
        assert refused.json()["error"]["code"] == "idempotency_key_reused"
    names = [k.name for k in world.keys.list()]
    assert names.count("door-2") == 1 and "door-3" not in names
    assert len(world.webhook_store.list()) == 1
