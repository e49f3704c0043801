"""Photos sealed at rest on the real S3 server, and the key rotation over the real
PostgreSQL: raw objects are no images, and after rotation every one carries the new key."""

import base64
import io
import os
import threading

import pytest
from PIL import Image, UnidentifiedImageError

from backend.domain.audit import AuditFilter
from backend.domain.errors import StorageUnavailable
from backend.domain.rotation import StorageRotation
from backend.infrastructure.pg_audit import PgAuditLog
from backend.infrastructure.pg_rotation import PgRotationLedger
from backend.infrastructure.sealed_store import SealedImageStore
from backend.infrastructure.sealing import Keyring, StorageKeyError, key_id_of, keyring
from tests.conftest import run_cli

K1, K2 = os.urandom(32), os.urandom(32)


def sealed(store, *keys: tuple[str, bytes]) -> SealedImageStore:
    """The sealing store over the raw one; the first key seals, all open."""
    return SealedImageStore(store, Keyring(dict(keys), keys[0][0] if keys else ""))


def test_a_sealed_photo_is_no_image_without_the_key(store, photos):
    jpeg = photos["obama.jpg"]
    with_key = sealed(store, ("k1", K1))
    with_key.put("employees/E1/f1.jpg", jpeg, "image/jpeg")
    raw = store.get("employees/E1/f1.jpg")  # what the object store holds
    assert not raw.startswith(b"\xff\xd8") and not raw.startswith(b"\x89PNG")
    assert jpeg[200:264] not in raw
    with pytest.raises(UnidentifiedImageError):
        Image.open(io.BytesIO(raw))
    assert with_key.get("employees/E1/f1.jpg") == jpeg
    opened = with_key.open("employees/E1/f1.jpg")
    assert opened is not None and opened.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(b"".join(opened.chunks))).size == Image.open(io.BytesIO(jpeg)).size
    with pytest.raises(StorageUnavailable, match="not among STORAGE_KEYS"):
        sealed(store, ("k2", K2)).get("employees/E1/f1.jpg")


def test_a_sealed_object_moved_or_altered_fails_its_check(store, photos):
    with_key = sealed(store, ("k1", K1))
    with_key.put("a.jpg", photos["obama.jpg"], "image/jpeg")
    raw = bytearray(store.get("a.jpg"))
    store.put("b.jpg", bytes(raw), "application/octet-stream")  # another person's name
    raw[-20] ^= 1
    store.put("a.jpg", bytes(raw), "application/octet-stream")
    for name in ("a.jpg", "b.jpg"):
        with pytest.raises(StorageUnavailable, match="fails its integrity check"):
            with_key.get(name)


def test_objects_stored_before_sealing_stay_readable(store, photos):
    store.put("employees/E2/old.jpg", photos["biden.jpg"], "image/jpeg")
    opened = sealed(store, ("k1", K1)).open("employees/E2/old.jpg")
    assert opened is not None and opened.content_type == "image/jpeg"
    assert b"".join(opened.chunks) == photos["biden.jpg"]


def test_rotation_reseals_every_object_with_the_new_key_resumably(store, engine, photos):
    names = [f"employees/E{n}/f{n}.jpg" for n in range(7)]
    for n, name in enumerate(names):
        if n % 2:
            store.put(name, photos["obama.jpg"], "image/jpeg")  # before sealing
        else:
            sealed(store, ("k1", K1)).put(name, photos["obama2.jpg"], "image/jpeg")
    new = sealed(store, ("k2", K2), ("k1", K1))
    rotation = StorageRotation(
        store=new, ledger=PgRotationLedger(engine), audit=PgAuditLog(engine), batch=3
    )

    calls: list[str] = []

    def stop_in_second_batch(last: str, rewritten: int) -> None:
        calls.append(last)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the operator's Ctrl-C, in the second batch

    with pytest.raises(KeyboardInterrupt):
        rotation.run(progress=stop_in_second_batch)
    # The first batch's cursor was kept: the rerun does batches two and three only.
    batches: list[str] = []
    rotation.run(progress=lambda last, n: batches.append(last))
    assert batches == [names[5], names[6]]
    only_k2 = sealed(store, ("k2", K2))
    for n, name in enumerate(names):
        assert key_id_of(store.get(name)) == "k2"
        assert only_k2.get(name) == photos["obama.jpg" if n % 2 else "obama2.jpg"]
    audited = list(PgAuditLog(engine).stream(AuditFilter()))
    assert [e.action for e in audited] == ["storage.rotated"]  # once, by who finished it
    assert audited[0].details == {"rewritten": 4}  # the rerun's share; 3 were done before


def test_a_rotation_started_in_the_background_is_carried_on_by_the_backends(store, engine, photos):
    for n in range(5):
        sealed(store, ("k1", K1)).put(f"employees/E{n}/f.jpg", photos["obama.jpg"], "image/jpeg")

    def rotation() -> StorageRotation:
        new = sealed(store, ("k2", K2), ("k1", K1))
        ledger = PgRotationLedger(engine)
        return StorageRotation(store=new, ledger=ledger, audit=PgAuditLog(engine), batch=2)

    assert rotation().resume() == 0  # nothing started: a backend does nothing
    assert rotation().start() == "k2"  # the command with --background
    assert rotation().resume() == 3  # a backend's loop: three batches of two
    assert {key_id_of(store.get(f"employees/E{n}/f.jpg")) for n in range(5)} == {"k2"}
    assert rotation().resume() == 0
    actions = [e.action for e in PgAuditLog(engine).stream(AuditFilter())]
    assert actions == ["storage.rotation_started", "storage.rotated"]


def test_two_runners_at_once_rewrite_each_object_once(store, engine, photos):
    for n in range(6):
        store.put(f"snapshots/E{n}/s.jpg", photos["obama.jpg"], "image/jpeg")
    rewrites: list[str] = []

    class Counting(SealedImageStore):
        def reseal(self, key: str) -> bool:
            done = super().reseal(key)
            if done:
                rewrites.append(key)
            return done

    def runner() -> None:
        StorageRotation(
            store=Counting(store, Keyring({"k2": K2}, "k2")),
            ledger=PgRotationLedger(engine),
            audit=PgAuditLog(engine),
            batch=2,
            wait=lambda seconds: None,
        ).run()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(rewrites) == sorted(f"snapshots/E{n}/s.jpg" for n in range(6))


def test_rotate_storage_command_and_key_settings(s3, store, database_url, photos):
    store.put("employees/E9/f.jpg", photos["obama.jpg"], "image/jpeg")
    made = run_cli("keys", "new-storage-key", "2026-12")
    assert made.returncode == 0 and made.stdout.startswith("2026-12:")
    env = {
        "DATABASE_URL": database_url,
        "S3_ENDPOINT": s3["endpoint"],
        "S3_ACCESS_KEY": s3["access_key"],
        "S3_SECRET_KEY": s3["secret_key"],
        "S3_BUCKET": store._bucket,
        "STORAGE_KEYS": made.stdout.strip(),
    }
    rotated = run_cli("keys", "rotate-storage", env=env)
    assert rotated.returncode == 0, rotated.stderr
    assert "sealed with key 2026-12 (1 rewritten)" in rotated.stdout
    assert key_id_of(store.get("employees/E9/f.jpg")) == "2026-12"
    with pytest.raises(StorageKeyError, match="32 random bytes"):
        keyring("k1:" + base64.b64encode(b"short").decode(), None, "")
    with pytest.raises(StorageKeyError, match="not among"):
        keyring("k1:" + base64.b64encode(K1).decode(), None, "k3")
