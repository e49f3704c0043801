"""Check-in evidence on fakes: snapshots with check-ins, their sweep, erasure, disputes."""

import contextlib
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend.bootstrap.services import snapshot_writer
from backend.domain.errors import DatabaseUnavailable, StorageUnavailable
from backend.domain.evidence import SnapshotPolicy
from backend.domain.sweep import SnapshotSweep
from tests.unit.fake_background import FakePhotos, FakeSweptSnapshots
from tests.unit.fakes import face
from tests.unit.world import FakeWorld

PHOTO = b"\xff\xd8alice"
STRANGER = b"\xff\xd8bob"


@contextlib.contextmanager
def running(tmp_path, policy: SnapshotPolicy = SnapshotPolicy()):
    world = FakeWorld()
    world.embedder.faces[PHOTO] = [face((1.0, 0.0, 0.0))]
    world.embedder.faces[STRANGER] = [face((0.0, 1.0, 0.0))]
    settings = {
        "checkin_snapshot_days": policy.keep_days,
        "checkin_snapshot_unknown": policy.keep_unknown,
    }
    with world.api(tmp_path, **settings) as (client, kiosk):
        enrolled = client.post(
            "/api/v1/employees/insert",
            data={"employee_id": "E1", "employee_name": "Alice"},
            files={"image": ("a.jpg", PHOTO, "image/jpeg")},
        )
        assert enrolled.status_code == 201
        yield client, world, kiosk


def search(client, kiosk, image=PHOTO):
    return client.post(
        "/api/v1/employees/search",
        headers={"X-API-Key": kiosk},
        files={"image": ("f.jpg", image, "image/jpeg")},
    ).json()


def snapshots(world) -> dict[str, bytes]:
    return {k: v for k, v in world.images.objects.items() if k.startswith("checkins/")}


def test_a_matched_checkin_keeps_its_snapshot_and_hr_sees_it_beside_the_enrolled_photo(tmp_path):
    with running(tmp_path) as (client, world, kiosk):
        answer = search(client, kiosk)
        assert answer["matched"] is True
        assert "snapshot" not in str(answer)  # kiosks never get a link
        (key, data), *others = snapshots(world).items()
        assert not others and key.startswith("checkins/employees/E1/")
        assert data == b"\xff\xd8crop:" + PHOTO
        item = client.get("/api/v1/checkins").json()["items"][0]
        assert item["snapshot_path"] == f"/api/v1/checkins/{item['checkin_id']}/snapshot"
        assert item["face_photo_path"].startswith("/api/v1/employees/E1/faces/")
        shown = client.get(item["snapshot_path"])
        assert shown.status_code == 200 and shown.content == data
        assert shown.headers["content-type"] == "image/jpeg"
        assert client.get(item["face_photo_path"]).content == PHOTO


def test_a_kiosk_key_never_reaches_a_snapshot_or_a_dispute(tmp_path):
    with running(tmp_path) as (client, _, kiosk):
        checkin_id = search(client, kiosk)["checkin_id"]
        as_kiosk = {"X-API-Key": kiosk}
        got = client.get(f"/api/v1/checkins/{checkin_id}/snapshot", headers=as_kiosk)
        assert got.status_code == 403 and got.json()["error"]["code"] == "forbidden"
        patched = client.patch(
            f"/api/v1/checkins/{checkin_id}",
            json={"disputed": True, "reason": "x"},
            headers=as_kiosk,
        )
        assert patched.status_code == 403
        anonymous = client.get(f"/api/v1/checkins/{checkin_id}/snapshot", headers={"X-API-Key": ""})
        assert anonymous.status_code == 401


def test_a_repeat_keeps_no_second_snapshot(tmp_path):
    with running(tmp_path) as (client, world, kiosk):
        first = search(client, kiosk)
        again = search(client, kiosk)
        assert again["repeat"] is True and again["checkin_id"] == first["checkin_id"]
        assert len(snapshots(world)) == 1


def test_a_failed_insert_takes_its_snapshot_away(tmp_path):
    with running(tmp_path) as (client, world, kiosk):
        world.checkins.error = DatabaseUnavailable("down")
        answer = client.post(
            "/api/v1/employees/search",
            headers={"X-API-Key": kiosk},
            files={"image": ("f.jpg", PHOTO, "image/jpeg")},
        )
        assert answer.status_code == 503
        assert snapshots(world) == {}
        assert world.checkins.rows == []


