"""The gallery's row and generations on the real PostgreSQL: two replicas on one database
follow each other's recalibration and re-embed; runs do not collide; check-ins go on
during a re-embed; the index is made by the migration, not at start."""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from backend.domain import errors
from backend.domain.gallery import GalleryStatus
from backend.domain.gallery_state import FOLLOW_SECONDS, FollowedGallery, GalleryState
from backend.domain.matching import MatchPolicy
from backend.domain.model import (
    Employee,
    Extraction,
    FaceRecord,
    GenerationClaim,
    Metric,
    ModelInfo,
)
from backend.domain.reembed import ReembedService
from backend.domain.thresholds import ThresholdSettings
from backend.infrastructure.database import make_engine
from backend.infrastructure.pg_faces import PgFaceRepository
from backend.infrastructure.pg_gallery import PgGalleryRow, generation_tables, vector_table
from backend.infrastructure.pg_generations import PgGenerations
from backend.infrastructure.pg_unit_of_work import PgUnitOfWork
from tests.integration.conftest import MODEL
from tests.unit.fake_audit import FakeAuditLog
from tests.unit.fakes import GOOD, FakeEmbedder, FakeImageStore, face

SFACE = ModelInfo("SFace", 3, "yunet")  # another model, of another dimension


def unit(*values: float) -> list[float]:
    norm = math.sqrt(sum(v * v for v in values))
    return [v / norm for v in values]


@dataclass
class Replica:
    """One backend's view of the shared database: its adapters, its clock, its policy."""

    engine: object
    now: dict[str, float] = field(default_factory=lambda: {"t": 0.0})

    def __post_init__(self) -> None:
        self.faces = PgFaceRepository(self.engine, ef_search=100)  # type: ignore[arg-type]
        self.row = PgGalleryRow(self.engine)  # type: ignore[arg-type]
        self.followed = FollowedGallery(self.row.read, clock=lambda: self.now["t"])
        self.policy = MatchPolicy(
            self.followed,
            defaults=ThresholdSettings(match_override=0.05),
            gallery_size=self.faces.count_faces,
        )
        self.status = GalleryStatus(
            policy=self.policy,
            stats=self.faces,
            row=self.row,
            audit=FakeAuditLog(),
            changed=self.followed.forget,
        )

    def later(self, seconds: float) -> None:
        self.now["t"] += seconds

    def nearest(self, vector: list[float], seen: ModelInfo) -> str | None:
        """A check-in's search as CheckInService makes it: the model checked, then the
        nearest face of the generation the row names."""
        gallery = self.policy.check_model(seen)
        found = self.faces.nearest(vector, gallery, limit=1)
        return found[0].employee_id if found else None


def enroll(replica: Replica, face_id: str, vector: list[float]) -> None:
    """EnrollmentService's writes without its duplicate guard (the vectors here are near)."""
    state = replica.policy.state()
    employee = f"E-{face_id}"
    record = FaceRecord(face_id, employee, "Dlib", "dlib", f"employees/{employee}/x.jpg", GOOD)
    with PgUnitOfWork(replica.engine, ef_search=100) as uow:  # type: ignore[arg-type]
        uow.lock_enrollment()
        if uow.faces.current_generation(state.metric) != state.generation:
            raise errors.GalleryChanged("moved on")  # as EnrollmentService does
        uow.faces.add_face(Employee(employee, face_id), record, vector, state)
        uow.commit()


@pytest.fixture
def replicas(engine) -> tuple[Replica, Replica]:
    PgGalleryRow(engine).bind(MODEL, Metric.COSINE)  # the first backend's start
    return Replica(engine), Replica(engine)


def sface_embedder(images: FakeImageStore) -> FakeEmbedder:
    """An embedder of SFACE that knows each stored photo."""
    embedder = FakeEmbedder(SFACE)
    for key, photo in images.objects.items():
        embedder.faces[photo] = [face(tuple(unit(*(1.0 + key.count(c) for c in "abc"))))]
    return embedder


def reembedding(
    engine,
    images: FakeImageStore,
    sleep: Callable[[float], None] = lambda s: None,
    *,
    embedder: FakeEmbedder | None = None,
    generations: PgGenerations | None = None,
) -> ReembedService:
    return ReembedService(
        embedder=embedder or sface_embedder(images),
        gallery=generations or PgGenerations(engine),
        images=images,
        metric=Metric.COSINE,
        audit=FakeAuditLog(),
        sleep=sleep,
    )


