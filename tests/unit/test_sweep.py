"""The photo sweep: only old photos that no row names go, and only one sweeper at a time."""

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from backend.domain.sweep import PhotoSweep

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class Gallery:
    def __init__(self, named: set[str], free: bool = True) -> None:
        self.named = named
        self.free = free

    @contextlib.contextmanager
    def sweeping(self) -> Iterator[bool]:
        yield self.free

    def image_keys_named(self, keys: list[str]) -> set[str]:
        return self.named & set(keys)


class Photos:
    def __init__(self, stored: dict[str, datetime]) -> None:
        self.stored = stored

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        return iter([(k, t) for k, t in self.stored.items() if k.startswith(prefix)])

    def delete(self, key: str) -> None:
        del self.stored[key]


def sweep(gallery: Gallery, photos: Photos) -> PhotoSweep:
    return PhotoSweep(gallery=gallery, photos=photos, grace=timedelta(minutes=15), now=lambda: NOW)


def test_old_photos_without_a_row_are_removed_and_nothing_else():
    old, young = NOW - timedelta(hours=1), NOW - timedelta(minutes=1)
    photos = Photos(
        {
            "employees/E1/kept.jpg": old,  # has its row
            "employees/E1/orphan.jpg": old,  # a crash between the two writes
            "employees/E2/young.jpg": young,  # an enrollment still under way
            "elsewhere/old.jpg": old,  # not a photo of ours
        }
    )
    assert sweep(Gallery({"employees/E1/kept.jpg"}), photos).run() == 1
    assert sorted(photos.stored) == [
        "elsewhere/old.jpg",
        "employees/E1/kept.jpg",
        "employees/E2/young.jpg",
    ]


def test_no_sweep_while_another_replica_sweeps():
    photos = Photos({"employees/E1/orphan.jpg": NOW - timedelta(hours=1)})
    assert sweep(Gallery(set(), free=False), photos).run() is None
    assert list(photos.stored) == ["employees/E1/orphan.jpg"]
