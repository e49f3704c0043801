"""The audit log on fakes: what the use cases record and who, the routes HR's page uses,
and the chain's verdict when an entry is edited or removed."""

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backend.domain import audit as audit_actions
from backend.domain.audit import Actor, Anchor, AuditFilter
from backend.domain.audit_log import AuditLog, verify_chain
from tests.unit.fake_audit import FakeAuditLog
from tests.unit.fakes import face
from tests.unit.world import FakeWorld

PHOTO = b"\xff\xd8alice"
HR = Actor("api_key", "hr", "hr")


@pytest.fixture
def api(tmp_path):
    world = FakeWorld()
    world.embedder.faces[PHOTO] = [face((1.0, 0.0, 0.0))]
    with world.api(tmp_path) as (client, kiosk):
        yield client, world


def enroll(client):
    data = {"employee_id": "E1", "employee_name": "Alice"}
    answer = client.post(
        "/api/v1/employees/insert", data=data, files={"image": ("a.jpg", PHOTO, "image/jpeg")}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["face_id"]


def test_changes_and_reads_of_biometric_data_are_recorded_with_their_actor(api):
    client, world = api
    face_id = enroll(client)
    assert client.get(f"/api/v1/employees/E1/faces/{face_id}/photo").status_code == 200
    assert client.patch("/api/v1/employees/E1", json={"department": "Sales"}).status_code == 200
    client.post("/api/v1/keys", json={"name": "lobby", "role": "kiosk"})
    client.delete("/api/v1/keys/lobby")
    hook = client.post(
        "/api/v1/webhooks", json={"url": "https://x.example/h", "events": ["checkin.matched"]}
    )
    client.delete(f"/api/v1/webhooks/{hook.json()['webhook_id']}")
    client.patch("/api/v1/gallery", json={"match_threshold": 0.2})
    assert client.delete(f"/api/v1/employees/E1/faces/{face_id}").status_code == 204
    assert client.delete("/api/v1/employees/E1").status_code == 204
    hr_did = [e.action for e in world.audit.entries if e.actor.name == "hr"]
    assert hr_did == [
        "employee.enrolled",
        "photo.viewed",
        "employee.changed",
        "key.created",
        "key.revoked",
        "webhook.created",
        "webhook.deleted",
        "gallery.recalibrated",
        "face.removed",
        "employee.erased",
    ]
    viewed = next(e for e in world.audit.entries if e.action == "photo.viewed")
    assert (viewed.actor.kind, viewed.subject_kind, viewed.subject_id) == (
        "api_key",
        "employee",
        "E1",
    )
    assert viewed.details == {"face_id": face_id}
    changed = next(e for e in world.audit.entries if e.action == "employee.changed")
    assert changed.details == {"fields": ["department"]}  # not the values
    assert verify_chain(None, world.audit.entries, world.audit.head()).intact


def test_an_entry_is_written_with_its_change_or_not_at_all(api):
    """Enrollment and erasure note their entries in the unit of work: a refused enrollment
    (the photo is already enrolled) writes none; a second photo is a face added."""
    client, world = api
    enroll(client)
    before = len(world.audit.entries)
    again = client.post(
        "/api/v1/employees/insert",
        data={"employee_id": "E1", "employee_name": "Alice"},
        files={"image": ("a.jpg", PHOTO, "image/jpeg")},
    )
    assert again.status_code == 409
    assert len(world.audit.entries) == before
    world.embedder.faces[PHOTO + b"2"] = [face((1.0, 0.01, 0.0))]
    second = client.post(
        "/api/v1/employees/insert",
        data={"employee_id": "E1", "employee_name": "Alice"},
        files={"image": ("b.jpg", PHOTO + b"2", "image/jpeg")},
    )
    assert second.status_code == 201, second.text
    assert world.audit.actions()[-1] == "face.added"
    assert world.units[-1].audit is world.audit


def test_the_log_is_listed_filtered_and_exported_as_csv_which_is_itself_audited(api):
    client, world = api
    face_id = enroll(client)
    client.get(f"/api/v1/employees/E1/faces/{face_id}/photo")
    page = client.get("/api/v1/audit", params={"action": "photo."}).json()
    assert page["total"] == 1 and page["items"][0]["subject_id"] == "E1"
    assert page["items"][0]["actor"] == {"kind": "api_key", "id": "hr", "name": "hr"}
    assert client.get("/api/v1/audit", params={"actor": "nobody"}).json()["total"] == 0
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert client.get("/api/v1/audit", params={"from": tomorrow}).json()["total"] == 0
    assert client.get("/api/v1/audit", params={"from": "yesterday"}).status_code == 422
    exported = client.get("/api/v1/audit", params={"format": "csv", "subject": "E1"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["action"] for r in rows] == ["employee.enrolled", "photo.viewed"]
    assert world.audit.entries[-1].action == "audit.exported"
    assert world.audit.entries[-1].details == {"subject": "E1"}


def test_verify_names_an_edited_and_a_removed_entry(api):
    client, world = api
    enroll(client)
    for name in ("a", "b", "c"):
        client.post("/api/v1/keys", json={"name": name, "role": "kiosk"})
    assert client.get("/api/v1/audit/verify").json() == {
        "intact": True,
        "entries": 6,  # the two keys the test's world made, one face, three keys
        "problems": [],
    }
    entries = world.audit.entries
    entries[1] = replace(entries[1], subject_id="someone-else")
    del entries[5]
    verdict = client.get("/api/v1/audit/verify").json()
    assert verdict["intact"] is False
    assert verdict["problems"] == [
        "row 2: its content does not match its hash (edited)",
        "row 6: rows 6..6 at the end are missing (deleted)",
    ]


def test_audit_routes_are_admin_only(tmp_path):
    with FakeWorld().api(tmp_path) as (client, kiosk):
        for path in ("/api/v1/audit", "/api/v1/audit/verify", "/api/v1/audit?format=csv"):
            answer = client.get(path, headers={"X-API-Key": kiosk})
            assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"


def test_pruning_keeps_the_chain_verifiable_and_is_recorded():
    store = FakeAuditLog()
    log = AuditLog(archive=store, trail=store, retention_days=30)
    store.now = lambda: datetime.now(UTC) - timedelta(days=40)
    for n in range(3):
        store.record(HR, "face.added", "employee", f"E{n}")
    store.now = lambda: datetime.now(UTC)
    for n in range(3, 5):
        store.record(HR, "face.added", "employee", f"E{n}")
    assert log.prune(datetime.now(UTC)) == 3
    assert store.actions()[-1] == "audit.pruned"
    assert store.anchor() == Anchor(3, store.entries[0].prev_hash)
    assert log.verify().intact and log.verify().entries == 3
    assert AuditLog(archive=store, trail=store, retention_days=0).prune(datetime.now(UTC)) == 0


def test_an_export_records_only_the_filters_that_were_set():
    store = FakeAuditLog()
    AuditLog(archive=store, trail=store, retention_days=0).export(HR, AuditFilter(actor="hr"))
    assert store.entries[0].action == "audit.exported"
    assert store.entries[0].details == {"actor": "hr"}


def test_the_privacy_guide_lists_every_audited_action():
    """docs/privacy.md's table is what an auditor reads: no action the code writes is
    missing from it."""
    guide = (Path(__file__).resolve().parents[2] / "docs" / "privacy.md").read_text()
    actions = {
        value
        for name, value in vars(audit_actions).items()
        if name.isupper() and isinstance(value, str) and "." in value
    }
    assert len(actions) > 30
    assert sorted(a for a in actions if f"`{a}`" not in guide) == []
