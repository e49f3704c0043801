"""The backend's HTTP layer on fakes: auth, error bodies, status codes, uploads."""

import pytest
from fastapi.testclient import TestClient

from backend.config import BackendSettings
from backend.domain import errors
from backend.domain.keys import ApiKeys
from backend.domain.model import Role
from backend.main import create_app
from tests.unit.fake_access import FakeApiKeyStore
from tests.unit.fake_audit import FakeAuditLog
from tests.unit.fakes import face
from tests.unit.world import FakeWorld

PHOTO = b"\xff\xd8photo"


@pytest.fixture
def api(tmp_path):
    world = FakeWorld()
    world.embedder.faces[PHOTO] = [face((1.0, 0.0, 0.0))]
    services = world.services(max_upload_bytes=1000)
    app = create_app(BackendSettings(static_dir=tmp_path), services=services)
    admin = world.keys.create("hr", Role.ADMIN)[1]
    kiosk = world.keys.create("door", Role.KIOSK)[1]
    with TestClient(app) as client:
        yield client, {"admin": admin, "kiosk": kiosk}, world.embedder, services.probes


def enroll(client, key, employee_id="E1", image=PHOTO):
    return client.post(
        "/api/v1/employees/insert",
        headers={"X-API-Key": key},
        data={"employee_id": employee_id, "employee_name": "Alice"},
        files={"image": ("a.jpg", image, "image/jpeg")},
    )


def test_missing_or_unknown_key_is_401(api):
    client, *_ = api
    for headers in ({}, {"X-API-Key": "fgk_nope"}):
        answer = client.get("/api/v1/employees", headers=headers)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "unauthorized"


def test_kiosk_key_on_admin_route_is_403(api):
    client, keys, *_ = api
    answer = enroll(client, keys["kiosk"])
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"


def test_enroll_then_search_with_kiosk_key(api):
    client, keys, *_ = api
    created = enroll(client, keys["admin"])
    assert created.status_code == 201 and created.json()["employee_id"] == "E1"
    found = client.post(
        "/api/v1/employees/search",
        headers={"X-API-Key": keys["kiosk"]},
        files={"image": ("f.jpg", PHOTO, "image/jpeg")},
    ).json()
    assert found["matched"] is True and found["employee_name"] == "Alice"
    assert found["checkin_id"] == 1 and "checked_in_at" in found


