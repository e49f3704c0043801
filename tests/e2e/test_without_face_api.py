"""A way in without a face on the running stack over HTTP: HR switches a person to "no
biometrics" (their faces, vectors, photos and snapshots go, checked in PostgreSQL and in
the object store), then they check in with a PIN and a QR code; five wrong PINs lock out;
a revoked QR code is refused; check-ins carry their method."""

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine, text

from backend.infrastructure.database import make_engine
from facegate.samples import frame
from tests.e2e.test_checkin_api import bucket_keys, insert, search, stored_snapshots

PERSON = "NOBIO-1"


def call(stack, method, path, key=None, **kwargs):
    headers = {"X-API-Key": key or stack.admin_key}
    return httpx.request(method, stack.url + path, headers=headers, timeout=60, **kwargs)


def pin_checkin(stack, employee_id, pin):
    body = {"employee_id": employee_id, "pin": pin}
    return call(stack, "POST", "/api/v1/pin/checkin", stack.kiosk_key, json=body)


def qr_checkin(stack, code):
    return call(stack, "POST", "/api/v1/qr/checkin", stack.kiosk_key, json={"code": code})


@pytest.fixture(scope="module")
def db(stack) -> Iterator[Engine]:
    engine = make_engine(stack.env["DATABASE_URL"], pool_size=1)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def switched(stack, photos, db) -> Iterator[str]:
    """PERSON enrolled from a photo and seen once at the kiosk (a snapshot kept), then
    switched to no biometrics by HR."""
    assert (
        insert(stack, stack.admin_key, PERSON, "Nora Nobio", photos["obama.jpg"]).status_code == 201
    )
    seen = search(stack, frame(photos["obama2.jpg"])).json()
    assert seen["matched"] is True and seen["employee_id"] == PERSON
    assert bucket_keys(stack, f"employees/{PERSON}/")
    assert stored_snapshots(stack, f"checkins/employees/{PERSON}/")
    chosen = call(
        stack, "PUT", f"/api/v1/employees/{PERSON}/biometrics", json={"biometrics": "none"}
    )
    assert chosen.status_code == 200 and chosen.json()["biometrics"] == "none"
    yield PERSON
    call(stack, "DELETE", f"/api/v1/employees/{PERSON}")


def test_no_biometrics_leaves_no_face_vector_photo_or_snapshot(stack, photos, db, switched):
    with db.connect() as c:
        assert (
            c.execute(
                text("SELECT count(*) FROM face WHERE employee_id = :e"), {"e": switched}
            ).scalar()
            == 0
        )
        generation = c.execute(text("SELECT generation FROM gallery WHERE id = 1")).scalar()
        vectors = c.execute(
            text(f"SELECT count(*) FROM face_vector_{generation} WHERE employee_id = :e"),
            {"e": switched},
        ).scalar()
        assert vectors == 0
        links = c.execute(
            text("SELECT count(*) FROM checkin WHERE employee_id = :e AND snapshot_key IS NULL"),
            {"e": switched},
        ).scalar()
        assert links == 1  # the attendance row stays, without its snapshot
    assert bucket_keys(stack, f"employees/{switched}/") == []
    assert bucket_keys(stack, f"checkins/employees/{switched}/") == []
    again = insert(stack, stack.admin_key, switched, "Nora Nobio", photos["obama.jpg"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "biometrics_declined"
    assert bucket_keys(stack, f"employees/{switched}/") == []
    assert search(stack, frame(photos["obama3.jpg"])).json()["matched"] is False


def test_a_pin_checks_in_and_five_wrong_ones_lock_out(stack, switched):
    assert (
        call(stack, "PUT", f"/api/v1/employees/{switched}/pin", json={"pin": "402817"}).status_code
        == 200
    )
    for _ in range(5):
        wrong = pin_checkin(stack, switched, "731902")
        assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "pin_incorrect"
    locked = pin_checkin(stack, switched, "402817")
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "pin_locked"
    assert int(locked.headers["Retry-After"]) > 0
    state = call(stack, "GET", f"/api/v1/employees/{switched}/pin").json()
    assert state["failures"] == 5 and state["locked_until"] is not None
    assert call(stack, "DELETE", f"/api/v1/employees/{switched}/pin/lockout").status_code == 204
    done = pin_checkin(stack, switched, "402817")
    assert done.status_code == 200, done.text
    assert done.json()["method"] == "pin" and done.json()["employee_id"] == switched


def test_a_qr_code_checks_in_until_revoked_and_checkins_carry_their_method(stack, switched):
    made = call(
        stack, "POST", "/api/v1/employees", json={"employee_id": "NOBIO-2", "name": "Quinn"}
    )
    assert made.status_code == 201 and made.json()["biometrics"] == "none"
    try:
        issued = call(stack, "POST", "/api/v1/employees/NOBIO-2/qr-codes")
        assert issued.status_code == 201
        code = issued.json()["code"]
        scanned = qr_checkin(stack, code)
        assert scanned.status_code == 200 and scanned.json()["method"] == "qr"
        token = issued.json()["token_id"]
        assert (
            call(stack, "DELETE", f"/api/v1/employees/NOBIO-2/qr-codes/{token}").status_code == 204
        )
        refused = qr_checkin(stack, code)
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "qr_revoked"
        rows = call(stack, "GET", "/api/v1/checkins").json()["items"]
        methods = {
            (r["employee_id"], r["method"]) for r in rows if r["employee_id"].startswith("NOBIO")
        }
        assert ("NOBIO-2", "qr") in methods and (switched, "face") in methods
        csv = call(stack, "GET", "/api/v1/checkins", params={"format": "csv"}).text
        assert any(
            line.startswith(tuple("0123456789")) and line.endswith(",qr")
            for line in csv.splitlines()
        )
        daily = call(stack, "GET", "/api/v1/attendance/daily").json()["employees"]
        assert "NOBIO-2" in {d["employee_id"] for d in daily}
    finally:
        call(stack, "DELETE", "/api/v1/employees/NOBIO-2")
