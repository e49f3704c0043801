"""The sweep: photos that no face row names, left by a crash between the two writes."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from backend.domain.policy import SNAPSHOT_PREFIX
from backend.domain.ports import SweptGallery, SweptPhotos, SweptSnapshots

PHOTO_PREFIX = "employees/"


class PhotoSweep:
    """Deletes stored photos that no face row names and that are older than `grace`.

    Enrollment writes the photo first and the row second; a process killed between the
    two leaves a photo without a row. The grace period is how long an enrollment may take
    between its two writes: a younger photo may still be about to get its row."""

    def __init__(
        self,
        *,
        gallery: SweptGallery,
        photos: SweptPhotos,
        grace: timedelta,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._gallery = gallery
        self._photos = photos
        self._grace = grace
        self._now = now

    def run(self) -> int | None:
        """Delete the orphans; their number, or None when another replica is sweeping."""
        with self._gallery.sweeping() as ours:
            if not ours:
                return None
            cutoff = self._now() - self._grace
            old = [key for key, stored in self._photos.listing(PHOTO_PREFIX) if stored < cutoff]
            named = self._gallery.image_keys_named(old) if old else set()
            orphans = [key for key in old if key not in named]
            for key in orphans:
                self._photos.delete(key)
            return len(orphans)


# Snapshots unlinked from their rows per batch (each batch is one short transaction).
EXPIRE_BATCH = 500


class SnapshotSweep:
    """Enforces the snapshot retention and removes snapshots no check-in row names.

    Retention: rows older than `keep` lose their snapshot key first (committed), then the
    objects go; a crash between the two leaves objects no row names, which the second
    part removes on the next run. That part also removes what a crash between a
    check-in's two writes left (snapshot stored, row never written), after `grace`."""

    def __init__(
        self,
        *,
        checkins: SweptSnapshots,
        photos: SweptPhotos,
        keep: timedelta,
        grace: timedelta,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._checkins = checkins
        self._photos = photos
        self._keep = keep
        self._grace = grace
        self._now = now

    def run(self) -> int | None:
        """Delete expired and orphaned snapshots; their number, or None when another
        replica is sweeping."""
        with self._checkins.sweeping() as ours:
            if not ours:
                return None
            now = self._now()
            removed = 0
            while True:
                expired = self._checkins.forget_snapshots_before(now - self._keep, EXPIRE_BATCH)
                for key in expired:
                    self._photos.delete(key)
                removed += len(expired)
                if len(expired) < EXPIRE_BATCH:
                    break
            # An object younger than the grace period may still be about to get its row
            # (unless the retention itself is shorter).
            cutoff = now - min(self._grace, self._keep)
            old = [k for k, stored in self._photos.listing(SNAPSHOT_PREFIX) if stored < cutoff]
            named = self._checkins.snapshot_keys_named(old) if old else set()
            for key in old:
                if key not in named:
                    self._photos.delete(key)
                    removed += 1
            return removed
