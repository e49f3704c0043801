"""The retention job, the access export and /privacy on fakes."""

import io
import json
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from backend.domain.privacy import RetentionDue
from tests.unit.fakes import face
from tests.unit.world import FakeWorld

PHOTO = b"\xff\xd8alice"


def enrolled_world(tmp_path, **settings):
    world = FakeWorld()
    world.embedder.faces[PHOTO] = [face((1.0, 0.0, 0.0))]
    return world, world.api(tmp_path, **settings)


def enroll_and_check_in(client, kiosk):
    enrolled = client.post(
        "/api/v1/employees/insert",
        data={"employee_id": "E1", "employee_name": "Alice"},
        files={"image": ("a.jpg", PHOTO, "image/jpeg")},
    )
    assert enrolled.status_code == 201
    seen = client.post(
        "/api/v1/employees/search",
        headers={"X-API-Key": kiosk},
        files={"image": ("f.jpg", PHOTO, "image/jpeg")},
    )
    assert seen.json()["matched"] is True


def test_the_job_destroys_who_is_due_once_and_audits_each(tmp_path):
    world, api = enrolled_world(tmp_path, retention_after_leaving_days=7)
    with api as (client, kiosk):
        enroll_and_check_in(client, kiosk)
        job = client.app.state.services.retention
        world.retention.due_people = [RetentionDue("E1", "Alice", "left", date(2026, 1, 2))]
        dry = job.run(dry_run=True)
        assert [p.employee_id for p in dry.due] == ["E1"] and dry.destroyed == []
        assert len(world.faces.faces) == 1  # a dry run destroys nothing
        report = job.run()
        assert [d.employee_id for d in report.destroyed] == ["E1"]
        assert world.faces.faces == {} and world.images.objects == {}
        assert len(world.checkins.rows) == 1 and world.checkins.rows[0].snapshot_key is None
        assert job.run().destroyed == []  # nothing left: no second entry
        destroyed = [e for e in world.audit.entries if e.action == "biometrics.destroyed"]
        assert [e.details["reason"] for e in destroyed] == ["retention.left"]
        left_cutoff, _ = world.retention.asked[0]
        assert left_cutoff == datetime.now(UTC).date() - timedelta(days=7)


def test_a_replica_that_does_not_hold_the_lock_does_nothing(tmp_path):
    world, api = enrolled_world(tmp_path)
    with api as (client, kiosk):
        enroll_and_check_in(client, kiosk)
        world.retention.held = True
        world.retention.due_people = [RetentionDue("E1", "Alice", "inactive", datetime.now(UTC))]
        assert client.app.state.services.retention.run() is None
        assert len(world.faces.faces) == 1


def test_attendance_past_its_period_is_deleted(tmp_path):
    world, api = enrolled_world(tmp_path, retention_attendance_days=30)
    with api as (client, kiosk):
        enroll_and_check_in(client, kiosk)
        old = datetime.now(UTC) - timedelta(days=31)
        world.checkins.rows[0] = replace(world.checkins.rows[0], created_at=old)
        report = client.app.state.services.retention.run()
        assert report.attendance_deleted == 1 and world.checkins.rows == []


def test_the_export_holds_record_consents_checkins_photos_and_snapshots(tmp_path):
    world, api = enrolled_world(tmp_path)
    with api as (client, kiosk):
        enroll_and_check_in(client, kiosk)
        answer = client.get("/api/v1/employees/E1/export")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(answer.content))
        names = archive.namelist()
        person = json.loads(archive.read("person.json"))
        assert person["employee"]["employee_id"] == "E1"
        assert [c["matched"] for c in person["checkins"]] == [True]
        assert any(n.startswith("photos/") for n in names)
        assert archive.read(person["checkins"][0]["snapshot"]).startswith(b"\xff\xd8")
        assert [e.action for e in world.audit.entries][-1] == "employee.exported"
        assert client.get("/api/v1/employees/E9/export").status_code == 404


def test_privacy_page_is_public_and_written_from_the_settings(tmp_path):
    (tmp_path / "style.css").write_text("")
    world, api = enrolled_world(
        tmp_path, retention_inactive_days=400, privacy_contact="dpo@example.com"
    )
    with api as (client, _):
        page = client.get("/privacy", headers={"X-API-Key": ""})
        assert page.status_code == 200
        assert "400 days" in page.text and "dpo@example.com" in page.text
        assert "exempt" in page.text  # the unit world runs with CONSENT_REQUIRED=false
