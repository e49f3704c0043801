"""The running stack: real PostgreSQL, S3 server, embedder and backend processes."""

import base64
import os
from collections.abc import Iterator

import pytest

from facegate.children import start_backend
from facegate.processes import free_port
from tests.backends import Stack, fresh_env, running_backend
from tests.e2e.oidc import SSO_IDLE_SECONDS, Provider, oidc_provider, sso_env


@pytest.fixture(scope="session")
def stack(postgres, s3, embedder_url, session_dir) -> Iterator[Stack]:
    env = {
        **fresh_env(postgres, s3, embedder_url, session_dir, "e2e"),
        # webhook retries in fractions of a second, so a receiver's outage is a short test
        "WEBHOOK_BACKOFF_BASE_SECONDS": "0.2",
        "WEBHOOK_BACKOFF_MAX_SECONDS": "2",
        "WEBHOOK_POLL_SECONDS": "0.2",
        # photos and snapshots sealed at rest, as `make run` seals them
        "STORAGE_KEYS": "e2e-1:" + base64.b64encode(os.urandom(32)).decode(),
    }
    with running_backend(env, session_dir / "backend.log", "e2e") as running:
        yield running


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


@pytest.fixture(scope="module")
def consenting(postgres, s3, embedder_url, session_dir) -> Iterator[Stack]:
    """A backend of its own that asks for consent (the product's default)."""
    env = {
        **fresh_env(postgres, s3, embedder_url, session_dir, "priv"),
        "CONSENT_REQUIRED": "true",
        "PRIVACY_CONTACT": "dpo@example.com",
        "RETENTION_INACTIVE_DAYS": "400",
    }
    log = session_dir / f"privacy-{env['S3_BUCKET']}.log"
    with running_backend(env, log, "priv") as running:
        yield running


@pytest.fixture(scope="session")
def oidc(session_dir) -> Iterator[Provider]:
    """A real OpenID provider process (oidc-provider-mock) with HR's people."""
    with oidc_provider(session_dir / "oidc-provider.log") as running:
        yield running


@pytest.fixture(scope="session")
def sso(stack, oidc, session_dir) -> Iterator[str]:
    """A backend on the stack's database with single sign-on against `oidc`; sessions end
    after SSO_IDLE_SECONDS without a request."""
    port = free_port()
    env = {**stack.env, **sso_env(oidc.issuer, SSO_IDLE_SECONDS)}
    backend = start_backend(port, env, session_dir / f"sso-{port}.log")
    yield f"http://127.0.0.1:{port}"
    backend.stop()
