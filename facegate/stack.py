"""`make run`: the whole local stack in the foreground, supervised, stopped together on
Ctrl-C or SIGTERM."""

import json
import os
from pathlib import Path

from backend.config import BackendSettings
from facegate.certs import machine_names, write_certificates
from facegate.children import (
    S3Credentials,
    embedder_instances,
    one_machine_embedder,
    spawn_backend,
    spawn_embedder,
    spawn_s3,
)
from facegate.pg_child import prepare_postgres, stale_postmaster, stop_stale_postmaster
from facegate.processes import free_port, http_ok, port_answers, weed_ports
from facegate.supervisor import Child, Supervisor, clear_stale, run_in_foreground, say
from facegate_shared.paths import REPO_ROOT

STACK_FILE = "stack.json"


def local_storage_keys(var: Path) -> Path:
    """The photo sealing key of a local stack, made once beside its data (docs/privacy.md)."""
    from backend.bootstrap.commands import new_storage_key

    path = var / "storage.keys"
    if not path.exists():
        var.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(new_storage_key("local-1") + "\n")
    return path


def first_admin_key(settings: BackendSettings) -> str | None:
    """On a fresh data folder, an admin key to print once; None when keys exist."""
    from backend.bootstrap.commands import api_keys
    from backend.domain.model import Role

    with api_keys(settings) as keys:
        if keys.list():
            return None
        return keys.create("admin", Role.ADMIN)[1]


def run_stack() -> int:
    var = Path(os.environ.get("FACEGATE_VAR", REPO_ROOT / "var"))
    return run_in_foreground(lambda supervisor: start_stack(supervisor, var), [var / STACK_FILE])


def start_stack(supervisor: Supervisor, var: Path) -> None:
    """PostgreSQL, the S3 server, the embedder and the backend; then where to reach them."""
    env = start_dependencies(supervisor, var)
    settings = BackendSettings(**{k.lower(): v for k, v in env.items()})  # type: ignore[arg-type]
    key = first_admin_key(settings)
    if not settings.tls_cert.exists():
        # Browsers open the camera only on a secure origin: HTTPS from the first start.
        write_certificates(settings.tls_cert.parent)
    scheme = "https" if settings.tls_enabled else "http"
    port = settings.backend_port
    logs, run = var / "logs", var / "run"
    clear_stale("backend", run / "backend.pid", [port])
    supervisor.start(
        Child(
            "backend",
            lambda: spawn_backend(port, env, logs / "backend.log", run / "backend.pid"),
            lambda: http_ok(f"{scheme}://127.0.0.1:{port}/healthz"),
            start_timeout=180,
            ports=[port],
        )
    )
    write_stack_file(var, env, f"{scheme}://127.0.0.1:{port}")
    print(f"\nfacegate is running\n  logs           {logs}", flush=True)
    for base in _base_urls(scheme, settings.listen_host, port):
        print(f"  check-in page  {base}/checkin\n  enroll page    {base}/enroll", flush=True)
    print(f"  API docs       {scheme}://127.0.0.1:{port}/docs\n", flush=True)
    if scheme == "https":
        ca = settings.tls_cert.parent / "facegate-ca.crt"
        print(f"tablets: trust {ca} once (docs/pages.md)\n", flush=True)
    if key:
        print(f"first admin API key (shown once, keep it):\n{key}\n", flush=True)
    print("Ctrl-C stops everything.", flush=True)


def start_dependencies(supervisor: Supervisor, var: Path) -> dict[str, str]:
    """PostgreSQL, the S3 server and the embedder, each ours unless its URL is given."""
    env: dict[str, str] = {}
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
        check_database(env["DATABASE_URL"])
    else:
        env["DATABASE_URL"] = start_database(supervisor, var)
    print(f"database    {_safe(env['DATABASE_URL'])}", flush=True)
    if os.environ.get("S3_ENDPOINT"):
        env["S3_ENDPOINT"] = os.environ["S3_ENDPOINT"]
        for name in ("S3_ACCESS_KEY", "S3_SECRET_KEY"):
            if os.environ.get(name):
                env[name] = os.environ[name]
    else:
        s3_port = int(os.environ.get("FACEGATE_S3_PORT", "8333"))
        env.update(start_object_store(supervisor, var, s3_port))
    print(f"object store {env['S3_ENDPOINT']}", flush=True)
    if not (os.environ.get("STORAGE_KEYS") or os.environ.get("STORAGE_KEYS_FILE")):
        env["STORAGE_KEYS_FILE"] = str(local_storage_keys(var))
    if os.environ.get("EMBEDDER_URL"):
        env["EMBEDDER_URL"] = os.environ["EMBEDDER_URL"]
    else:
        embedder_port = int(os.environ.get("EMBEDDER_PORT", "8501"))
        print("embedder    loading the face model ...", flush=True)
        env["EMBEDDER_URL"] = start_embedders(
            supervisor, var, embedder_port, embedder_instances(one_machine_embedder())
        )
    print(f"embedder    {env['EMBEDDER_URL']}", flush=True)
    return env


