"""The photo sweep: only old photos that no row names go, and only one sweeper at a time."""

from datetime import UTC, datetime, timedelta

from backend.domain.sweep import PhotoSweep
from tests.unit.fake_background import FakePhotos, FakeSweptGallery

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def sweep(gallery: FakeSweptGallery, photos: FakePhotos) -> PhotoSweep:
    return PhotoSweep(gallery=gallery, photos=photos, grace=timedelta(minutes=15), now=lambda: NOW)


def test_old_photos_without_a_row_are_removed_and_nothing_else():
    old, young = NOW - timedelta(hours=1), NOW - timedelta(minutes=1)
    photos = FakePhotos(
        {
            "employees/E1/kept.jpg": old,  # has its row
            "employees/E1/orphan.jpg": old,  # a crash between the two writes
            "employees/E2/young.jpg": young,  # an enrollment still under way
            "elsewhere/old.jpg": old,  # not a photo of ours
        }
    )
    assert sweep(FakeSweptGallery({"employees/E1/kept.jpg"}), photos).run() == 1
    assert sorted(photos.stored) == [
        "elsewhere/old.jpg",
        "employees/E1/kept.jpg",
        "employees/E2/young.jpg",
    ]


def test_no_sweep_while_another_replica_sweeps():
    photos = FakePhotos({"employees/E1/orphan.jpg": NOW - timedelta(hours=1)})
    assert sweep(FakeSweptGallery(set(), free=False), photos).run() is None
    assert list(photos.stored) == ["employees/E1/orphan.jpg"]
