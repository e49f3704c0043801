"""Check-in snapshots held in their rows until the object store has them, on the real
PostgreSQL and S3 server: sealed in the row as in the store, moved once, read from the row
meanwhile, and never stored after an erasure of the row."""

import os
import threading

from sqlalchemy import text

from backend.domain.evidence import SNAPSHOT_TYPE
from backend.infrastructure.pg_held_snapshots import PgHeldSnapshots
from backend.infrastructure.pg_unit_of_work import PgUnitOfWork
from backend.infrastructure.pg_writes import PgFaceWrites
from backend.infrastructure.sealed_store import SealedImageStore
from backend.infrastructure.sealing import Keyring, is_sealed

KEY = "checkins/employees/E1/20261203T100000-a"


def sealing(store) -> SealedImageStore:
    return SealedImageStore(store, Keyring({"k1": os.urandom(32)}, "k1"))


def check_in(engine, images: SealedImageStore, jpeg: bytes, key: str = KEY) -> int:
    with engine.begin() as db:
        db.execute(
            text("INSERT INTO employee (id, name) VALUES ('E1', 'Ada') ON CONFLICT DO NOTHING")
        )
    with PgUnitOfWork(engine, ef_search=100, seal=images.sealed) as uow:
        checkin = uow.checkins.add("E1", True, 0.2, "door", snapshot_key=key, snapshot_jpeg=jpeg)
        uow.commit()
    return checkin.checkin_id


def held_bytes(engine, checkin_id: int) -> bytes | None:
    with engine.begin() as db:
        held = db.execute(
            text("SELECT snapshot_held FROM checkin WHERE id = :i"), {"i": checkin_id}
        ).scalar_one()
    return None if held is None else bytes(held)


def test_a_held_snapshot_is_sealed_in_its_row_read_from_it_and_moved_once(engine, store, photos):
    jpeg = photos["obama.jpg"]
    images = sealing(store)
    held = PgHeldSnapshots(engine, images)
    checkin_id = check_in(engine, images, jpeg)
    in_row = held_bytes(engine, checkin_id)
    assert in_row is not None and is_sealed(in_row) and jpeg[200:264] not in in_row
    assert not store.exists(KEY)
    shown = held.held(checkin_id)
    assert shown is not None and b"".join(shown.chunks) == jpeg
    assert shown.content_type == SNAPSHOT_TYPE
    assert held.store(checkin_id) is True
    assert held.store(checkin_id) is False  # moved already
    assert held_bytes(engine, checkin_id) is None and held.held(checkin_id) is None
    assert store.get(KEY) == in_row  # stored as it was held: sealed
    assert images.get(KEY) == jpeg


def test_the_upload_job_moves_what_is_held_in_batches(engine, store, photos):
    images = sealing(store)
    held = PgHeldSnapshots(engine, images)
    ids = [check_in(engine, images, photos["obama.jpg"], f"{KEY}-{n}") for n in range(3)]
    assert held.store_held(2) == 2 and held.store_held(2) == 1 and held.store_held(2) == 0
    assert all(held_bytes(engine, i) is None for i in ids)
    assert sorted(store.keys("checkins/employees/E1/")) == sorted(f"{KEY}-{n}" for n in range(3))


def test_an_erasure_waits_for_a_move_under_way_and_then_finds_the_object(engine, store, photos):
    """The move holds the row's lock while the store writes: an erasure of the person's
    biometrics waits, then deletes the stored object by the row's key. Without the lock
    the object would land after the erasure deleted the prefix."""
    images = sealing(store)
    checkin_id = check_in(engine, images, photos["obama.jpg"])
    writing, erase_may_go = threading.Event(), threading.Event()

    class SlowStore(SealedImageStore):
        def put_sealed(self, key: str, blob: bytes, content_type: str) -> None:
            writing.set()
            assert erase_may_go.wait(10)
            super().put_sealed(key, blob, content_type)

    slow = SlowStore(store, Keyring({"k1": os.urandom(32)}, "k1"))
    moved: list[bool] = []
    mover = threading.Thread(
        target=lambda: moved.append(PgHeldSnapshots(engine, slow).store(checkin_id))
    )
    mover.start()
    assert writing.wait(10)
    erased: list[object] = []

    def erase() -> None:
        with engine.begin() as db:
            erased.append(PgFaceWrites(db, 100).destroy_biometrics("E1"))
        store.delete_prefix("checkins/employees/E1/")  # as the use case does after commit

    eraser = threading.Thread(target=erase)
    eraser.start()
    eraser.join(1.0)
    assert eraser.is_alive()  # waiting for the row the move holds
    erase_may_go.set()
    mover.join(10)
    eraser.join(10)
    assert moved == [True] and erased and erased[0] is not None
    assert not store.exists(KEY) and held_bytes(engine, checkin_id) is None


def test_a_row_erased_first_leaves_nothing_to_move(engine, store, photos):
    images = sealing(store)
    checkin_id = check_in(engine, images, photos["obama.jpg"])
    with engine.begin() as db:
        PgFaceWrites(db, 100).destroy_biometrics("E1")
    assert held_bytes(engine, checkin_id) is None
    assert PgHeldSnapshots(engine, images).store(checkin_id) is False
    assert not store.exists(KEY)
