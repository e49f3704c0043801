"""How each real adapter is opened from the settings, one function apiece: `connect`
(bootstrap/adapters.py) opens them all for a running backend, the commands only those
they need."""

import time

from sqlalchemy import Engine

from backend.config import BackendSettings
from backend.domain.errors import EmbedderUnavailable, StorageUnavailable
from backend.domain.model import ModelInfo
from backend.domain.ports import Embedder, IdentityProvider
from backend.domain.unit_of_work import UnitOfWorkFactory
from backend.infrastructure.database import make_engine, migrate, transaction
from backend.infrastructure.http_embedder import HttpEmbedder
from backend.infrastructure.oidc_provider import AuthlibProvider
from backend.infrastructure.pg_faces import PgFaceRepository
from backend.infrastructure.pg_gallery import PgGalleryRow
from backend.infrastructure.pg_generations import PgGenerations
from backend.infrastructure.pg_unit_of_work import PgUnitOfWork
from backend.infrastructure.s3_store import S3ImageStore
from backend.infrastructure.sealed_store import SealedImageStore
from backend.infrastructure.sealing import StorageKeyError, keyring


def open_database(settings: BackendSettings, pool_size: int | None = None) -> Engine:
    """The engine, with the schema migrated (under the migration lock: replica-safe)."""
    engine = make_engine(
        settings.database_url, pool_size or settings.db_pool_size, settings.database_pooler
    )
    try:
        with transaction(engine):  # DatabaseUnavailable here names the problem
            pass
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def image_store(settings: BackendSettings) -> SealedImageStore:
    """The object store, sealing photos with the storage keys of the settings."""
    try:
        keys = keyring(settings.storage_keys, settings.storage_keys_file, settings.storage_key_id)
    except StorageKeyError as error:
        raise StorageUnavailable(str(error)) from None
    return SealedImageStore(raw_image_store(settings), keys)


def raw_image_store(settings: BackendSettings) -> S3ImageStore:
    """The object store as it is, objects as stored (sealed or not)."""
    return S3ImageStore(
        settings.s3_endpoint,
        settings.s3_access_key,
        settings.s3_secret_key,
        settings.s3_bucket,
    )


def embedder_client(settings: BackendSettings) -> HttpEmbedder:
    return HttpEmbedder(settings.embedder_url, settings.embedder_timeout)


def face_repository(engine: Engine, settings: BackendSettings) -> PgFaceRepository:
    return PgFaceRepository(engine, settings.hnsw_ef_search)


def units_of_work(
    engine: Engine, settings: BackendSettings, images: SealedImageStore
) -> UnitOfWorkFactory:
    """Units of work whose check-ins hold their snapshots sealed as `images` stores them."""
    return lambda: PgUnitOfWork(engine, settings.hnsw_ef_search, images.sealed)


def gallery_row(engine: Engine, settings: BackendSettings) -> PgGalleryRow:
    return PgGalleryRow(engine, settings.match_metric)


def generations(engine: Engine) -> PgGenerations:
    return PgGenerations(engine)


def identity_provider(settings: BackendSettings) -> IdentityProvider | None:
    """The OpenID Connect provider when OIDC_ISSUER is set (read at the first sign-in)."""
    if not settings.oidc_issuer:
        return None
    return AuthlibProvider(
        settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret
    )


def wait_for_model(embedder: Embedder, timeout: float) -> ModelInfo:
    """The embedder's model, waiting while it loads (it may start after the backend)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return embedder.model_info()
        except EmbedderUnavailable:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)
