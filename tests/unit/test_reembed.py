"""ReembedService against fakes: a generation of its own, switched in whole or not at all."""

import pytest

from backend.domain import errors
from backend.domain.gallery_state import RETIRE_AFTER_SECONDS
from backend.domain.model import Employee, FaceRecord, Metric, ModelInfo
from backend.domain.reembed import ReembedFailed, ReembedService
from tests.unit.fake_audit import FakeAuditLog
from tests.unit.fake_gallery import FakeGalleryRow, FakeGenerations
from tests.unit.fakes import GOOD, FakeEmbedder, FakeFaceRepository, FakeImageStore, face

SFACE = ModelInfo("SFace", 3, "yunet")
OLD = {"f1": [1.0, 0.0, 0.0], "f2": [0.0, 1.0, 0.0]}  # Dlib's vectors
NEW = {b"photo-f1": (0.0, 0.0, 1.0), b"photo-f2": (0.6, 0.8, 0.0), b"photo-f3": (0.0, 0.6, 0.8)}


class World:
    def __init__(self) -> None:
        self.faces = FakeFaceRepository()
        self.images = FakeImageStore()
        self.embedder = FakeEmbedder(SFACE)
        self.row = FakeGalleryRow(self.faces)
        self.generations = FakeGenerations(self.faces, self.row)
        self.slept: list[float] = []
        for face_id, vector in OLD.items():
            self.enroll(face_id, vector)

    def enroll(self, face_id: str, vector: list[float]) -> None:
        key = f"employees/E-{face_id}/{face_id}.jpg"
        self.faces.employees[f"E-{face_id}"] = Employee(f"E-{face_id}", face_id)
        record = FaceRecord(face_id, f"E-{face_id}", "Dlib", "dlib", key, GOOD)
        self.faces.faces[face_id] = (record, vector)
        self.images.objects[key] = f"photo-{face_id}".encode()
        self.embedder.faces[f"photo-{face_id}".encode()] = [face(NEW[f"photo-{face_id}".encode()])]

    def service(self) -> ReembedService:
        return ReembedService(
            embedder=self.embedder,
            gallery=self.generations,
            images=self.images,
            metric=Metric.COSINE,
            audit=FakeAuditLog(),
            sleep=self.slept.append,
        )


@pytest.fixture
def world() -> World:
    return World()


def test_a_run_switches_every_vector_and_the_row_at_once(world):
    report = world.service().run("SFace")
    assert report.faces == 2 and report.generation == 2
    assert world.row.state.model == SFACE and world.row.state.generation == 2
    assert {f: v for f, (_, v) in world.faces.faces.items()} == {
        "f1": [0.0, 0.0, 1.0],
        "f2": [0.6, 0.8, 0.0],
    }
    assert {r.model for r, _ in world.faces.faces.values()} == {"SFace"}
    # the old generation was dropped only after replicas had time to follow the row
    assert world.slept == [RETIRE_AFTER_SECONDS] and set(world.generations.tables) == {2}


def test_a_failed_run_leaves_the_gallery_unchanged(world):
    del world.images.objects["employees/E-f2/f2.jpg"]
    before = dict(world.faces.faces)
    with pytest.raises(ReembedFailed) as failed:
        world.service().run("SFace")
    assert "unchanged" in failed.value.message and "f2" in failed.value.details["failures"]
    assert world.faces.faces == before and world.row.state.generation == 1
    assert world.row.state.model is not None and world.row.state.model.model == "Dlib"
    assert world.generations.tables == {}  # the run's own generation is gone


def test_two_runs_cannot_collide(world):
    """The second run starts while the first is under way; the first to switch wins and
    the other switches nothing (its generation is dropped)."""
    second = world.service()
    outcome: dict[str, object] = {}

    def start_second_run(done: int, total: int) -> None:
        if done == 1 and "second" not in outcome:
            outcome["second"] = second.run("SFace")

    with pytest.raises(errors.ReembedConflict):
        world.service().run("SFace", start_second_run)
    won = outcome["second"]
    assert won.generation == 3  # type: ignore[attr-defined]
    assert world.row.state.generation == 3 and set(world.generations.tables) == {3}
    assert world.faces.faces["f1"][1] == [0.0, 0.0, 1.0]


def test_an_embedder_of_another_model_is_refused_before_anything_is_claimed(world):
    with pytest.raises(errors.ModelMismatch, match="EMBEDDER_MODEL=ArcFace"):
        world.service().run("ArcFace")
    assert world.generations.tables == {} and world.row.state.generation == 1


def test_a_face_enrolled_during_the_run_is_caught_up_before_the_switch(world):
    def enroll_late() -> None:  # after the run's own catch-up, before the switch
        world.enroll("f3", [0.0, 0.0, 1.0])

    world.generations.before_switch = enroll_late
    world.service().run("SFace")
    assert world.faces.faces["f3"][1] == [0.0, 0.6, 0.8]
    assert world.row.state.generation == 2


def test_a_face_deleted_during_the_run_is_not_switched_in(world):
    def delete_one(done: int, total: int) -> None:
        if done == 2:
            del world.faces.faces["f1"]  # as an administrator removing it does

    world.service().run("SFace", delete_one)
    assert set(world.faces.faces) == {"f2"}
    assert set(world.generations.tables[2]) == {"f2"}
