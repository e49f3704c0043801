"""`make run`: the whole local stack in the foreground, stopped together on Ctrl-C."""

import os
import signal
import sys
import threading
from pathlib import Path

from backend.config import BackendSettings
from facegate.certs import machine_names, write_certificates
from facegate.processes import (
    Process,
    S3Credentials,
    port_is_free,
    start_backend,
    start_embedder,
    start_postgres,
    start_s3,
)

REPO_ROOT = Path(__file__).resolve().parent.parent


def first_admin_key(database_url: str) -> str | None:
    """On a fresh data folder, an admin key to print once; None when keys exist."""
    from backend.domain.keys import ApiKeys
    from backend.domain.model import Role
    from backend.infrastructure.database import make_engine, migrate
    from backend.infrastructure.pg_keys import PgApiKeyStore

    engine = make_engine(database_url, pool_size=1)
    try:
        migrate(engine)
        keys = ApiKeys(store=PgApiKeyStore(engine))
        if keys.list():
            return None
        return keys.create("admin", Role.ADMIN)[1]
    finally:
        engine.dispose()


def run_stack() -> int:
    var = Path(os.environ.get("FACEGATE_VAR", REPO_ROOT / "var"))
    logs = var / "logs"
    stopping: list[Process] = []
    postgres = None
    env: dict[str, str] = {}
    try:
        if os.environ.get("DATABASE_URL"):
            env["DATABASE_URL"] = os.environ["DATABASE_URL"]
        else:
            postgres = start_postgres(var / "postgres")
            env["DATABASE_URL"] = postgres.url
        print(f"database    {_safe(env['DATABASE_URL'])}", flush=True)

        if os.environ.get("S3_ENDPOINT"):
            env["S3_ENDPOINT"] = os.environ["S3_ENDPOINT"]
        else:
            s3_port = int(os.environ.get("FACEGATE_S3_PORT", "8333"))
            if not port_is_free(s3_port):
                print(f"port {s3_port} is taken; set FACEGATE_S3_PORT", file=sys.stderr)
                return 1
            credentials = S3Credentials.load_or_create(var / "s3-credentials.json")
            stopping.append(start_s3(var / "s3", s3_port, credentials, logs / "s3.log"))
            env.update(
                S3_ENDPOINT=f"http://127.0.0.1:{s3_port}",
                S3_ACCESS_KEY=credentials.access_key,
                S3_SECRET_KEY=credentials.secret_key,
            )
        print(f"object store {env['S3_ENDPOINT']}", flush=True)

        if os.environ.get("EMBEDDER_URL"):
            env["EMBEDDER_URL"] = os.environ["EMBEDDER_URL"]
        else:
            embedder_port = int(os.environ.get("EMBEDDER_PORT", "8501"))
            print("embedder    loading the face model ...", flush=True)
            stopping.append(start_embedder(embedder_port, {}, logs / "embedder.log"))
            env["EMBEDDER_URL"] = f"http://127.0.0.1:{embedder_port}"
        print(f"embedder    {env['EMBEDDER_URL']}", flush=True)

        key = first_admin_key(env["DATABASE_URL"])
        settings = BackendSettings(**{k.lower(): v for k, v in env.items()})  # type: ignore[arg-type]
        if not settings.tls_cert.exists():
            # Browsers open the camera only on a secure origin: HTTPS from the first start.
            write_certificates(settings.tls_cert.parent)
        scheme = "https" if settings.tls_enabled else "http"
        port = settings.backend_port
        stopping.append(start_backend(port, env, logs / "backend.log", scheme))
        print(f"\nfacegate is running\n  logs           {logs}", flush=True)
        for base in _base_urls(scheme, settings.listen_host, port):
            print(f"  check-in page  {base}/checkin\n  enroll page    {base}/enroll", flush=True)
        print(f"  API docs       {scheme}://127.0.0.1:{port}/docs\n", flush=True)
        if scheme == "https":
            ca = settings.tls_cert.parent / "facegate-ca.crt"
            print(f"tablets: trust {ca} once (README: HTTPS)\n", flush=True)
        if key:
            print(f"first admin API key (shown once, keep it):\n{key}\n", flush=True)
        print("Ctrl-C stops everything.", flush=True)
        _wait_for_signal(stopping)
        return 0
    except RuntimeError as error:
        print(f"facegate: {error}", file=sys.stderr)
        return 1
    finally:
        for process in reversed(stopping):
            process.stop()
        if postgres is not None:
            postgres.stop()


def _base_urls(scheme: str, host: str, port: int) -> list[str]:
    """Where people can reach the pages: every name of this machine when on all interfaces."""
    if host not in ("0.0.0.0", "::"):
        return [f"{scheme}://{host}:{port}"]
    names, addresses = machine_names()
    reachable = [n for n in names if n != "localhost"] + [
        a for a in addresses if ":" not in a and not a.startswith("127.")
    ]
    return [f"{scheme}://{n}:{port}" for n in ["127.0.0.1", *reachable]]


def _wait_for_signal(children: list[Process]) -> None:
    """Block until Ctrl-C / SIGTERM, or until a child dies on its own."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(1.0):
        dead = [c for c in children if not c.alive()]
        if dead:
            print(f"{dead[0].name} stopped unexpectedly:\n{dead[0].log_tail()}", file=sys.stderr)
            return


def _safe(url: str) -> str:
    """The URL without a password."""
    if "@" in url and ":" in url.split("@")[0].split("//")[-1]:
        scheme, rest = url.split("//", 1)
        user = rest.split(":", 1)[0]
        return f"{scheme}//{user}:***@{rest.split('@', 1)[1]}"
    return url