def photos_of(engine) -> FakeImageStore:
    images = FakeImageStore()
    with engine.connect() as db:
        for key in db.execute(text("SELECT image_key FROM face")).scalars():
            images.objects[key] = key.encode()
    return images


def test_a_recalibration_on_one_replica_is_in_force_on_the_other_within_seconds(replicas):
    a, b = replicas
    assert b.policy.thresholds().match == 0.05
    changed = a.status.recalibrate({"match_threshold": 0.03, "stranger_accept_rate": 0.001})
    assert changed.thresholds.match == 0.03  # at once on the replica that wrote it
    assert b.policy.thresholds().match == 0.05  # b's read is at most FOLLOW_SECONDS old
    b.later(FOLLOW_SECONDS)
    assert b.policy.thresholds().match == 0.03
    report = b.status.report()
    assert report.settings["match_threshold"] == {"value": 0.03, "source": "gallery"}
    assert report.settings["match_margin"]["source"] == "configuration"


def test_the_threshold_floor_is_kept_in_the_row_and_the_database_refuses_a_floor_below_one(
    replicas, engine
):
    a, b = replicas
    a.status.recalibrate({"match_min_gallery": 25})
    b.later(FOLLOW_SECONDS)
    assert b.row.read().overrides.match_min_gallery == 25
    assert b.status.report().settings["match_min_gallery"] == {"value": 25, "source": "gallery"}
    refused = pytest.raises(IntegrityError, match="gallery_match_min_gallery_positive")
    with refused, engine.begin() as db:
        db.execute(text("UPDATE gallery SET match_min_gallery = 0"))
    a.status.recalibrate({"match_min_gallery": None})
    assert a.row.read().overrides.match_min_gallery is None


def test_a_reembed_switch_is_followed_by_the_other_replica(replicas, engine):
    a, b = replicas
    enroll(a, "f1", unit(1, 0, 0, 0))
    enroll(a, "f2", unit(0, 1, 0, 0))
    assert b.nearest(unit(1, 0.1, 0, 0), MODEL) == "E-f1"
    seen_meanwhile: list[str | None] = []

    def while_replicas_follow(seconds: float) -> None:
        # After the switch, before the old generation is dropped: b has not followed yet
        # and still answers from the whole old gallery, with its old embedder's vectors.
        seen_meanwhile.append(b.nearest(unit(1, 0.1, 0, 0), MODEL))

    report = reembedding(engine, photos_of(engine), while_replicas_follow).run("SFace")
    assert seen_meanwhile == ["E-f1"]
    # an enrollment b read against the old generation is refused, never written into it
    with pytest.raises(errors.GalleryChanged):
        enroll(b, "f3", unit(0, 0, 1, 0))
    b.later(FOLLOW_SECONDS)
    assert b.policy.state().generation == report.generation
    assert b.policy.model == SFACE
    # b's embedder still runs the old model: a clear refusal, never a wrong match
    with pytest.raises(errors.ModelMismatch, match="EMBEDDER_MODEL=SFace"):
        b.nearest(unit(1, 0.1, 0, 0), MODEL)
    # with the new model's vectors b matches in the new generation
    assert b.nearest(unit(1.0, 1.0, 1.0), SFACE) is not None
    with engine.connect() as db:
        assert set(generation_tables(db)) == {report.generation}
        assert db.execute(text("SELECT DISTINCT model FROM face")).scalars().all() == ["SFace"]
    # a search of the dropped generation is gallery_changed, not a server error
    with pytest.raises(errors.GalleryChanged):
        a.faces.nearest(unit(1, 0, 0, 0), GalleryState(MODEL, Metric.COSINE, 1))


