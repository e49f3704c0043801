"""In-memory doubles of the gallery's row (GalleryRow) and its generations
(ReembeddedGallery), sharing their faces with a FakeFaceRepository."""

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from backend.domain.errors import ReembedConflict
from backend.domain.gallery_state import GalleryState, may_adopt
from backend.domain.model import FaceRecord, GenerationClaim, Metric, ModelInfo
from tests.unit.fakes import DLIB, FakeFaceRepository


class FakeGalleryRow:
    """The row, as every replica's FollowedGallery would read it."""

    def __init__(self, faces: FakeFaceRepository, state: GalleryState | None = None) -> None:
        self.faces = faces
        self.state = state or GalleryState(DLIB, Metric.COSINE, faces.generation)
        self.reads = 0

    def read(self) -> GalleryState:
        self.reads += 1
        return self.state

    def bind(self, model: ModelInfo, metric: Metric) -> GalleryState:
        if may_adopt(self.state.model, model, len(self.faces.faces)):
            self.faces.generation += 1
            self.state = GalleryState(model, metric, self.faces.generation, self.state.overrides)
        return self.state

    def set_thresholds(self, changes: dict[str, float | None]) -> GalleryState:
        written: dict[str, Any] = dict(changes)
        self.state = replace(self.state, overrides=replace(self.state.overrides, **written))
        return self.state


class FakeGenerations:
    """Generations as tables of vectors by face id; the switch moves the row and the
    faces' vectors at once, as the one row update does in PostgreSQL."""

    def __init__(self, faces: FakeFaceRepository, row: FakeGalleryRow) -> None:
        self.faces = faces
        self.row = row
        self.tables: dict[int, dict[str, list[float]]] = {}
        self.indexed: set[int] = set()
        self.last_claimed = row.state.generation
        self.before_switch: Callable[[], None] = lambda: None

    def all_faces(self) -> list[FaceRecord]:
        return [record for record, _ in self.faces.faces.values()]

    def claim_generation(self, model: ModelInfo, metric: Metric) -> GenerationClaim:
        self.last_claimed += 1
        self.tables[self.last_claimed] = {}
        return GenerationClaim(self.last_claimed, self.row.state.generation, model, metric)

    def stage(self, claim: GenerationClaim, face: FaceRecord, embedding: list[float]) -> None:
        self.tables[claim.generation][face.face_id] = embedding

    def faces_missing(self, claim: GenerationClaim) -> list[FaceRecord]:
        table = self.tables[claim.generation]
        return [r for r, _ in self.faces.faces.values() if r.face_id not in table]

    def build_index(self, claim: GenerationClaim) -> None:
        self.indexed.add(claim.generation)

    def switch(self, claim: GenerationClaim, catch_up: Callable[[FaceRecord], list[float]]) -> None:
        self.before_switch()
        if self.row.state.generation != claim.base_generation:
            raise ReembedConflict("another re-embedding switched the gallery first")
        assert claim.generation in self.indexed, "the index is built before the switch"
        table = self.tables[claim.generation]
        for face_id in [f for f in table if f not in self.faces.faces]:
            del table[face_id]
        for record in self.faces_missing(claim):
            table[record.face_id] = catch_up(record)
        self.faces.faces = {
            face_id: (replace(record, model=claim.model.model), table[face_id])
            for face_id, (record, _) in self.faces.faces.items()
        }
        self.faces.generation = claim.generation
        self.row.state = replace(
            self.row.state, model=claim.model, metric=claim.metric, generation=claim.generation
        )

    def abandon(self, claim: GenerationClaim) -> None:
        if claim.generation != self.row.state.generation:
            self.tables.pop(claim.generation, None)

    def retire_before(self, claim: GenerationClaim) -> None:
        for generation in [g for g in self.tables if g <= claim.base_generation]:
            del self.tables[generation]
