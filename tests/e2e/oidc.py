"""A real OpenID Connect provider for the sign-in tests: oidc-provider-mock (PyPI) as a
process on loopback, with HR's admin, an enroller and someone in no allowed group."""

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from backend.infrastructure.database import sqlalchemy_url
from facegate.processes import free_port, spawn, wait_until_ready

PEOPLE = [
    {"sub": "alice", "name": "Alice Admin", "groups": ["staff", "facegate-admin"]},
    {"sub": "erin", "name": "Erin Enroller", "groups": ["facegate-enroll"]},
    {"sub": "mallory", "name": "Mallory Outsider", "groups": ["staff"]},
]
CLIENT_ID = "facegate"
CLIENT_SECRET = "facegate-test-secret"
SSO_IDLE_SECONDS = 5


@dataclass
class Provider:
    issuer: str


@contextmanager
def oidc_provider(log: Path) -> Iterator[Provider]:
    """The provider's process, stopped by its pid after."""
    port = free_port()
    command = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port)]
    for person in PEOPLE:
        command += ["--user-claims", json.dumps(person)]
    process = spawn("oidc-provider-mock", command, {}, log)
    issuer = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, issuer + "/.well-known/openid-configuration", timeout=60)
        yield Provider(issuer)
    finally:
        process.stop()


def sso_env(issuer: str, idle_seconds: int) -> dict[str, str]:
    """A backend's settings for single sign-on against `issuer` (plain HTTP on loopback)."""
    return {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "SESSION_IDLE_SECONDS": str(idle_seconds),
        "SESSION_COOKIE_SECURE": "false",
        "ADMIN_KEYS_ON_PAGES": "false",
    }


def wait_until_idle(database_url: str, seconds: int) -> None:
    """Until every session's last use is `seconds` old on the database's clock (asking the
    backend would use the session and keep it alive)."""
    engine = create_engine(sqlalchemy_url(database_url))
    deadline = time.monotonic() + seconds * 4
    try:
        while time.monotonic() < deadline:
            with engine.connect() as db:
                fresh = db.execute(
                    text(
                        "SELECT count(*) FROM sign_in_session "
                        "WHERE last_seen_at > now() - make_interval(secs => :s)"
                    ),
                    {"s": seconds},
                ).scalar_one()
            if fresh == 0:
                return
            time.sleep(0.2)
    finally:
        engine.dispose()
    raise AssertionError("the sessions never became idle")
