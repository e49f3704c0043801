"""Sealing and the audit log on the running stack: what the object store holds of an
enrolled photo and a check-in snapshot is no image; HR still sees both; every look is in
the audit log, and `facegate audit verify` passes on it."""

import io

import httpx
import pytest
from minio import Minio
from PIL import Image, UnidentifiedImageError

from facegate.samples import frame
from tests.conftest import run_cli
from tests.e2e.test_checkin_api import stored_snapshots

PERSON = "SEALED-BIDEN"


def store(stack) -> Minio:
    """The S3 server itself, past the backend."""
    return Minio(
        stack.env["S3_ENDPOINT"].removeprefix("http://"),
        access_key=stack.env["S3_ACCESS_KEY"],
        secret_key=stack.env["S3_SECRET_KEY"],
        secure=False,
    )


def raw_object(stack, key: str) -> bytes:
    """The object as the S3 server holds it."""
    response = store(stack).get_object(stack.env["S3_BUCKET"], key)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def assert_no_image(raw: bytes) -> None:
    assert not raw.startswith((b"\xff\xd8", b"\x89PNG"))
    with pytest.raises(UnidentifiedImageError):
        Image.open(io.BytesIO(raw))


def call(stack, method, path, **kwargs):
    headers = {"X-API-Key": kwargs.pop("key", stack.admin_key)}
    return httpx.request(method, stack.url + path, headers=headers, timeout=60, **kwargs)


@pytest.fixture
def erased_after(stack):
    """The person this test enrolls is erased after it, whatever happens: the other tests
    share the stack's gallery."""
    yield
    call(stack, "DELETE", f"/api/v1/employees/{PERSON}")


def test_photos_and_snapshots_are_sealed_at_rest_and_every_look_is_audited(
    stack, photos, erased_after
):
    enrolled = call(
        stack,
        "POST",
        "/api/v1/employees/insert",
        data={"employee_id": PERSON, "employee_name": "Joe Biden"},
        files={"image": ("b.jpg", photos["biden.jpg"], "image/jpeg")},
    )
    assert enrolled.status_code == 201, enrolled.text
    face_id = enrolled.json()["face_id"]
    assert_no_image(raw_object(stack, f"employees/{PERSON}/{face_id}.jpg"))
    shown = call(stack, "GET", enrolled.json()["image_url"])
    assert shown.status_code == 200 and shown.content == photos["biden.jpg"]
    assert shown.headers["content-type"] == "image/jpeg"

    checked = call(
        stack,
        "POST",
        "/api/v1/employees/search",
        key=stack.kiosk_key,
        files={"image": ("f.jpg", frame(photos["biden.jpg"]))},
    ).json()
    assert checked["matched"] and checked["employee_id"] == PERSON, checked
    item = call(stack, "GET", f"/api/v1/checkins/{checked['checkin_id']}").json()
    [snapshot_key] = stored_snapshots(stack, f"checkins/employees/{PERSON}/")
    assert_no_image(raw_object(stack, snapshot_key))
    crop = call(stack, "GET", item["snapshot_path"])
    assert crop.status_code == 200 and Image.open(io.BytesIO(crop.content)).format == "JPEG"

    logged = call(stack, "GET", "/api/v1/audit", params={"subject": PERSON}).json()
    actions = [(e["action"], e["actor"]["name"]) for e in reversed(logged["items"])]
    assert actions == [
        ("employee.enrolled", "admin-e2e"),
        ("photo.viewed", "admin-e2e"),
        ("snapshot.viewed", "admin-e2e"),
    ]
    verified = run_cli("audit", "verify", env={"DATABASE_URL": stack.env["DATABASE_URL"]})
    assert verified.returncode == 0, verified.stderr
    assert call(stack, "GET", "/api/v1/audit/verify").json()["intact"] is True
