"""PgFaceRepository and the record stores against real PostgreSQL + pgvector."""

import math

import pytest
from sqlalchemy import text

from backend.domain.errors import (
    DatabaseUnavailable,
    EmployeeNotFound,
    FaceAlreadyEnrolled,
    KeyNameTaken,
    ModelMismatch,
    PossibleDuplicate,
)
from backend.domain.gallery_state import GalleryState
from backend.domain.model import Liveness, Metric, ModelInfo, Role
from backend.infrastructure.database import MIGRATIONS, make_engine, migrate
from backend.infrastructure.pg_faces import PgFaceRepository
from backend.infrastructure.pg_gallery import PgGalleryRow, generation_tables, vector_table
from backend.infrastructure.pg_keys import PgApiKeyStore
from tests.integration.conftest import MODEL, bound_repository
from tests.integration.use_cases import admin, check_in, units
from tests.integration.use_cases import enroll as add
from tests.unit.fakes import FakeImageStore


def unit(*values: float) -> list[float]:
    norm = math.sqrt(sum(v * v for v in values))
    return [v / norm for v in values]


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def test_migrations_from_empty_create_every_table(engine):
    with engine.connect() as db:
        tables = set(
            db.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).scalars()
        )
        version = db.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert {"gallery", "employee", "face", "checkin", "api_key", "idempotency_key"} <= tables
    assert {"unknown_attempt", "webhook", "webhook_delivery"} <= tables
    assert {"liveness_secret", "liveness_challenge"} <= tables
    assert "rate_bucket" in tables
    assert {"audit_log", "audit_head", "audit_anchor", "storage_rotation"} <= tables
    assert {"employee_pin", "pin_lockout", "qr_token", "credential_secret"} <= tables
    assert {"consent_notice", "consent", "site", "employee_site"} <= tables
    assert {"scim_user", "scim_group", "scim_group_member"} <= tables
    assert {"sign_in_login", "sign_in_session"} <= tables
    assert version == head_revision() == "0018"
    migrate(engine)  # a second run is a no-op


def test_nearest_orders_by_distance_for_each_metric(repository):
    add(repository, "A", "a1", unit(1, 0, 0, 0))
    add(repository, "B", "b1", unit(0, 1, 0, 0))
    add(repository, "C", "c1", unit(1, 1, 0, 0))
    found = repository.nearest(unit(1, 0.1, 0, 0), repository.gallery, limit=3)
    assert [m.employee_id for m in found] == ["A", "C", "B"]
    cosine = 1 - sum(a * b for a, b in zip(unit(1, 0.1, 0, 0), unit(1, 0, 0, 0)))
    expected = math.sqrt(2 * cosine) if repository.metric is Metric.EUCLIDEAN else cosine
    assert found[0].distance == pytest.approx(expected, abs=1e-6)
    assert found[0].employee_name == "a"


def test_search_uses_the_hnsw_index(repository, engine):
    operator = {"cosine": "<=>", "euclidean": "<->", "inner_product": "<#>"}[repository.metric]
    table = vector_table(repository.gallery.generation)
    with engine.begin() as db:
        db.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            db.execute(
                text(
                    f"EXPLAIN SELECT face_id FROM {table} ORDER BY embedding {operator} "
                    "CAST('[1,0,0,0]' AS vector) LIMIT 1"
                )
            ).scalars()
        )
    assert f"{table}_hnsw" in plan


def test_guard_refuses_a_near_face_of_another_employee(repository):
    images = FakeImageStore()
    assert add(repository, "A", "a1", unit(1, 0, 0, 0), images=images) is None
    conflict = add(repository, "B", "b1", unit(1, 0.01, 0, 0), refuse=0.07, images=images)
    assert isinstance(conflict, FaceAlreadyEnrolled) and conflict.details["employee_id"] == "A"
    assert repository.get_employee("B") is None
    assert set(images.objects) == {"employees/A/a1.jpg"}  # the refused photo went again
    # the same employee's own faces never count as a conflict
    assert add(repository, "A", "a2", unit(1, 0.01, 0, 0), refuse=0.07) is None
    assert len(repository.faces_of("A")) == 2


