"""Moving the gallery to another model: every vector is computed again from the stored
photos into a generation of the run's own, indexed, caught up with faces enrolled
meanwhile, and switched in by one row update only when all of them succeeded."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from backend.domain.audit import REEMBEDDED, SYSTEM, Actor
from backend.domain.errors import DomainError, ModelMismatch
from backend.domain.gallery_state import RETIRE_AFTER_SECONDS
from backend.domain.model import FaceRecord, GenerationClaim, Metric, ModelInfo
from backend.domain.policy import unit_vector
from backend.domain.ports import AuditTrail, Embedder, ImageStore, ReembeddedGallery


class ReembedFailed(DomainError):
    code = "reembed_failed"


@dataclass
class ReembedReport:
    model: ModelInfo
    faces: int = 0
    generation: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # face id -> why


class ReembedService:
    """One run per call; runs at once on several machines each claim their own
    generation, and only the first to switch wins (the others get ReembedConflict)."""

    def __init__(
        self,
        *,
        embedder: Embedder,
        gallery: ReembeddedGallery,
        images: ImageStore,
        metric: Metric,
        audit: AuditTrail,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._embedder = embedder
        self._gallery = gallery
        self._images = images
        self._metric = metric
        self._audit = audit
        self._sleep = sleep

    def run(
        self,
        model_name: str,
        progress: Callable[[int, int], None] = lambda *_: None,
        *,
        actor: Actor = SYSTEM,
    ) -> ReembedReport:
        """Re-embed every face with the embedder's model, which must be `model_name`."""
        model = self._embedder.model_info()
        if model.model != model_name:  # the run's argument, not the gallery's model rule
            raise ModelMismatch(
                f"the embedder runs {model.model}; start one with EMBEDDER_MODEL={model_name}"
            )
        records = self._gallery.all_faces()
        claim = self._gallery.claim_generation(model, self._metric)
        report = ReembedReport(model, len(records), claim.generation)
        try:
            for done, record in enumerate(records, start=1):
                self._stage(claim, record, report)
                progress(done, len(records))
            # Faces enrolled while the photos above were read: most are caught up here,
            # outside the lock; the few left by the switch itself, under it.
            for record in self._gallery.faces_missing(claim):
                self._stage(claim, record, report)
            if report.failures:
                raise ReembedFailed(
                    f"{len(report.failures)} of {len(records)} faces failed; the gallery is "
                    "unchanged",
                    {"failures": report.failures},
                )
            self._gallery.build_index(claim)
            self._gallery.switch(claim, self._vector_of)
        except BaseException:
            self._gallery.abandon(claim)
            raise
        report.faces = len(records)
        # Replicas follow the row within seconds; until then some still search the old
        # generation, which must stay whole until they have moved.
        self._sleep(RETIRE_AFTER_SECONDS)
        self._gallery.retire_before(claim)
        details = {"model": model.model, "faces": report.faces, "generation": claim.generation}
        self._audit.record(actor, REEMBEDDED, "gallery", model.model, details)
        return report

    def _stage(self, claim: GenerationClaim, record: FaceRecord, report: ReembedReport) -> None:
        try:
            self._gallery.stage(claim, record, self._vector_of(record))
        except DomainError as error:
            report.failures[record.face_id] = f"{error.code}: {error.message}"

    def _vector_of(self, record: FaceRecord) -> list[float]:
        """The new model's unit vector of a stored photo's face."""
        extraction = self._embedder.extract(self._images.get(record.image_key))
        if not extraction.faces:
            raise ReembedFailed("no face found in the stored photo")
        return unit_vector(extraction.faces[0].embedding)
