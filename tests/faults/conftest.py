"""Fault tests: real processes killed at chosen moments."""

import uuid

import pytest
from sqlalchemy import text

from backend.infrastructure.database import make_engine
from backend.infrastructure.s3_store import S3ImageStore
from tests.conftest import run_cli


@pytest.fixture
def backend_env(postgres, s3, embedder_url, session_dir) -> dict[str, str]:
    """A fresh database and bucket on the session's services, with an admin key."""
    database = "fault_" + uuid.uuid4().hex[:8]
    postgres.server.psql(f"CREATE DATABASE {database};")
    env = {
        "DATABASE_URL": postgres.url.replace("/facegate?", f"/{database}?"),
        "S3_ENDPOINT": s3["endpoint"],
        "S3_ACCESS_KEY": s3["access_key"],
        "S3_SECRET_KEY": s3["secret_key"],
        "S3_BUCKET": "fault-" + uuid.uuid4().hex[:8],
        "EMBEDDER_URL": embedder_url,
        "TLS_CERT": str(session_dir / "none.crt"),
    }
    created = run_cli("keys", "create", "--role", "admin", "--name", "admin-fault", env=env)
    assert created.returncode == 0, created.stderr
    env["ADMIN_KEY"] = created.stdout.strip()
    return env


def store_of(env: dict[str, str]) -> S3ImageStore:
    return S3ImageStore(
        env["S3_ENDPOINT"], env["S3_ACCESS_KEY"], env["S3_SECRET_KEY"], env["S3_BUCKET"]
    )


def face_keys(database_url: str) -> set[str]:
    engine = make_engine(database_url, pool_size=1)
    try:
        with engine.connect() as db:
            return set(db.execute(text("SELECT image_key FROM face")).scalars())
    finally:
        engine.dispose()
