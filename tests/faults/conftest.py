"""Fault tests: real processes killed at chosen moments."""

import pytest
from sqlalchemy import text

from backend.bootstrap.opening import image_store, open_database
from backend.config import BackendSettings
from backend.infrastructure.sealed_store import SealedImageStore
from tests.backends import create_key, fresh_env


@pytest.fixture
def backend_env(postgres, s3, embedder_url, session_dir) -> dict[str, str]:
    """A fresh database and bucket on the session's services, with an admin key."""
    env = fresh_env(postgres, s3, embedder_url, session_dir, "fault")
    env["ADMIN_KEY"] = create_key(env, "admin", "admin-fault")
    return env


def settings_of(env: dict[str, str]) -> BackendSettings:
    return BackendSettings(**{k.lower(): v for k, v in env.items() if k != "ADMIN_KEY"})  # type: ignore[arg-type]


def store_of(env: dict[str, str]) -> SealedImageStore:
    return image_store(settings_of(env))


def face_keys(database_url: str) -> set[str]:
    engine = open_database(BackendSettings(database_url=database_url), pool_size=1)
    try:
        with engine.connect() as db:
            return set(db.execute(text("SELECT image_key FROM face")).scalars())
    finally:
        engine.dispose()
