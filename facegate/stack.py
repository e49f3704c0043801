"""`make run`: the whole local stack in the foreground, stopped together on Ctrl-C."""

import os
import signal
import sys
import threading
from pathlib import Path

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
    from backend.infrastructure.pg_records import PgApiKeyStore

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
        port = int(os.environ.get("BACKEND_PORT", "8502"))
        host = os.environ.get("BACKEND_HOST", "127.0.0.1")
        stopping.append(start_backend(port, env, logs / "backend.log"))
        base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
        print(
            f"\nfacegate is running\n"
            f"  check-in page  {base}/checkin\n"
            f"  enroll page    {base}/enroll\n"
            f"  API            {base}/docs\n"
            f"  logs           {logs}\n",
            flush=True,
        )
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