def start_database(supervisor: Supervisor, var: Path) -> str:
    """Our own PostgreSQL on the data folder var/postgres; its URL (a Unix socket)."""
    logs, run = var / "logs", var / "run"
    data_dir = var / "postgres"
    stale = stale_postmaster(data_dir)
    if stale is not None:
        say(f"a stale PostgreSQL (pid {stale.pid}) from an earlier run is up; stopping it")
        stop_stale_postmaster(stale)
    setup = prepare_postgres(data_dir)
    supervisor.start(
        Child(
            "postgres",
            lambda: setup.spawn(logs / "postgres.log", run / "postgres.pid"),
            setup.ready,
            start_timeout=60,
        )
    )
    setup.create_database()
    return setup.url()


def start_object_store(supervisor: Supervisor, var: Path, s3_port: int) -> dict[str, str]:
    """Our own S3 server (weed mini) on var/s3; its endpoint and keys."""
    logs, run = var / "logs", var / "run"
    ports = weed_ports(s3_port)
    clear_stale("s3", run / "s3.pid", ports)
    credentials = S3Credentials.load_or_create(var / "s3-credentials.json")
    supervisor.start(
        Child(
            "s3",
            lambda: spawn_s3(var / "s3", s3_port, credentials, logs / "s3.log", run / "s3.pid"),
            lambda: port_answers(s3_port),
            start_timeout=60,
            ports=ports,
        )
    )
    return {
        "S3_ENDPOINT": f"http://127.0.0.1:{s3_port}",
        "S3_ACCESS_KEY": credentials.access_key,
        "S3_SECRET_KEY": credentials.secret_key,
    }


def embedder_child(var: Path, name: str, port: int, env: dict[str, str]) -> Child:
    """An embedder named `name` on 127.0.0.1:port, ready once its model is loaded."""
    logs, run = var / "logs", var / "run"
    clear_stale(name, run / f"{name}.pid", [port])
    return Child(
        name,
        lambda: spawn_embedder(port, env, logs / f"{name}.log", run / f"{name}.pid", name=name),
        lambda: http_ok(f"http://127.0.0.1:{port}/readyz"),
        start_timeout=180,
        ports=[port],
    )


def start_embedders(
    supervisor: Supervisor, var: Path, port: int, instances: list[dict[str, str]]
) -> str:
    """Start the embedder instances (embedder_instances) and wait for their model; the
    EMBEDDER_URL that lists them. One is "embedder" on `port`; several are "embedder-1"
    on `port` and the others on free ports."""
    if len(instances) == 1:
        supervisor.start(embedder_child(var, "embedder", port, instances[0]))
        return f"http://127.0.0.1:{port}"
    ports = [port]
    while len(ports) < len(instances):
        candidate = free_port()
        if candidate not in ports:
            ports.append(candidate)
    supervisor.start_together(
        [
            embedder_child(var, f"embedder-{n}", at, env)
            for n, (at, env) in enumerate(zip(ports, instances, strict=True), 1)
        ]
    )
    return ",".join(f"http://127.0.0.1:{at}" for at in ports)


def check_database(url: str) -> None:
    """One line, not a traceback, when the given database does not answer."""
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        raise RuntimeError(f"the database at {_safe(url)} is not reachable ({reason})") from None


def write_stack_file(var: Path, env: dict[str, str], backend_url: str) -> None:
    """var/stack.json: how the CLI reaches this stack when DATABASE_URL etc. are unset.
    It holds passwords, so only this user may read it."""
    path = var / STACK_FILE
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump({**{k: v for k, v in env.items()}, "BACKEND_URL": backend_url}, out, indent=2)


def _base_urls(scheme: str, host: str, port: int) -> list[str]:
    """Where people can reach the pages: every name of this machine when on all interfaces."""
    if host not in ("0.0.0.0", "::"):
        return [f"{scheme}://{host}:{port}"]
    names, addresses = machine_names()
    reachable = [n for n in names if n != "localhost"] + [
        a for a in addresses if ":" not in a and not a.startswith("127.")
    ]
    return [f"{scheme}://{n}:{port}" for n in ["127.0.0.1", *reachable]]


def _safe(url: str) -> str:
    """The URL without a password."""
    if "@" in url and ":" in url.split("@")[0].split("//")[-1]:
        scheme, rest = url.split("//", 1)
        user = rest.split(":", 1)[0]
        return f"{scheme}//{user}:***@{rest.split('@', 1)[1]}"
    return url