def test_guard_asks_between_the_thresholds_and_records_a_confirmation(repository):
    add(repository, "A", "a1", unit(1, 0, 0, 0))
    near = unit(1, 0.2, 0, 0)  # cosine ~0.019, euclidean ~0.196 from A
    asked = add(repository, "B", "b1", near, refuse=0.001, ask=0.5)
    assert isinstance(asked, PossibleDuplicate) and asked.details["employee_id"] == "A"
    assert repository.get_employee("B") is None
    # HR's confirmation does not pass a face within the strict threshold ...
    refused = add(repository, "B", "b1", near, refuse=0.3, ask=0.5, confirmed=True)
    assert isinstance(refused, FaceAlreadyEnrolled)
    # ... but does between the two, and the look-alike and who confirmed are kept
    assert add(repository, "B", "b1", near, refuse=0.001, ask=0.5, confirmed=True) is None
    [face] = repository.faces_of("B")
    assert (face.confirmed_distinct_from, face.confirmed_by) == ("A", "hr")


def test_guard_leaves_nothing_to_confirm_when_nobody_looks_alike(repository):
    add(repository, "A", "a1", unit(1, 0, 0, 0))
    far = unit(0, 1, 0, 0)
    assert add(repository, "B", "b1", far, refuse=0.001, ask=0.01, confirmed=True) is None
    [face] = repository.faces_of("B")
    assert (face.confirmed_distinct_from, face.confirmed_by) == (None, None)


def test_delete_employee_cascades_to_faces_and_checkins(repository, engine):
    add(repository, "A", "a1", unit(1, 0, 0, 0))
    assert check_in(repository, unit(1, 0, 0, 0)).matched
    with units(engine)() as uow:
        stranger = uow.checkins.add(None, False, 0.5, "door")
        uow.commit()
    admin(repository).erase("A")
    with pytest.raises(EmployeeNotFound):
        admin(repository).erase("A")
    with engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM face")).scalar_one() == 0
        rows = db.execute(text("SELECT id FROM checkin")).scalars().all()
    assert rows == [stranger.checkin_id]


def test_gallery_refuses_another_model_once_it_has_faces(engine):
    repo = bound_repository(engine)
    add(repo, "A", "a1", unit(1, 0, 0, 0))
    row = PgGalleryRow(engine)
    with pytest.raises(ModelMismatch, match="EMBEDDER_MODEL=Dlib"):
        row.bind(ModelInfo("ArcFace", 512, "dlib"), Metric.COSINE)
    assert row.read().model == MODEL


def test_empty_gallery_adopts_a_new_model(engine):
    row = PgGalleryRow(engine)
    first = row.bind(MODEL, Metric.COSINE)
    adopted = row.bind(ModelInfo("ArcFace", 8, "dlib"), Metric.COSINE)
    assert adopted.model == ModelInfo("ArcFace", 8, "dlib")
    assert adopted.generation > first.generation
    with engine.connect() as db:  # the empty generation of the old model is gone
        tables = generation_tables(db)
    assert set(tables) == {adopted.generation}


def test_api_keys_store_hashes_only(engine):
    keys = PgApiKeyStore(engine)
    keys.create("door", Role.KIOSK, "a" * 64)
    with pytest.raises(KeyNameTaken):
        keys.create("door", Role.ADMIN, "b" * 64)
    found = keys.find("a" * 64)
    assert found is not None and found[0].role is Role.KIOSK
    assert found[0].liveness is Liveness.OFF
    changed = keys.set_liveness("door", Liveness.CHALLENGE)
    assert changed is not None and changed.liveness is Liveness.CHALLENGE
    assert [k.liveness for k in keys.list()] == [Liveness.CHALLENGE]
    assert keys.revoke("door") and keys.find("a" * 64) is None


def test_unreachable_database_is_database_unavailable(tmp_path):
    repo = PgFaceRepository(make_engine(f"postgresql://nobody@/x?host={tmp_path}"), 100)
    with pytest.raises(DatabaseUnavailable):
        repo.nearest(unit(1, 0, 0, 0), GalleryState(MODEL, Metric.COSINE, 1))


def test_one_sweeper_at_a_time_and_named_keys(engine):
    from backend.infrastructure.pg_sweep import PgSweptGallery

    first, second = PgSweptGallery(engine), PgSweptGallery(engine)
    with first.sweeping() as ours, second.sweeping() as theirs:
        assert (ours, theirs) == (True, False)
    with second.sweeping() as theirs:
        assert theirs
    assert first.image_keys_named(["employees/none.jpg"]) == set()
