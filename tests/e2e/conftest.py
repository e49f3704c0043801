"""The running stack: real PostgreSQL, S3 server, embedder and backend processes."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from facegate.processes import free_port, start_backend
from tests.conftest import run_cli


@dataclass
class Stack:
    url: str
    admin_key: str
    kiosk_key: str
    env: dict[str, str]


@pytest.fixture(scope="session")
def stack(postgres, s3, embedder_url, session_dir) -> Iterator[Stack]:
    database = "e2e_" + uuid.uuid4().hex[:8]
    postgres.server.psql(f"CREATE DATABASE {database};")
    env = {
        "DATABASE_URL": postgres.url.replace("/facegate?", f"/{database}?"),
        "S3_ENDPOINT": s3["endpoint"],
        "S3_ACCESS_KEY": s3["access_key"],
        "S3_SECRET_KEY": s3["secret_key"],
        "S3_BUCKET": "e2e-" + uuid.uuid4().hex[:8],
        "EMBEDDER_URL": embedder_url,
        # no certificate: plain HTTP on loopback for the API tests
        "TLS_CERT": str(session_dir / "none.crt"),
        # webhook retries in fractions of a second, so a receiver's outage is a short test
        "WEBHOOK_BACKOFF_BASE_SECONDS": "0.2",
        "WEBHOOK_BACKOFF_MAX_SECONDS": "2",
        "WEBHOOK_POLL_SECONDS": "0.2",
    }
    keys = {}
    for role in ("admin", "kiosk"):
        created = run_cli("keys", "create", "--role", role, "--name", f"{role}-e2e", env=env)
        assert created.returncode == 0, created.stderr
        keys[role] = created.stdout.strip()
    port = free_port()
    backend = start_backend(port, env, session_dir / "backend.log")
    yield Stack(f"http://127.0.0.1:{port}", keys["admin"], keys["kiosk"], env)
    backend.stop()


@pytest.fixture(scope="module")
def cautious_backend(stack, session_dir) -> Iterator[str]:
    """A second backend on the same gallery that refuses look-alikes outright only below
    0.05: photos of one person then land between that and the match threshold, where
    enrollment asks HR (possible_duplicate) instead of refusing."""
    port = free_port()
    env = {**stack.env, "DUPLICATE_THRESHOLD": "0.05"}
    backend = start_backend(port, env, session_dir / f"cautious-{port}.log")
    yield f"http://127.0.0.1:{port}"
    backend.stop()
