"""The sweep: photos that no face row names, left by a crash between the two writes."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from backend.domain.ports import SweptGallery, SweptPhotos

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
