"""Consent, withdrawal, the access export, /privacy and the retention job on the running
stack (real PostgreSQL, S3 server, embedder and backends, real photos), with the default
CONSENT_REQUIRED=true; the database and the bucket are checked directly."""

import io
import json
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import text

from backend.infrastructure.database import make_engine
from facegate.children import start_backend
from facegate.processes import free_port
from facegate.samples import frame
from tests.backends import Stack
from tests.conftest import run_cli
from tests.e2e.test_checkin_api import bucket_keys, stored_snapshots


def call(stack: Stack, method: str, path: str, **kwargs) -> httpx.Response:
    return httpx.request(
        method, stack.url + path, headers={"X-API-Key": stack.admin_key}, timeout=60, **kwargs
    )


def kiosk(stack: Stack, path: str, body: dict[str, str]) -> httpx.Response:
    return httpx.post(
        stack.url + path, headers={"X-API-Key": stack.kiosk_key}, json=body, timeout=60
    )


def enroll(stack: Stack, person: str, photo: bytes, **consent: str) -> httpx.Response:
    return call(
        stack,
        "POST",
        "/api/v1/employees/insert",
        data={"employee_id": person, "employee_name": "Barack Obama", **consent},
        files={"image": ("obama.jpg", photo)},
    )


def traces(stack: Stack, person: str) -> dict[str, int]:
    """Every biometric trace of a person in PostgreSQL and in the bucket."""
    engine = make_engine(stack.env["DATABASE_URL"], pool_size=1)
    try:
        with engine.begin() as db:
            tables = db.execute(
                text("SELECT tablename FROM pg_tables WHERE tablename LIKE 'face\\_vector\\_%'")
            ).scalars()
            counts = {
                "faces": "SELECT count(*) FROM face WHERE employee_id = :e",
                "links": "SELECT count(*) FROM checkin WHERE employee_id = :e "
                "AND (snapshot_key IS NOT NULL OR face_id IS NOT NULL)",
                "held": "SELECT count(*) FROM snapshot_hold h JOIN checkin c "
                "ON c.id = h.checkin_id WHERE c.employee_id = :e",
                "checkins": "SELECT count(*) FROM checkin WHERE employee_id = :e",
            }
            found = {k: db.execute(text(q), {"e": person}).scalar_one() for k, q in counts.items()}
            found["vectors"] = sum(
                db.execute(
                    text(f"SELECT count(*) FROM {t} WHERE employee_id = :e"), {"e": person}
                ).scalar_one()
                for t in list(tables)
            )
    finally:
        engine.dispose()
    found["photos"] = len(bucket_keys(stack, f"employees/{person}/"))
    found["snapshots"] = len(bucket_keys(stack, f"checkins/employees/{person}/"))
    return found


def test_no_consent_no_face_then_signed_enrolled_exported_and_withdrawn(consenting, photos):
    stack = consenting
    refused = enroll(stack, "P-OBAMA", photos["obama.jpg"])
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "consent_required"
    assert bucket_keys(stack, "employees/P-OBAMA/") == []

    version = httpx.get(stack.url + "/privacy.json", timeout=30).json()["notice"]["version"]
    signed = {"consent_method": "signature", "consent_version": str(version)}
    enrolled = enroll(
        stack, "P-OBAMA", photos["obama.jpg"], consent_signature="barack obama", **signed
    )
    assert enrolled.status_code == 201, enrolled.text
    seen = httpx.post(
        stack.url + "/api/v1/employees/search",
        headers={"X-API-Key": stack.kiosk_key},
        files={"image": ("f.jpg", frame(photos["obama2.jpg"]))},
        timeout=60,
    ).json()
    assert seen["matched"] is True and seen["employee_id"] == "P-OBAMA"
    assert stored_snapshots(stack, "checkins/employees/P-OBAMA/")
    before = traces(stack, "P-OBAMA")
    assert before["faces"] == 1 and before["vectors"] >= 1 and before["snapshots"] == 1

    exported = call(stack, "GET", "/api/v1/employees/P-OBAMA/export")
    assert exported.status_code == 200 and exported.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(exported.content))
    person = json.loads(archive.read("person.json"))
    assert person["employee"]["employee_id"] == "P-OBAMA"
    assert [c["decision"] for c in person["consents"]] == ["given"]
    assert len(person["checkins"]) == 1 and person["disputes"] == []
    assert archive.read(person["faces"][0]["photo"]) == photos["obama.jpg"]
    assert archive.read(person["checkins"][0]["snapshot"])[:2] == b"\xff\xd8"

    withdrawn = call(
        stack,
        "POST",
        "/api/v1/employees/P-OBAMA/consent",
        json={"decision": "withdrawn", "method": "paper", "reference": "letter of 2 Dec"},
    )
    assert withdrawn.status_code == 201, withdrawn.text
    after = traces(stack, "P-OBAMA")
    assert after == {
        "faces": 0,
        "links": 0,
        "held": 0,
        "checkins": 1,
        "vectors": 0,
        "photos": 0,
        "snapshots": 0,
    }
    assert call(stack, "GET", "/api/v1/employees/P-OBAMA").json()["biometrics"] == "none"
    again = enroll(stack, "P-OBAMA", photos["obama3.jpg"])
    assert again.json()["error"]["code"] == "consent_required"
    # The way in without a face: a PIN and a QR code at the kiosk.
    pin = call(stack, "PUT", "/api/v1/employees/P-OBAMA/pin", json={"pin": "582914"})
    assert pin.status_code == 200, pin.text
    by_pin = kiosk(stack, "/api/v1/pin/checkin", {"employee_id": "P-OBAMA", "pin": "582914"})
    assert by_pin.status_code == 200, by_pin.text
    assert (by_pin.json()["employee_id"], by_pin.json()["method"]) == ("P-OBAMA", "pin")
    issued = call(stack, "POST", "/api/v1/employees/P-OBAMA/qr-codes")
    assert issued.status_code == 201, issued.text
    by_qr = kiosk(stack, "/api/v1/qr/checkin", {"code": issued.json()["code"]})
    assert by_qr.status_code == 200, by_qr.text
    assert (by_qr.json()["employee_id"], by_qr.json()["method"]) == ("P-OBAMA", "qr")
    key = "admin-priv"  # the admin key's name: who did it, in the audit log
    assert ("P-OBAMA", key) in audited(stack, "employee.exported")
    assert ("P-OBAMA", key) in audited(stack, "consent.withdrawn")
    assert ("P-OBAMA", key) in audited(stack, "biometrics.destroyed")


