"""Migration 0009 on a gallery made before it: vectors move into generation 1, whose HNSW
index the migration builds, so that no start has to."""

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from backend.domain.model import Metric
from backend.infrastructure.database import MIGRATIONS, make_engine, migrate
from backend.infrastructure.pg_gallery import PgGalleryRow, vector_table
from tests.integration.conftest import MODEL


def upgrade_to(engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_an_existing_gallery_moves_into_an_indexed_first_generation(database_url):
    engine = make_engine(database_url, pool_size=1)
    try:
        upgrade_to(engine, "0008")
        with engine.begin() as db:  # what a backend's start made before 0009 (euclidean)
            db.execute(
                text("INSERT INTO gallery (id, model, detector, dim) VALUES (1, 'Dlib', 'dlib', 4)")
            )
            db.execute(text("ALTER TABLE face ALTER COLUMN embedding TYPE vector(4)"))
            db.execute(
                text(
                    "CREATE INDEX face_embedding_vector_l2_ops ON face "
                    "USING hnsw (embedding vector_l2_ops)"
                )
            )
            db.execute(text("INSERT INTO employee (id, name) VALUES ('A', 'a')"))
            db.execute(
                text(
                    "INSERT INTO face (id, employee_id, embedding, model, detector, image_key, "
                    "quality) VALUES ('f1', 'A', '[1,0,0,0]', 'Dlib', 'dlib', 'k', '{}')"
                )
            )
        upgrade_to(engine, "0009")
        assert (migrate(engine) or "") >= "0009"  # and on to the head from there
        with engine.connect() as db:
            index = db.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = :i"),
                {"i": f"{vector_table(1)}_hnsw"},
            ).scalar_one()
            moved = db.execute(
                text(f"SELECT face_id, embedding::text FROM {vector_table(1)}")
            ).all()
            columns = (
                db.execute(
                    text(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_name = 'face'"
                    )
                )
                .scalars()
                .all()
            )
        assert "vector_l2_ops" in index and moved == [("f1", "[1,0,0,0]")]
        assert "embedding" not in columns
        # the start that follows binds nothing new: the row keeps its model and its metric
        state = PgGalleryRow(engine).bind(MODEL, Metric.COSINE)
        assert state.model is not None
        assert (state.model.model, state.metric, state.generation) == ("Dlib", Metric.EUCLIDEAN, 1)
    finally:
        engine.dispose()