def checked_in_with_moves_deferred() -> tuple[FakeWorld, list[Callable[[], None]], Any]:
    """A world whose snapshot moves wait in `moves` (run them to move), after one check-in."""
    world = FakeWorld()
    world.embedder.faces[PHOTO] = [face((1.0, 0.0, 0.0))]
    moves: list[Callable[[], None]] = []

    def later(call: Callable[[], None]) -> "Future[None]":
        moves.append(call)
        return Future()

    world.beside = later
    services = world.services()
    services.enrollment.enroll("E1", "Alice", PHOTO)
    return world, moves, services


def test_the_answer_does_not_wait_for_the_store_and_the_snapshot_commits_in_its_row():
    """The row commits (its event published) with the crop held in it; the snapshot moves
    to the store after the answer, and HR can see it in between, from the row."""
    world, moves, services = checked_in_with_moves_deferred()
    before = len(world.published)
    outcome = services.checkin.check_in(PHOTO, "door")
    assert outcome.matched and not outcome.repeat and len(world.published) == before + 1
    checkin_id = outcome.checkin.checkin_id
    assert snapshots(world) == {} and list(world.checkins.held) == [checkin_id]
    shown = services.evidence.snapshot(checkin_id)  # still held: read from the row
    assert b"".join(shown.chunks) == world.checkins.held[checkin_id]
    (move,) = moves
    move()
    (key,) = snapshots(world)
    assert world.checkins.rows[-1].snapshot_key == key and world.checkins.held == {}
    assert b"".join(services.evidence.snapshot(checkin_id).chunks) == snapshots(world)[key]


def test_a_store_that_is_down_fails_no_check_in_and_the_upload_job_stores_it_later():
    world, moves, services = checked_in_with_moves_deferred()
    store = world.images.put
    world.images.put = lambda key, data, content_type: (_ for _ in ()).throw(  # type: ignore[method-assign]
        StorageUnavailable("the store is down")
    )
    outcome = services.checkin.check_in(PHOTO, "door")
    assert outcome.matched
    (move,) = moves
    with pytest.raises(StorageUnavailable):
        move()
    assert list(world.checkins.held) == [outcome.checkin.checkin_id] and snapshots(world) == {}
    world.images.put = store  # type: ignore[method-assign]
    writer = snapshot_writer(world.adapters())
    assert writer.store_held() == 1 and writer.store_held() == 0
    (key,) = snapshots(world)
    assert world.checkins.rows[-1].snapshot_key == key and world.checkins.held == {}


def test_a_person_erased_before_their_snapshot_was_stored_leaves_no_object(tmp_path):
    world, moves, services = checked_in_with_moves_deferred()
    services.checkin.check_in(PHOTO, "door")
    services.admin.erase("E1")
    assert world.checkins.held == {}  # the row went, and what it held with it
    (move,) = moves
    move()  # the store gets it, then finds no row naming it: taken away again
    assert snapshots(world) == {} and world.checkins.held == {}


def test_strangers_keep_no_snapshot_unless_asked(tmp_path):
    with running(tmp_path) as (client, world, kiosk):
        assert search(client, kiosk, STRANGER)["matched"] is False
        assert snapshots(world) == {} and world.checkins.rows == []
    with running(tmp_path, SnapshotPolicy(keep_unknown=True)) as (client, world, kiosk):
        assert search(client, kiosk, STRANGER)["matched"] is False
        (key,) = snapshots(world)
        assert key.startswith("checkins/unknown/")
        (row,) = world.checkins.rows
        assert row.matched is False and row.snapshot_key == key


def test_zero_days_keeps_no_snapshot(tmp_path):
    with running(tmp_path, SnapshotPolicy(keep_days=0, keep_unknown=True)) as (
        client,
        world,
        kiosk,
    ):
        assert search(client, kiosk)["matched"] is True
        assert search(client, kiosk, STRANGER)["matched"] is False
        assert snapshots(world) == {}
        item = client.get("/api/v1/checkins").json()["items"][0]
        assert item["snapshot_path"] is None
        missing = client.get(f"/api/v1/checkins/{item['checkin_id']}/snapshot")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "snapshot_not_found"