def test_privacy_page_is_public_and_written_from_the_settings(consenting):
    page = httpx.get(consenting.url + "/privacy", timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "dpo@example.com" in page.text and "400 days" in page.text
    assert "exempt" not in page.text
    published = call(
        consenting, "POST", "/api/v1/consent/notice", json={"text": "Our words & ours."}
    )
    assert published.status_code == 201
    assert "Our words &amp; ours." in httpx.get(consenting.url + "/privacy", timeout=30).text


def retention_runs(log: Path) -> int:
    return sum('"message": "retention: ' in line for line in log.read_text().splitlines())


def audited(stack: Stack, action: str) -> list[tuple[str, str]]:
    """(subject, actor) of every entry of this action in the audit log, in order."""
    engine = make_engine(stack.env["DATABASE_URL"], pool_size=1)
    try:
        with engine.begin() as db:
            rows = db.execute(
                text("SELECT subject_id, actor_name FROM audit_log WHERE action = :a ORDER BY seq"),
                {"a": action},
            ).all()
    finally:
        engine.dispose()
    return [(r.subject_id, r.actor_name) for r in rows]


def test_two_replicas_running_the_job_at_once_destroy_once(consenting, photos, session_dir):
    stack = consenting
    version = httpx.get(stack.url + "/privacy.json", timeout=30).json()["notice"]["version"]
    paper = {"consent_method": "paper", "consent_version": str(version), "consent_reference": "F-9"}
    enrolled = call(
        stack,
        "POST",
        "/api/v1/employees/insert",
        data={"employee_id": "P-LEFT", "employee_name": "Joe Biden", **paper},
        files={"image": ("biden.jpg", photos["biden.jpg"])},
    )
    assert enrolled.status_code == 201, enrolled.text
    left = call(stack, "PATCH", "/api/v1/employees/P-LEFT", json={"status": "left"})
    assert left.status_code == 200 and left.json()["status"] == "left"
    dry = run_cli("retention", "--dry-run", env=stack.env)
    assert dry.returncode == 0, dry.stderr
    due = [line for line in dry.stdout.splitlines() if line.startswith("would destroy")]
    assert due == [
        f"would destroy biometric data of P-LEFT (Joe Biden): left on {datetime.now(UTC).date()}"
    ]
    assert traces(stack, "P-LEFT")["faces"] == 1  # the dry run destroyed nothing
    # Two more replicas on the same database; each runs the job as it starts.
    logs = [session_dir / f"privacy-replica-{n}-{free_port()}.log" for n in range(2)]
    replicas = [start_backend(free_port(), stack.env, log) for log in logs]
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not all(
            log.exists() and retention_runs(log) for log in logs
        ):
            time.sleep(0.3)
        assert all(retention_runs(log) for log in logs), "a replica never ran the job"
    finally:
        for replica in replicas:
            replica.stop()
    assert traces(stack, "P-LEFT")["faces"] == 0 and traces(stack, "P-LEFT")["photos"] == 0
    destroyed = [entry for entry in audited(stack, "biometrics.destroyed") if entry[0] == "P-LEFT"]
    assert destroyed == [("P-LEFT", "facegate")]  # once, by the job (the system actor)
    assert call(stack, "GET", "/api/v1/employees/P-LEFT").status_code == 200  # the person stays
