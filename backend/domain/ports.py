"""What the domain needs from the outside world, declared on the consuming side."""

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Protocol

from backend.domain.model import (
    ApiKey,
    Checkin,
    CheckinFilter,
    CheckinRow,
    DailyAttendance,
    Employee,
    Extraction,
    FaceRecord,
    GuardedInsert,
    Match,
    Metric,
    ModelInfo,
    Page,
    Role,
    StoredPhoto,
)


class Embedder(Protocol):
    """Faces and embeddings of an image (the embedder service)."""

    def extract(self, image: bytes) -> Extraction: ...

    def model_info(self) -> ModelInfo: ...


class FaceRepository(Protocol):
    """Employees and their face vectors, searched by distance."""

    def nearest(self, embedding: list[float], metric: Metric, limit: int = 1) -> list[Match]: ...

    def add_face_unless_near(
        self,
        employee: Employee,
        face: FaceRecord,
        embedding: list[float],
        metric: Metric,
        *,
        refuse_within: float,
        ask_within: float,
        confirmed: bool,
    ) -> GuardedInsert:
        """Atomically, against the nearest face of another employee: store nothing when it
        lies within `refuse_within`, or within `ask_within` unless `confirmed`; else create
        the employee if new and insert the face, naming a confirmed look-alike with it."""
        ...

    def count_faces(self) -> int: ...

    def face_with_photo(self, employee_id: str, content_sha256: str) -> str | None:
        """The id of this employee's face stored from a photo with this hash, if any."""
        ...

    def get_employee(self, employee_id: str) -> Employee | None: ...

    def update_employee(self, employee_id: str, changes: dict[str, str | None]) -> Employee | None:
        """Apply changes (name, department, email); None when there is no such employee."""
        ...

    def all_faces(self) -> list[FaceRecord]: ...

    # Re-embedding: new vectors are staged, then swapped in all at once.
    def start_staging(self) -> None: ...

    def stage(self, face_id: str, embedding: list[float]) -> None: ...

    def switch_to_staged(self, model: ModelInfo, metric: Metric) -> None:
        """In one transaction: every face takes its staged vector and the gallery the
        model; raises if any face has no staged vector."""
        ...

    def drop_staging(self) -> None: ...

    def list_employees(self, limit: int, offset: int) -> Page: ...

    def faces_of(self, employee_id: str) -> list[FaceRecord]: ...

    def delete_employee(self, employee_id: str) -> bool:
        """Delete the employee with its faces and check-ins; False if there was none."""
        ...

    def delete_face(self, employee_id: str, face_id: str) -> FaceRecord | None: ...


class GalleryStats(Protocol):
    """How big the gallery is: its threshold depends on it."""

    def count_faces(self) -> int: ...

    def count_employees(self) -> int: ...


class ImageStore(Protocol):
    """Enrollment photos in object storage."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def delete_prefix(self, prefix: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def open(self, key: str) -> StoredPhoto | None:
        """The photo as it streams from the store; None when there is none under key."""
        ...


class SweptGallery(Protocol):
    """What the photo sweep needs of the gallery: one sweeper at a time, and names."""

    def sweeping(self) -> AbstractContextManager[bool]:
        """Held while sweeping: True when this process may sweep (no other one does)."""
        ...

    def image_keys_named(self, keys: list[str]) -> set[str]:
        """Those of `keys` that a face row names."""
        ...


class SweptPhotos(Protocol):
    """What the photo sweep needs of the object store."""

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Every stored key under prefix with the time it was stored."""
        ...

    def delete(self, key: str) -> None: ...


class CheckinLog(Protocol):
    """The attendance record: one row per check-in answer that saw a face."""

    def record(
        self, employee_id: str | None, matched: bool, distance: float | None, api_key_name: str
    ) -> Checkin: ...

    def query(self, where: CheckinFilter, limit: int, offset: int) -> Page: ...

    def stream(self, where: CheckinFilter) -> Iterator[CheckinRow]:
        """Every matching check-in, oldest first, without holding them all in memory."""
        ...

    def daily(self, day: date, timezone: str) -> list[DailyAttendance]:
        """Each employee's first and last matched check-in on that day in that zone."""
        ...


class ApiKeyStore(Protocol):
    """API keys, kept as hashes only."""

    def create(self, name: str, role: Role, key_hash: str) -> ApiKey: ...

    def find(self, key_hash: str) -> tuple[ApiKey, str] | None:
        """The live key with this hash and the stored hash, or None."""
        ...

    def list(self) -> list[ApiKey]: ...

    def revoke(self, name: str) -> bool: ...
