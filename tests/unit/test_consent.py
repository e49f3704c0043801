"""Consent before capture on fakes: the gate, the notice's versions, signatures, and
withdrawal destroying the person's biometric data at once."""

import contextlib

from tests.unit.fakes import face
from tests.unit.world import FakeWorld

PHOTO = b"\xff\xd8alice"


@contextlib.contextmanager
def running(tmp_path, **settings):
    world = FakeWorld()
    world.embedder.faces[PHOTO] = [face((1.0, 0.0, 0.0))]
    with world.api(tmp_path, **{"consent_required": True, **settings}) as (client, kiosk):
        yield client, world, kiosk


def enroll(client, **consent):
    return client.post(
        "/api/v1/employees/insert",
        data={"employee_id": "E1", "employee_name": "Alice Smith", **consent},
        files={"image": ("a.jpg", PHOTO, "image/jpeg")},
    )


def sign(client, version, decision="given", **extra):
    body = {"decision": decision, "method": "signature", "signature": "alice  SMITH"}
    body.update({"notice_version": version, "employee_name": "Alice Smith", **extra})
    return client.post("/api/v1/employees/E1/consent", json=body)


def test_no_face_is_stored_without_consent(tmp_path):
    with running(tmp_path) as (client, world, _):
        refused = enroll(client)
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "consent_required"
        assert refused.json()["error"]["details"]["notice_version"] == 1
        assert world.faces.faces == {} and world.images.objects == {}


def test_a_signature_then_enrollment_works_and_names_who_recorded_it(tmp_path):
    with running(tmp_path) as (client, world, _):
        version = client.get("/privacy.json").json()["notice"]["version"]
        recorded = sign(client, version)
        assert recorded.status_code == 201, recorded.text
        assert recorded.json()["recorded_by"] == "hr"
        assert recorded.json()["signature"] == "alice SMITH"
        assert enroll(client).status_code == 201
        assert len(world.faces.faces) == 1


def test_a_signature_must_be_the_persons_name(tmp_path):
    with running(tmp_path) as (client, _, _):
        wrong = sign(client, 1, signature="Bob")
        assert wrong.status_code == 422
        assert "signature" in wrong.json()["error"]["details"]["fields"]


def test_consent_recorded_with_the_photo(tmp_path):
    with running(tmp_path) as (client, world, _):
        paper = {"consent_method": "paper", "consent_version": "1"}
        missing = enroll(client, **paper)
        assert missing.status_code == 422  # a paper consent names its form
        enrolled = enroll(client, **paper, consent_reference="HR-2026-17")
        assert enrolled.status_code == 201, enrolled.text
        world.embedder.faces[b"\xff\xd8second"] = [face((0.9, 0.1, 0.0))]
        second = client.post(
            "/api/v1/employees/insert",
            data={"employee_id": "E1", "employee_name": "Alice Smith", **paper},
            files={"image": ("b.jpg", b"\xff\xd8second", "image/jpeg")},
        )
        assert second.status_code == 422  # the second photo names the form too
        second = client.post(
            "/api/v1/employees/insert",
            data={
                "employee_id": "E1",
                "employee_name": "Alice Smith",
                **paper,
                "consent_reference": "HR-2026-17",
            },
            files={"image": ("b.jpg", b"\xff\xd8second", "image/jpeg")},
        )
        assert second.status_code == 201, second.text
        history = client.get("/api/v1/employees/E1/consent").json()["items"]
        assert [(h["decision"], h["method"], h["reference"]) for h in history] == [
            ("given", "paper", "HR-2026-17")
        ]  # the same consent with the second photo is not recorded again


def test_a_consent_to_an_outdated_notice_is_refused(tmp_path):
    with running(tmp_path) as (client, _, _):
        default = client.get("/privacy.json").json()["notice"]
        assert default["version"] == 1 and "Purpose" in default["text"]
        published = client.post("/api/v1/consent/notice", json={"text": "Our own words."})
        assert published.status_code == 201 and published.json()["version"] == 2
        outdated = sign(client, 1)
        assert outdated.status_code == 409
        assert outdated.json()["error"]["details"]["current_version"] == 2
        assert sign(client, 2).status_code == 201


def test_withdrawal_destroys_faces_photos_and_snapshots_and_switches_to_none(tmp_path):
    with running(tmp_path, checkin_snapshot_days=30) as (client, world, kiosk):
        assert sign(client, 1).status_code == 201
        assert enroll(client).status_code == 201
        seen = client.post(
            "/api/v1/employees/search",
            headers={"X-API-Key": kiosk},
            files={"image": ("f.jpg", PHOTO, "image/jpeg")},
        )
        assert seen.json()["matched"] is True
        assert any(k.startswith("checkins/") for k in world.images.objects)
        withdrawn = sign(client, None, decision="withdrawn", method="paper", reference="letter 3")
        assert withdrawn.status_code == 201, withdrawn.text
        assert withdrawn.json()["faces_destroyed"] == 1
        assert withdrawn.json()["snapshots_destroyed"] == 1
        assert world.faces.faces == {} and world.images.objects == {}
        assert [r.snapshot_key for r in world.checkins.rows] == [None]  # attendance stays
        assert client.get("/api/v1/employees/E1").json()["biometrics"] == "none"
        decisions = [
            h["decision"] for h in client.get("/api/v1/employees/E1/consent").json()["items"]
        ]
        assert decisions == ["given", "withdrawn"]
        assert enroll(client).json()["error"]["code"] == "consent_required"
        about = [(e.action, e.actor.name) for e in world.audit.about("employee", "E1")]
        assert about == [
            ("consent.given", "hr"),
            ("face.added", "hr"),  # the person existed: their consent created them
            ("consent.withdrawn", "hr"),
            ("biometrics.destroyed", "hr"),
        ]


def test_the_exemption_lets_faces_in_and_is_published(tmp_path):
    with running(tmp_path, consent_required=False) as (client, _, _):
        assert enroll(client).status_code == 201
        assert client.get("/privacy.json").json()["consent_required"] is False


def test_a_consent_after_a_refusal_brings_the_face_back_and_drops_the_pin(tmp_path):
    with running(tmp_path) as (client, _, _):
        declined = sign(client, None, decision="declined")
        assert declined.status_code == 201, declined.text
        assert client.get("/api/v1/employees/E1").json()["biometrics"] == "none"
        assert client.put("/api/v1/employees/E1/pin", json={"pin": "482913"}).status_code < 300
        assert client.get("/api/v1/employees/E1/pin").json()["has_pin"] is True
        assert sign(client, 1).status_code == 201
        assert client.get("/api/v1/employees/E1").json()["biometrics"] == "face"
        assert client.get("/api/v1/employees/E1/pin").json()["has_pin"] is False
        assert enroll(client).status_code == 201
