"""Check-in snapshots held beside their rows until the object store has them, on the real
PostgreSQL and S3 server: sealed in the hold as in the store, stored once, read from the
hold meanwhile, and no object left behind by an erasure that raced the store."""

import os

from sqlalchemy import text

from backend.domain.evidence import SNAPSHOT_TYPE
from backend.domain.rotation import StorageRotation
from backend.infrastructure.pg_audit import PgAuditLog
from backend.infrastructure.pg_held_snapshots import (
    LET_GO_BATCH,
    LET_GO_SECONDS,
    PgHeldSnapshots,
)
from backend.infrastructure.pg_rotation import PgRotationLedger
from backend.infrastructure.pg_unit_of_work import PgUnitOfWork
from backend.infrastructure.pg_writes import PgFaceWrites
from backend.infrastructure.sealed_store import SealedImageStore
from backend.infrastructure.sealing import Keyring, is_sealed, key_id_of

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


def hold_of(engine, checkin_id: int) -> bytes | None:
    with engine.begin() as db:
        held = db.execute(
            text("SELECT body FROM snapshot_hold WHERE checkin_id = :i"), {"i": checkin_id}
        ).scalar()
    return None if held is None else bytes(held)


def age_holds(engine) -> None:
    """Holds as a crash leaves them: older than the upload job's grace."""
    with engine.begin() as db:
        db.execute(text("UPDATE snapshot_hold SET held_at = now() - interval '1 minute'"))


def erase_biometrics(engine) -> None:
    with engine.begin() as db:
        assert PgFaceWrites(db, 100).destroy_biometrics("E1") is not None


def test_a_held_snapshot_is_sealed_read_from_its_hold_and_stored_once(engine, store, photos):
    jpeg = photos["obama.jpg"]
    images = sealing(store)
    held = PgHeldSnapshots(engine, images)
    checkin_id = check_in(engine, images, jpeg)
    in_hold = hold_of(engine, checkin_id)
    assert in_hold is not None and is_sealed(in_hold) and jpeg[200:264] not in in_hold
    assert not store.exists(KEY)
    shown = held.held(checkin_id)
    assert shown is not None and b"".join(shown.chunks) == jpeg
    assert shown.content_type == SNAPSHOT_TYPE
    held.store(checkin_id, KEY, jpeg)
    assert store.exists(KEY) and hold_of(engine, checkin_id) == in_hold  # let go in batches
    assert held.let_go() == 1 and held.let_go() == 0
    assert hold_of(engine, checkin_id) is None and held.held(checkin_id) is None
    assert is_sealed(store.get(KEY)) and images.get(KEY) == jpeg
    assert held.store_held(10) == 0  # nothing left for the job


def test_the_upload_job_stores_what_is_held_in_batches(engine, store, photos):
    images = sealing(store)
    held = PgHeldSnapshots(engine, images)
    ids = [check_in(engine, images, photos["obama.jpg"], f"{KEY}-{n}") for n in range(3)]
    assert held.store_held(2) == 0  # just held: their replica is storing them
    age_holds(engine)
    assert held.store_held(2) == 2 and held.store_held(2) == 1 and held.store_held(2) == 0
    assert all(hold_of(engine, i) is None for i in ids)
    assert sorted(store.keys("checkins/employees/E1/")) == sorted(f"{KEY}-{n}" for n in range(3))
    assert images.get(f"{KEY}-0") == photos["obama.jpg"]  # stored as held: sealed, opens


def test_an_erasure_takes_the_hold_and_a_store_that_comes_after_leaves_no_object(
    engine, store, photos
):
    """The erasure commits while the snapshot is on its way: the store finds no row naming
    it any more and deletes the object again, and the job finds nothing held."""
    images = sealing(store)
    held = PgHeldSnapshots(engine, images)
    checkin_id = check_in(engine, images, photos["obama.jpg"])
    erase_biometrics(engine)
    assert hold_of(engine, checkin_id) is None and held.held(checkin_id) is None
    held.store(checkin_id, KEY, photos["obama.jpg"])
    assert held.let_go() == 0  # the row no longer names it: the object goes again
    assert not store.exists(KEY) and held.store_held(10) == 0


