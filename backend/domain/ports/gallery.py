"""Ports of the gallery: what enrollment, check-in, administration, re-embedding and
the status report each need of the faces, the embedder and the photos."""

from collections.abc import Callable
from typing import Protocol

from backend.domain.gallery_state import GalleryState
from backend.domain.model import (
    Employee,
    Extraction,
    FaceRecord,
    GenerationClaim,
    Match,
    Metric,
    ModelInfo,
    Page,
    StoredPhoto,
)


class Embedder(Protocol):
    """Faces and embeddings of an image (the embedder service)."""

    def extract(
        self, image: bytes, *, crop: bool = False, landmarks: bool = False, largest: bool = False
    ) -> Extraction:
        """With `crop`, each face also carries its aligned crop as JPEG (`crop_jpeg`); with
        `landmarks`, its five landmarks; with `largest`, only the largest face comes back,
        found at the embedder's smaller check-in detection size (cheaper by about 9 ms of
        CPU a 640x480 frame)."""
        ...

    def model_info(self) -> ModelInfo: ...


class GalleryRow(Protocol):
    """The gallery's row (model, metric, generation, threshold settings), shared by every
    replica."""

    def read(self) -> GalleryState: ...

    def bind(self, model: ModelInfo, metric: Metric) -> GalleryState:
        """Bind an unbound or empty gallery to `model`, or confirm that it holds it
        (may_adopt decides); the row as it is then."""
        ...

    def set_thresholds(self, changes: dict[str, float | None]) -> GalleryState:
        """Write these validated threshold settings (None clears one) in one update,
        leaving the others as they are (an admin's recalibration); the row then."""
        ...


class EnrollmentFaces(Protocol):
    """What enrollment reads before its unit of work: a photo's earlier face."""

    def face_with_photo(self, employee_id: str, content_sha256: str) -> str | None:
        """The id of this employee's face stored from a photo with this hash, if any."""
        ...

    def biometrics_of(self, employee_id: str) -> str | None:
        """The employee's choice ("face" or "none"), None for no such employee."""
        ...


class CheckinFaces(Protocol):
    """What check-in needs of the gallery: the nearest faces in a generation."""

    def nearest(
        self,
        embedding: list[float],
        gallery: GalleryState,
        limit: int = 1,
        site_id: int | None = None,
    ) -> list[Match]:
        """The nearest faces of `gallery`'s generation, nearest first; with `site_id`,
        only faces of the people allowed at that site."""
        ...


class AdministeredFaces(Protocol):
    """What employee administration reads and renames (erasing is a unit of work)."""

    def get_employee(self, employee_id: str) -> Employee | None: ...

    def update_employee(self, employee_id: str, changes: dict[str, object]) -> Employee | None:
        """Apply changes (name, department, email, status, left_on); None when there is no
        such employee."""
        ...

    def employee_summaries(self, search: str, limit: int, offset: int) -> Page:
        """EmployeeSummary items whose id, name or department contains `search`."""
        ...

    def faces_of(self, employee_id: str) -> list[FaceRecord]: ...


class ReembeddedGallery(Protocol):
    """What re-embedding needs: a generation of its own, switched in by one row update."""

    def all_faces(self) -> list[FaceRecord]: ...

    def claim_generation(self, model: ModelInfo, metric: Metric) -> GenerationClaim:
        """A new generation, never given to another run, holding no vectors yet."""
        ...

    def stage(self, claim: GenerationClaim, face: FaceRecord, embedding: list[float]) -> None: ...

    def faces_missing(self, claim: GenerationClaim) -> list[FaceRecord]:
        """Faces (enrolled since the run began) that have no vector in the claim yet."""
        ...

    def build_index(self, claim: GenerationClaim) -> None:
        """The claim's search index, built before the switch, blocking no one."""
        ...

    def switch(self, claim: GenerationClaim, catch_up: Callable[[FaceRecord], list[float]]) -> None:
        """Under the enrollment lock: vectors for faces still missing (from `catch_up`),
        then the row moved to the claim if it still names the claim's base generation,
        else ReembedConflict (nothing switched)."""
        ...

    def abandon(self, claim: GenerationClaim) -> None:
        """Drop the claim's vectors (a run that failed or lost)."""
        ...

    def retire_before(self, claim: GenerationClaim) -> None:
        """After the switch: drop the generation the claim replaced and older ones (never
        a newer one, which may be another run's under way)."""
        ...


class GalleryStats(Protocol):
    """How big the gallery is: its threshold depends on it."""

    def count_faces(self) -> int: ...

    def count_faces_at(self, site_id: int) -> int:
        """How many faces a search scoped to the site reads (its threshold's size)."""
        ...

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