def test_two_concurrent_reembed_runs_do_not_collide(replicas, engine):
    a, _ = replicas
    for i in range(3):
        enroll(a, f"f{i}", unit(1, i, 0, 0))
    images = photos_of(engine)
    second = reembedding(engine, images)
    won = {}

    def second_run_meanwhile(done: int, total: int) -> None:
        if done == 1:
            won["report"] = second.run("SFace")

    with pytest.raises(errors.ReembedConflict, match="switched nothing"):
        reembedding(engine, images).run("SFace", second_run_meanwhile)
    winner = won["report"].generation
    assert PgGalleryRow(engine).read().generation == winner
    with engine.connect() as db:
        assert set(generation_tables(db)) == {winner}  # the loser's generation is gone
        count = db.execute(text(f"SELECT count(*) FROM {vector_table(winner)}")).scalar()
    assert count == 3


def test_check_ins_go_on_during_a_reembed_and_late_enrollments_are_caught_up(
    replicas, engine, database_url
):
    a, _ = replicas
    enroll(a, "f1", unit(1, 0, 0, 0))
    enroll(a, "f2", unit(0, 1, 0, 0))
    # A kiosk's replica that gives up at once where it would wait for a lock.
    impatient = make_engine(database_url + "&options=-c%20lock_timeout%3D200", pool_size=1)
    kiosk = Replica(impatient)
    images = photos_of(engine)
    searched: list[str | None] = []

    class Observed(PgGenerations):
        def build_index(self, claim: GenerationClaim) -> None:
            searched.append(kiosk.nearest(unit(1, 0.1, 0, 0), MODEL))
            # Enrolled after the run listed and caught up its faces, before the switch.
            enroll(a, "late", unit(0, 0, 1, 0))
            images.objects["employees/E-late/x.jpg"] = b"late"
            super().build_index(claim)

    class SearchingEmbedder(FakeEmbedder):
        def extract(
            self,
            image: bytes,
            *,
            crop: bool = False,
            landmarks: bool = False,
            largest: bool = False,
        ) -> Extraction:
            if image == b"late":  # the switch's catch-up, under its locks: a check-in now
                searched.append(kiosk.nearest(unit(0.1, 1, 0, 0), MODEL))
            return super().extract(image, crop=crop, landmarks=landmarks, largest=largest)

    embedder = SearchingEmbedder(SFACE)
    embedder.faces = {**sface_embedder(images).faces, b"late": [face((0.0, 0.0, 1.0))]}
    service = reembedding(engine, images, embedder=embedder, generations=Observed(engine))
    report = service.run(
        "SFace", lambda done, total: searched.append(kiosk.nearest(unit(1, 0.1, 0, 0), MODEL))
    )
    impatient.dispose()
    assert searched == ["E-f1", "E-f1", "E-f1", "E-f2"]  # none waited for a lock
    with engine.connect() as db:
        late = db.execute(
            text(
                f"SELECT embedding::text FROM {vector_table(report.generation)} "
                "WHERE face_id = 'late'"
            )
        ).scalar()
    assert late == "[0,0,1]"  # the late face has the new model's vector


def test_the_index_is_made_by_the_migration_and_no_ddl_runs_at_start(engine):
    row = PgGalleryRow(engine)
    first = row.bind(MODEL, Metric.COSINE)  # the very first start: an empty generation
    with engine.begin() as db:
        index = (
            db.execute(
                text("SELECT indexdef FROM pg_indexes WHERE tablename = :t"),
                {"t": vector_table(first.generation)},
            )
            .scalars()
            .all()
        )
        db.execute(text("CREATE TABLE ddl_log (tag text)"))
        db.execute(
            text(
                "CREATE FUNCTION log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ "
                "BEGIN INSERT INTO ddl_log SELECT command_tag "
                "FROM pg_event_trigger_ddl_commands(); END $$"
            )
        )
        db.execute(
            text("CREATE EVENT TRIGGER ddl_watch ON ddl_command_end EXECUTE FUNCTION log_ddl()")
        )
    assert any("hnsw" in d and "vector_cosine_ops" in d for d in index)
    again = Replica(engine)
    again.row.bind(MODEL, Metric.COSINE)  # every later start of every replica
    enroll(again, "f1", unit(1, 0, 0, 0))
    assert again.nearest(unit(1, 0, 0, 0), MODEL) == "E-f1"
    with engine.begin() as db:
        logged = db.execute(text("SELECT tag FROM ddl_log")).scalars().all()
        db.execute(text("DROP EVENT TRIGGER ddl_watch"))
    assert logged == []