def test_an_erasure_after_the_store_deletes_the_stored_object(engine, store, photos):
    images = sealing(store)
    held = PgHeldSnapshots(engine, images)
    checkin_id = check_in(engine, images, photos["obama.jpg"])
    held.store(checkin_id, KEY, photos["obama.jpg"])
    assert held.let_go() == 1 and store.exists(KEY)
    erase_biometrics(engine)
    store.delete_prefix("checkins/employees/E1/")  # as the use case does after its commit
    assert not store.exists(KEY)


def test_the_job_lets_go_of_a_hold_whose_row_no_longer_names_it(engine, store, photos):
    """The retention unlinked the snapshot from its row while the store was down: the job
    stores nothing and drops the hold."""
    images = sealing(store)
    held = PgHeldSnapshots(engine, images)
    checkin_id = check_in(engine, images, photos["obama.jpg"])
    with engine.begin() as db:
        db.execute(text("UPDATE checkin SET snapshot_key = NULL WHERE id = :i"), {"i": checkin_id})
    age_holds(engine)
    assert held.store_held(10) == 0
    assert hold_of(engine, checkin_id) is None and not store.exists(KEY)


def test_holds_go_in_batches_of_a_size_or_an_age(engine, store, photos):
    images = sealing(store)
    now = [0.0]
    held = PgHeldSnapshots(engine, images, clock=lambda: now[0])
    jpeg = photos["obama.jpg"]
    ids = [check_in(engine, images, jpeg, f"{KEY}-{n}") for n in range(LET_GO_BATCH + 2)]
    for n, checkin_id in enumerate(ids[:LET_GO_BATCH]):
        held.store(checkin_id, f"{KEY}-{n}", jpeg)
    assert all(hold_of(engine, i) is None for i in ids[:LET_GO_BATCH])  # a full batch went
    held.store(ids[-2], f"{KEY}-{LET_GO_BATCH}", jpeg)
    assert hold_of(engine, ids[-2]) is not None
    now[0] += LET_GO_SECONDS
    held.store(ids[-1], f"{KEY}-{LET_GO_BATCH + 1}", jpeg)
    assert hold_of(engine, ids[-2]) is None and hold_of(engine, ids[-1]) is None  # by age
    assert len(store.keys("checkins/employees/E1/")) == LET_GO_BATCH + 2


def test_a_storage_key_rotation_reseals_the_holds_and_what_they_become(engine, store, photos):
    """A snapshot held while the key rotated (the store was down) ends up under the new
    key, in its hold and in the store: the old key can go once the rotation is done."""
    k1, k2 = os.urandom(32), os.urandom(32)
    before = SealedImageStore(store, Keyring({"k1": k1}, "k1"))
    checkin_id = check_in(engine, before, photos["obama.jpg"])
    assert key_id_of(hold_of(engine, checkin_id) or b"") == "k1"
    after = SealedImageStore(store, Keyring({"k2": k2, "k1": k1}, "k2"))
    rotation = StorageRotation(
        store=after,
        ledger=PgRotationLedger(engine),
        audit=PgAuditLog(engine),
        held=PgHeldSnapshots(engine, after),
    )
    assert rotation.run().key_id == "k2"
    assert key_id_of(hold_of(engine, checkin_id) or b"") == "k2"
    assert PgHeldSnapshots(engine, after).reseal_held() == 0  # done once
    only_k2 = SealedImageStore(store, Keyring({"k2": k2}, "k2"))
    age_holds(engine)
    assert PgHeldSnapshots(engine, only_k2).store_held(10) == 1
    assert key_id_of(store.get(KEY)) == "k2" and only_k2.get(KEY) == photos["obama.jpg"]


def test_a_hold_sealed_with_an_old_key_is_stored_under_the_current_one(engine, store, photos):
    k1, k2 = os.urandom(32), os.urandom(32)
    checkin_id = check_in(engine, SealedImageStore(store, Keyring({"k1": k1}, "k1")), b"jpeg")
    age_holds(engine)
    both = SealedImageStore(store, Keyring({"k2": k2, "k1": k1}, "k2"))
    assert PgHeldSnapshots(engine, both).store_held(10) == 1
    assert key_id_of(store.get(KEY)) == "k2" and both.get(KEY) == b"jpeg"
    assert hold_of(engine, checkin_id) is None