def test_missing_image_field_names_the_field(api):
    client, keys, *_ = api
    answer = client.post(
        "/api/v1/employees/search", headers={"X-API-Key": keys["kiosk"]}, data={"x": "1"}
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["fields"] == {"image": "required"}


def test_oversized_upload_is_413(api):
    client, keys, *_ = api
    answer = enroll(client, keys["admin"], image=b"\xff\xd8" + b"0" * 5000)
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "image_too_large"


def test_invalid_employee_id_is_422_with_field(api):
    client, keys, *_ = api
    answer = enroll(client, keys["admin"], employee_id="no spaces")
    assert answer.status_code == 422
    assert "employee_id" in answer.json()["error"]["details"]["fields"]


def test_embedder_down_is_503_with_code(api):
    client, keys, embedder, _ = api
    embedder.error = errors.EmbedderUnavailable("the embedder is not reachable")
    answer = enroll(client, keys["admin"])
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "embedder_unavailable"


def test_a_commit_lost_with_the_primary_is_503_commit_unknown_never_500(api):
    client, keys, embedder, _ = api
    embedder.error = errors.CommitUnknown("the database connection was lost while committing")
    answer = enroll(client, keys["admin"])
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "2"
    assert answer.json()["error"]["code"] == "commit_unknown"


def test_readyz_names_what_is_down(api):
    client, _, _, probes = api
    assert client.get("/readyz").json()["status"] == "ready"

    def down() -> None:
        raise errors.DatabaseUnavailable("the database is not reachable")

    probes["database"] = down
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["error"]["details"]["checks"] == {"embedder": "up", "database": "down"}


def test_unknown_employee_is_404_and_unknown_route_is_json(api):
    client, keys, *_ = api
    answer = client.get("/api/v1/employees/E9", headers={"X-API-Key": keys["admin"]})
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "employee_not_found"
    assert client.get("/nowhere").json()["error"]["code"] == "not_found"


def test_whoami_tells_the_role(api):
    client, keys, *_ = api
    answer = client.get("/api/v1/auth/whoami", headers={"X-API-Key": keys["kiosk"]})
    assert answer.json() == {
        "name": "door",
        "role": "kiosk",
        "liveness": "off",
        "site_name": "Main office",
        "direction": "both",
    }


def test_revoked_key_is_refused():
    keys = ApiKeys(store=FakeApiKeyStore(), audit=FakeAuditLog())
    _, plaintext = keys.create("door", Role.KIOSK)
    assert keys.authenticate(plaintext).name == "door"
    assert keys.revoke("door")
    with pytest.raises(errors.Unauthorized):
        keys.authenticate(plaintext)


def chunks(total: int, size: int = 16 * 1024, first: bytes = b""):
    """A body sent chunked, without Content-Length."""
    yield first
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


MULTIPART_START = (
    b'--b\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
    b"Content-Type: image/jpeg\r\n\r\n"
)


@pytest.fixture
def small_limits(tmp_path):
    world = FakeWorld()
    settings = BackendSettings(static_dir=tmp_path, max_upload_bytes=1000, max_json_bytes=5000)
    app = create_app(settings, services=world.services(max_upload_bytes=1000))
    admin = world.keys.create("hr", Role.ADMIN)[1]
    with TestClient(app) as client:
        yield client, admin


def test_chunked_upload_over_the_limit_is_413(small_limits):
    client, admin = small_limits
    answer = client.post(
        "/api/v1/employees/insert",
        headers={"X-API-Key": admin, "Content-Type": "multipart/form-data; boundary=b"},
        content=chunks(2_000_000, first=MULTIPART_START),
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "image_too_large"


def test_chunked_json_over_the_limit_is_413(small_limits):
    client, admin = small_limits
    answer = client.patch(
        "/api/v1/employees/E1",
        headers={"X-API-Key": admin, "Content-Type": "application/json"},
        content=chunks(50_000),
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "body_too_large"


def test_declared_length_over_the_limit_is_refused_before_reading(small_limits):
    client, admin = small_limits
    answer = client.patch(
        "/api/v1/employees/E1",
        headers={"X-API-Key": admin, "Content-Type": "application/json"},
        content=b"{" + b" " * 10_000 + b"}",
    )
    assert answer.status_code == 413
    # a body on a route that takes none has a limit too (one sent chunked is never read)
    assert client.request("DELETE", "/api/v1/employees/E1", content=b"x" * 6000).status_code == 413


def test_json_nested_too_deep_is_a_documented_422(small_limits):
    client, admin = small_limits
    answer = client.patch(
        "/api/v1/employees/E1",
        headers={"X-API-Key": admin, "Content-Type": "application/json"},
        content=b"[" * 1500 + b"]" * 1500,
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "validation_error"


def test_wrong_method_is_405_with_allow(small_limits):
    client, _ = small_limits
    answer = client.put("/api/v1/employees")
    assert answer.status_code == 405
    assert "GET" in answer.headers["allow"]
    assert answer.json()["error"]["code"] == "method_not_allowed"


def test_photos_are_served_to_admins_only_and_kiosks_get_no_links(api):
    client, keys, *_ = api
    created = enroll(client, keys["admin"])
    photo_url = created.json()["image_url"]
    assert photo_url.startswith("/api/v1/employees/E1/faces/")
    photo = client.get(photo_url, headers={"X-API-Key": keys["admin"]})
    assert photo.status_code == 200 and photo.content == PHOTO
    assert photo.headers["content-type"] == "image/jpeg"
    assert client.get(photo_url, headers={"X-API-Key": keys["kiosk"]}).status_code == 403
    missing = client.get(
        "/api/v1/employees/E1/faces/nope/photo", headers={"X-API-Key": keys["admin"]}
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "face_not_found"
    matched = client.post(
        "/api/v1/employees/search",
        headers={"X-API-Key": keys["kiosk"]},
        files={"image": ("f.jpg", PHOTO, "image/jpeg")},
    ).json()
    assert matched["matched"] is True
    assert not any("image" in name or "url" in name for name in matched)


def test_api_docs_load_nothing_from_elsewhere(tmp_path):
    from facegate_shared.paths import REPO_ROOT

    world = FakeWorld()
    app = create_app(BackendSettings(static_dir=REPO_ROOT / "static"), services=world.services())
    with TestClient(app) as client:
        page = client.get("/docs")
        assert page.status_code == 200
        assert "https://" not in page.text and "//cdn" not in page.text
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
            assert f"/static/vendor/swagger-ui/{asset}" in page.text
            assert client.get(f"/static/vendor/swagger-ui/{asset}").status_code == 200
        assert client.get("/redoc").status_code == 404


def test_embedders_at_capacity_is_503_embedder_busy_with_retry_after(api):
    client, keys, embedder, _ = api
    embedder.error = errors.EmbedderBusy("the embedder is at capacity", retry_after=2)
    answer = enroll(client, keys["admin"])
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "embedder_busy"
    assert answer.headers["Retry-After"] == "2"


@pytest.mark.parametrize("page", ["/checkin", "/enroll", "/admin"])
def test_pages_are_served_whole_with_their_shared_parts(page):
    from facegate_shared.paths import REPO_ROOT

    app = create_app(
        BackendSettings(static_dir=REPO_ROOT / "static"), services=FakeWorld().services()
    )
    with TestClient(app) as client:
        answer = client.get(page)
    assert answer.status_code == 200
    assert "<!-- include" not in answer.text
    assert '<meta charset="utf-8">' in answer.text and "/static/style.css" in answer.text
    assert ('id="key-panel"' in answer.text) is (page != "/checkin")  # HR pages sign in
    assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