def test_erasing_an_employee_erases_their_snapshots(tmp_path):
    with running(tmp_path) as (client, world, kiosk):
        search(client, kiosk)
        assert snapshots(world)
        assert client.delete("/api/v1/employees/E1").status_code == 204
        assert snapshots(world) == {}


def test_hr_disputes_a_checkin_with_a_reason_recorded_with_who_and_when(tmp_path):
    with running(tmp_path) as (client, _, kiosk):
        checkin_id = search(client, kiosk)["checkin_id"]
        no_reason = client.patch(f"/api/v1/checkins/{checkin_id}", json={"disputed": True})
        assert no_reason.status_code == 422
        assert no_reason.json()["error"]["code"] == "validation_error"
        marked = client.patch(
            f"/api/v1/checkins/{checkin_id}",
            json={"disputed": True, "reason": "Alice was on leave; photo of a photo"},
        )
        assert marked.status_code == 200
        body = marked.json()
        assert body["disputed"] is True and body["disputed_by"] == "hr"
        assert body["dispute_reason"] == "Alice was on leave; photo of a photo"
        assert datetime.fromisoformat(body["disputed_at"]) > datetime.now(UTC) - timedelta(
            minutes=1
        )
        listed = client.get("/api/v1/checkins").json()["items"][0]
        assert listed["disputed"] is True
        csv_text = client.get("/api/v1/checkins?format=csv").text
        header, line = csv_text.splitlines()
        assert header.endswith(",disputed,dispute_reason,method")
        assert line.endswith(",true,Alice was on leave; photo of a photo,face")
        assert "crop" not in csv_text and "snapshot" not in csv_text  # never an image
        cleared = client.patch(f"/api/v1/checkins/{checkin_id}", json={"disputed": False})
        assert cleared.json()["disputed"] is False and cleared.json()["disputed_by"] is None
        gone = client.patch("/api/v1/checkins/999", json={"disputed": True, "reason": "x"})
        assert gone.status_code == 404 and gone.json()["error"]["code"] == "checkin_not_found"


NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("busy", [False, True])
def test_the_sweep_removes_expired_and_orphaned_snapshots_once(busy):
    young, old = NOW - timedelta(days=1), NOW - timedelta(days=31)
    rows = {"checkins/employees/E1/young.jpg": young, "checkins/employees/E1/old.jpg": old}
    objects = {
        **rows,
        "checkins/employees/E1/orphan.jpg": NOW - timedelta(hours=1),  # a crash left it
        "checkins/employees/E1/in-flight.jpg": NOW - timedelta(seconds=5),  # row coming
        "employees/E1/face.jpg": old,  # not the snapshot sweep's business
    }
    sweep = SnapshotSweep(
        checkins=FakeSweptSnapshots(dict(rows), busy=busy),
        photos=(listing := FakePhotos(dict(objects))),
        keep=timedelta(days=30),
        grace=timedelta(minutes=15),
        now=lambda: NOW,
    )
    if busy:  # another replica holds the lock: nothing happens here
        assert sweep.run() is None
        assert listing.stored == objects
        return
    assert sweep.run() == 2
    assert set(listing.stored) == {
        "checkins/employees/E1/young.jpg",
        "checkins/employees/E1/in-flight.jpg",
        "employees/E1/face.jpg",
    }


def test_a_short_retention_sweeps_what_a_checkin_just_stored(tmp_path):
    with running(tmp_path) as (client, world, kiosk):
        search(client, kiosk)
        (key,) = snapshots(world)
        swept = FakeSweptSnapshots({r.snapshot_key: r.created_at for r in world.checkins.rows})
        listing = FakePhotos({key: datetime.now(UTC)})
        sweep = SnapshotSweep(
            checkins=swept,
            photos=listing,
            keep=timedelta(seconds=1),
            grace=timedelta(minutes=15),
            now=lambda: datetime.now(UTC) + timedelta(seconds=2),
        )
        assert sweep.run() == 1
        assert listing.stored == {} and swept.rows == {}
