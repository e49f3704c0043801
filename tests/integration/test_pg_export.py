"""The access export on the real PostgreSQL and S3 server: 10,000 check-ins stream from a
server-side cursor in batches into a ZIP that Python's zipfile opens."""

import io
import json
import zipfile
from datetime import UTC, datetime

from sqlalchemy import text

from backend.domain.access_export import AccessExport
from backend.domain.audit import Actor
from backend.domain.model import CheckinFilter, Dispute
from backend.handler.zipstream import zipped
from backend.infrastructure.pg_checkins import PgCheckinLog
from backend.infrastructure.pg_consent import PgConsentRecords
from backend.infrastructure.pg_employees import PgEmployees
from backend.infrastructure.pg_held_snapshots import PgHeldSnapshots
from backend.infrastructure.sealed_store import SealedImageStore
from backend.infrastructure.sealing import Keyring
from tests.integration.conftest import bound_repository
from tests.integration.privacy_world import JPEG, RecordingAudit, add_person

MANY = 10_000


def many_checkins(engine, employee_id: str) -> None:
    with engine.begin() as db:
        db.execute(
            text(
                "INSERT INTO checkin (employee_id, matched, distance, api_key_name, created_at) "
                "SELECT :e, true, 0.1, 'door', now() - make_interval(mins => n) "
                "FROM generate_series(1, :n) n"
            ),
            {"e": employee_id, "n": MANY},
        )


def statements_of_others(engine) -> list[str]:
    """What the other sessions on this database last ran."""
    with engine.begin() as db:
        return list(
            db.execute(
                text(
                    "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
            ).scalars()
        )


def test_checkins_stream_from_a_server_side_cursor_in_batches(engine, store):
    add_person(bound_repository(engine), engine, store, "E1", 0)
    many_checkins(engine, "E1")
    rows = PgCheckinLog(engine).stream(CheckinFilter(employee_id="E1"))
    # SQLAlchemy reads one row first (the cursor's description), then batches.
    first, second = next(rows), next(rows)
    assert first.checkin.employee_id == second.checkin.employee_id == "E1"
    # Two rows read: the streaming session fetches batches from a cursor, not the lot.
    fetches = [q for q in statements_of_others(engine) if q.upper().startswith("FETCH")]
    assert len(fetches) == 1 and "FORWARD 1000 " in fetches[0], statements_of_others(engine)
    assert 2 + sum(1 for _ in rows) == MANY + 1


def test_the_export_zip_holds_the_record_every_checkin_photos_and_snapshots(engine, store):
    add_person(bound_repository(engine), engine, store, "E1", 0)
    many_checkins(engine, "E1")
    with engine.begin() as db:
        disputed = db.execute(text("SELECT min(id) FROM checkin")).scalar_one()
    when = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    PgCheckinLog(engine).set_dispute(disputed, Dispute("on leave", "hr", when))
    audit = RecordingAudit(engine)
    export = AccessExport(
        people=PgEmployees(engine),
        consents=PgConsentRecords(engine),
        checkins=PgCheckinLog(engine),
        images=store,
        held=PgHeldSnapshots(engine, SealedImageStore(store, Keyring())),
        audit=audit,
        archive=audit,
    )
    out = io.BytesIO()
    for chunk in zipped(export.export("E1", Actor("api_key", "hr", "hr"))):
        out.write(chunk)
    archive = zipfile.ZipFile(out)
    assert archive.testzip() is None
    names = archive.namelist()
    person = json.loads(archive.read("person.json"))
    assert person["employee"]["employee_id"] == "E1"
    assert len(person["checkins"]) == MANY + 1
    assert person["disputes"] == [
        {
            "checkin_id": disputed,
            "reason": "on leave",
            "disputed_by": "hr",
            "disputed_at": when.isoformat(),
        }
    ]
    assert [f["photo"] for f in person["faces"]] == ["photos/e1face.jpg"]
    assert archive.read("photos/e1face.jpg") == JPEG
    snapshots = [c["snapshot"] for c in person["checkins"] if c["snapshot"]]
    assert len(snapshots) == 1 and archive.read(snapshots[0]) == JPEG
    assert sorted(names) == sorted(["person.json", "photos/e1face.jpg", snapshots[0]])
    assert [e.action for e in audit.entries()] == ["employee.exported"]
    assert [e["action"] for e in person["audit"]] == ["employee.exported"]  # itself, too
