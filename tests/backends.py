"""Backends of the tests' own, on the session's PostgreSQL, S3 server and embedder: a fresh
database and bucket each, API keys made with the CLI, and the calls the tests make."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from facegate.children import start_backend
from facegate.processes import free_port
from tests.conftest import run_cli


@dataclass
class Stack:
    url: str
    admin_key: str
    kiosk_key: str
    env: dict[str, str]


def fresh_env(
    postgres: Any, s3: dict[str, str], embedder_url: str, session_dir: Path, label: str
) -> dict[str, str]:
    """A backend's settings on a database and a bucket no other test uses."""
    suffix = uuid.uuid4().hex[:8]
    postgres.server.psql(f"CREATE DATABASE {label}_{suffix};")
    return {
        "DATABASE_URL": postgres.url.replace("/facegate?", f"/{label}_{suffix}?"),
        "S3_ENDPOINT": s3["endpoint"],
        "S3_ACCESS_KEY": s3["access_key"],
        "S3_SECRET_KEY": s3["secret_key"],
        "S3_BUCKET": f"{label}-{suffix}",
        "EMBEDDER_URL": embedder_url,
        # no certificate: plain HTTP on loopback for the API tests
        "TLS_CERT": str(session_dir / "none.crt"),
        # These stacks test everything but consent, which tests/e2e/test_privacy.py tests
        # with the default (CONSENT_REQUIRED=true) on a backend of its own.
        "CONSENT_REQUIRED": "false",
    }


def create_key(env: dict[str, str], role: str, name: str) -> str:
    """A new API key, made with `facegate keys create` as an operator would."""
    created = run_cli("keys", "create", "--role", role, "--name", name, env=env)
    assert created.returncode == 0, created.stderr
    return created.stdout.strip()


@contextmanager
def running_backend(env: dict[str, str], log: Path, label: str) -> Iterator[Stack]:
    """A backend process on `env`, with an admin and a kiosk key; stopped after."""
    admin = create_key(env, "admin", f"admin-{label}")
    kiosk = create_key(env, "kiosk", f"kiosk-{label}")
    port = free_port()
    backend = start_backend(port, env, log)
    try:
        yield Stack(f"http://127.0.0.1:{port}", admin, kiosk, env)
    finally:
        backend.stop()


def as_admin(stack: Stack, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(
        method, stack.url + path, headers={"X-API-Key": stack.admin_key}, timeout=60, **kwargs
    )


def search(stack: Stack, image: bytes) -> dict[str, Any]:
    """A kiosk's check-in, answered as JSON."""
    answer: dict[str, Any] = httpx.post(
        stack.url + "/api/v1/employees/search",
        headers={"X-API-Key": stack.kiosk_key},
        files={"image": ("f.jpg", image)},
        timeout=60,
    ).json()
    return answer
