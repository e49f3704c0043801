"""Fixtures for adapters against the real PostgreSQL+pgvector and the real S3 server."""

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from backend.domain.gallery_state import GalleryState
from backend.domain.model import Metric, ModelInfo
from backend.infrastructure.database import make_engine, migrate
from backend.infrastructure.pg_employees import PgEmployees
from backend.infrastructure.pg_faces import PgFaceRepository
from backend.infrastructure.pg_gallery import PgGalleryRow
from backend.infrastructure.s3_store import S3ImageStore

MODEL = ModelInfo("Dlib", 4, "dlib", {"cosine": 0.07, "euclidean_l2": 0.4})


@pytest.fixture
def database_url(postgres) -> str:
    """A new, empty database on the session's PostgreSQL server."""
    name = "t_" + uuid.uuid4().hex[:12]
    postgres.server.psql(f"CREATE DATABASE {name};")
    return postgres.url.replace("/facegate?", f"/{name}?")


@pytest.fixture
def engine(database_url) -> Iterator[object]:
    engine = make_engine(database_url, pool_size=2)
    migrate(engine)
    yield engine
    engine.dispose()


class BoundRepository(PgFaceRepository, PgEmployees):
    """Both face adapters on a gallery bound to MODEL, knowing the row (the state every
    search and enrollment names) and its metric."""

    def __init__(self, engine: Engine, metric: Metric) -> None:
        super().__init__(engine, ef_search=100)
        self.engine = engine
        self.gallery: GalleryState = PgGalleryRow(engine).bind(MODEL, metric)
        self.metric = metric


def bound_repository(engine: Engine, metric: Metric = Metric.COSINE) -> BoundRepository:
    return BoundRepository(engine, metric)


@pytest.fixture(params=list(Metric))
def repository(request, engine) -> BoundRepository:
    return bound_repository(engine, request.param)


@pytest.fixture
def store(s3) -> S3ImageStore:
    bucket = "t-" + uuid.uuid4().hex[:12]
    images = S3ImageStore(s3["endpoint"], s3["access_key"], s3["secret_key"], bucket)
    images.ensure_bucket()
    return images
