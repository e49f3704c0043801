"""A way in without a face, on fakes over HTTP: HR's choice, PINs and their lockouts,
QR codes and their revocation, and the method each check-in records."""

from datetime import UTC, datetime, timedelta

import pytest

from backend.domain.credentials import (
    Lockout,
    LockoutRule,
    PinHasher,
    qr_token_id,
    sign_qr,
    validate_pin,
)
from backend.domain.errors import ValidationFailed
from tests.unit.fakes import face
from tests.unit.world import FakeWorld

PHOTO = b"\xff\xd8alice"


@pytest.fixture
def api(tmp_path):
    world = FakeWorld()
    world.embedder.faces[PHOTO] = [face((1.0, 0.0, 0.0))]
    with world.api(tmp_path) as (client, kiosk):
        yield client, kiosk, world


def create(client, employee_id="N1", biometrics="none"):
    made = client.post(
        "/api/v1/employees",
        json={"employee_id": employee_id, "name": "Nora", "biometrics": biometrics},
    )
    assert made.status_code == 201, made.text
    return made.json()


def pin_checkin(client, kiosk, pin, employee_id="N1"):
    return client.post(
        "/api/v1/pin/checkin",
        json={"employee_id": employee_id, "pin": pin},
        headers={"X-API-Key": kiosk},
    )


def test_the_pin_hash_is_salted_slow_and_verifies_only_its_pin():
    hasher = PinHasher(n=2**10)
    one, two = hasher.hash("402817"), hasher.hash("402817")
    assert one != two and "402817" not in one and one.startswith("scrypt$1024$8$1$")
    assert hasher.verify("402817", one) and not hasher.verify("402818", one)
    assert not hasher.verify("402817", "md5$whatever")
    assert PinHasher().hash("402817").startswith("scrypt$32768$")


@pytest.mark.parametrize("pin", ["12345", "111111", "123456", "987654", "12a456", ""])
def test_short_trivial_or_non_digit_pins_are_refused(pin):
    with pytest.raises(ValidationFailed):
        validate_pin(pin)


def test_a_person_is_locked_after_max_failures_and_each_later_failure_locks_again():
    rule = LockoutRule(5, timedelta(minutes=15))
    now = datetime(2026, 12, 2, 9, tzinfo=UTC)
    state = Lockout()
    for _ in range(4):
        state = rule.after_failure(state, now)
    assert not state.locked(now)
    state = rule.after_failure(state, now)
    assert state.locked(now) and not state.locked(now + timedelta(minutes=15))
    later = now + timedelta(minutes=16)
    assert rule.after_failure(state, later).locked(later)
    assert rule.after_success(state) == Lockout()


def test_a_qr_text_is_signed_and_a_changed_one_is_refused():
    text = sign_qr("abcDEF123", b"secret")
    assert qr_token_id(text, b"secret") == "abcDEF123"
    assert qr_token_id(text, b"other") is None
    assert qr_token_id(text.replace("abcDEF123", "abcDEF124"), b"secret") is None
    assert qr_token_id("hello", b"secret") is None


def test_a_person_without_biometrics_checks_in_with_their_pin(api):
    client, kiosk, world = api
    assert create(client)["biometrics"] == "none"
    assert client.put("/api/v1/employees/N1/pin", json={"pin": "402817"}).json()["pin"] is None
    assert "402817" not in world.credentials.pins["N1"].hash
    answer = pin_checkin(client, kiosk, "402817")
    assert answer.status_code == 200, answer.text
    assert answer.json()["method"] == "pin" and answer.json()["employee_name"] == "Nora"
    assert pin_checkin(client, kiosk, "402817").json()["repeat"] is True
    rows = client.get("/api/v1/checkins").json()["items"]
    assert [(r["employee_id"], r["method"], r["distance"]) for r in rows] == [("N1", "pin", None)]
    csv = client.get("/api/v1/checkins", params={"format": "csv"}).text.splitlines()
    assert csv[0].endswith(",method") and csv[1].endswith(",pin")


def test_five_wrong_pins_lock_the_person_until_hr_unlocks(api):
    client, kiosk, _ = api
    create(client)
    client.put("/api/v1/employees/N1/pin", json={"pin": "402817"})
    for _ in range(5):
        wrong = pin_checkin(client, kiosk, "000001")
        assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "pin_incorrect"
    locked = pin_checkin(client, kiosk, "402817")
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "pin_locked"
    assert locked.json()["error"]["details"]["scope"] == "person"
    assert 1 <= int(locked.headers["Retry-After"]) <= 900
    assert client.get("/api/v1/employees/N1/pin").json()["failures"] == 5
    assert client.delete("/api/v1/employees/N1/pin/lockout").status_code == 204
    assert pin_checkin(client, kiosk, "402817").status_code == 200


def test_an_unknown_id_answers_like_a_wrong_pin_and_the_kiosk_locks_too(api):
    client, kiosk, _ = api
    for n in range(10):
        wrong = pin_checkin(client, kiosk, "402817", employee_id=f"X{n}")
        assert wrong.json()["error"]["code"] == "pin_incorrect"
    locked = pin_checkin(client, kiosk, "402817", employee_id="X99")
    assert locked.status_code == 429 and locked.json()["error"]["details"]["scope"] == "kiosk"
    assert client.delete("/api/v1/keys/door/pin-lockout").status_code == 204
    assert pin_checkin(client, kiosk, "402817", employee_id="X99").status_code == 422


