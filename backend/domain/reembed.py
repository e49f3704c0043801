"""Moving the gallery to another model: every vector is computed again from the stored
photos, staged beside the live ones, and swapped in only when all of them succeeded."""

from collections.abc import Callable
from dataclasses import dataclass, field

from backend.domain.errors import DomainError, ModelMismatch
from backend.domain.model import Metric, ModelInfo
from backend.domain.policy import unit_vector
from backend.domain.ports import Embedder, FaceRepository, ImageStore


class ReembedFailed(DomainError):
    code = "reembed_failed"


@dataclass
class ReembedReport:
    model: ModelInfo
    faces: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # face id -> why


class ReembedService:
    def __init__(
        self,
        *,
        embedder: Embedder,
        faces: FaceRepository,
        images: ImageStore,
        metric: Metric,
    ) -> None:
        self._embedder = embedder
        self._faces = faces
        self._images = images
        self._metric = metric

    def run(
        self, model_name: str, progress: Callable[[int, int], None] = lambda *_: None
    ) -> ReembedReport:
        """Re-embed every face with the embedder's model, which must be `model_name`."""
        model = self._embedder.model_info()
        if model.model != model_name:
            raise ModelMismatch(
                f"the embedder runs {model.model}; start one with EMBEDDER_MODEL={model_name}"
            )
        records = self._faces.all_faces()
        report = ReembedReport(model, len(records))
        self._faces.start_staging()
        try:
            for done, record in enumerate(records, start=1):
                try:
                    extraction = self._embedder.extract(self._images.get(record.image_key))
                    if not extraction.faces:
                        raise ReembedFailed("no face found in the stored photo")
                    self._faces.stage(record.face_id, unit_vector(extraction.faces[0].embedding))
                except DomainError as error:
                    report.failures[record.face_id] = f"{error.code}: {error.message}"
                progress(done, len(records))
            if report.failures:
                raise ReembedFailed(
                    f"{len(report.failures)} of {len(records)} faces failed; the gallery is "
                    "unchanged",
                    {"failures": report.failures},
                )
            self._faces.switch_to_staged(model, self._metric)
        finally:
            self._faces.drop_staging()
        return report