def test_a_qr_code_checks_in_until_it_is_revoked(api):
    client, kiosk, _ = api
    create(client)
    issued = client.post("/api/v1/employees/N1/qr-codes")
    assert issued.status_code == 201
    code = issued.json()["code"]
    scan = client.post("/api/v1/qr/checkin", json={"code": code}, headers={"X-API-Key": kiosk})
    assert scan.status_code == 200 and scan.json()["method"] == "qr"
    forged = code[:-2] + ("AA" if not code.endswith("AA") else "BB")
    bad = client.post("/api/v1/qr/checkin", json={"code": forged}, headers={"X-API-Key": kiosk})
    assert bad.json()["error"]["code"] == "qr_invalid"
    token = issued.json()["token_id"]
    assert client.delete(f"/api/v1/employees/N1/qr-codes/{token}").status_code == 204
    again = client.post("/api/v1/qr/checkin", json={"code": code}, headers={"X-API-Key": kiosk})
    assert again.status_code == 422 and again.json()["error"]["code"] == "qr_revoked"
    listed = client.get("/api/v1/employees/N1/qr-codes").json()["items"]
    assert listed[0]["revoked_at"] is not None and listed[0]["code"] is None


def test_switching_to_none_destroys_faces_and_refuses_new_ones(api):
    client, _, world = api
    enrolled = client.post(
        "/api/v1/employees/insert",
        data={"employee_id": "E1", "employee_name": "Alice"},
        files={"image": ("a.jpg", PHOTO, "image/jpeg")},
    )
    assert enrolled.status_code == 201
    assert world.images.objects
    chosen = client.put("/api/v1/employees/E1/biometrics", json={"biometrics": "none"})
    assert chosen.json()["biometrics"] == "none"
    assert world.faces.faces == {} and world.images.objects == {}
    noted = [e for e in world.audit.entries if e.action == "biometrics.chosen"]
    assert [(e.actor.name, e.subject_id, e.details) for e in noted] == [
        ("hr", "E1", {"biometrics": "none"})
    ]
    again = client.post(
        "/api/v1/employees/insert",
        data={"employee_id": "E1", "employee_name": "Alice"},
        files={"image": ("a.jpg", PHOTO, "image/jpeg")},
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "biometrics_declined"
    assert world.images.objects == {}


def test_pins_and_qr_codes_are_only_for_people_without_biometrics(api):
    client, kiosk, _ = api
    create(client, biometrics="face")
    refused = client.put("/api/v1/employees/N1/pin", json={"pin": "402817"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "biometrics_enabled"
    assert client.post("/api/v1/employees/N1/qr-codes").status_code == 409
    client.put("/api/v1/employees/N1/biometrics", json={"biometrics": "none"})
    made_up = client.put("/api/v1/employees/N1/pin", json={}).json()["pin"]
    assert made_up and len(made_up) == 6
    code = client.post("/api/v1/employees/N1/qr-codes").json()["code"]
    client.put("/api/v1/employees/N1/biometrics", json={"biometrics": "face"})
    assert pin_checkin(client, kiosk, made_up).json()["error"]["code"] == "pin_incorrect"
    scan = client.post("/api/v1/qr/checkin", json={"code": code}, headers={"X-API-Key": kiosk})
    assert scan.json()["error"]["code"] == "qr_revoked"
    taken = client.post("/api/v1/employees", json={"employee_id": "N1", "name": "X"})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "employee_exists"


def test_a_pin_right_after_a_face_folds_into_it_and_publishes_nothing_more(api):
    client, kiosk, world = api
    client.post(
        "/api/v1/employees/insert",
        data={"employee_id": "E1", "employee_name": "Alice"},
        files={"image": ("a.jpg", PHOTO, "image/jpeg")},
    )
    seen = client.post(
        "/api/v1/employees/search",
        headers={"X-API-Key": kiosk},
        files={"image": ("f.jpg", PHOTO, "image/jpeg")},
    ).json()
    assert seen["matched"] is True
    client.put("/api/v1/employees/E1/biometrics", json={"biometrics": "none"})
    client.put("/api/v1/employees/E1/pin", json={"pin": "402817"})
    folded = pin_checkin(client, kiosk, "402817", employee_id="E1").json()
    assert folded["repeat"] is True and folded["checkin_id"] == seen["checkin_id"]
    assert [r.method.value for r in world.checkins.rows] == ["face"]
    matched = [e for e in world.published if e["type"] == "checkin.matched"]
    assert len(matched) == 1 and matched[0]["data"]["method"] == "face"
    assert "checkins of E1" in world.units[-1].locks


def test_every_credential_change_by_hr_is_audited_without_the_secret(api):
    client, kiosk, world = api
    create(client)
    client.put("/api/v1/employees/N1/pin", json={"pin": "402817"})
    made_up = client.put("/api/v1/employees/N1/pin", json={}).json()["pin"]
    client.delete("/api/v1/employees/N1/pin/lockout")
    client.delete("/api/v1/employees/N1/pin")
    issued = client.post("/api/v1/employees/N1/qr-codes").json()
    client.delete(f"/api/v1/employees/N1/qr-codes/{issued['token_id']}")
    client.delete("/api/v1/keys/door/pin-lockout")
    entries = [(e.action, e.subject_id, e.actor.name) for e in world.audit.entries]
    admin = "hr"  # the admin key of the fake world
    assert entries[-8:] == [
        ("employee.added", "N1", admin),
        ("pin.set", "N1", admin),
        ("pin.set", "N1", admin),
        ("pin.unlocked", "N1", admin),
        ("pin.removed", "N1", admin),
        ("qr.issued", "N1", admin),
        ("qr.revoked", "N1", admin),
        ("pin.unlocked", "door", admin),
    ]
    logged = repr([e.details for e in world.audit.entries])
    assert "402817" not in logged and made_up not in logged and issued["code"] not in logged
