"""`facegate run --backends N --embedders M`: the local cluster. One PostgreSQL, PgBouncer in
transaction mode before it, one S3 server, M embedders, N backends and HAProxy in front of
the backends and of the embedders, all on loopback, supervised like `make run` (a child
that dies is restarted; Ctrl-C or SIGTERM stops everything, by pid)."""

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from backend.config import BackendSettings
from facegate.certs import write_certificates
from facegate.children import spawn_backend
from facegate.haproxy import (
    Balancer,
    check_haproxy_config,
    haproxy_config,
    spawn_haproxy,
    write_pem,
)
from facegate.pgbouncer import PgBouncer, prepare_pgbouncer
from facegate.processes import free_port, free_weed_port, http_ok, port_answers
from facegate.stack import (
    STACK_FILE,
    _base_urls,
    embedder_child,
    first_admin_key,
    start_database,
    start_object_store,
    write_stack_file,
)
from facegate.supervisor import Child, Supervisor, clear_stale, run_in_foreground
from facegate_shared.paths import REPO_ROOT

TOPOLOGY_FILE = "cluster.json"


@dataclass
class Cluster:
    """What a started cluster is made of: the URLs the tests and the bench use."""

    folder: Path
    balancer: Balancer
    pgbouncer: PgBouncer
    direct_database_url: str  # PostgreSQL itself, past the pooler (admin only)
    backend_urls: list[str]
    embedder_urls: list[str]
    backend_env: dict[str, str]
    extra: dict[str, object] = field(default_factory=dict)  # more for cluster.json (HA parts)


def cluster_folder(name: str = "cluster") -> Path:
    """var/cluster (var/ha for `--ha`, under FACEGATE_VAR): its own data, apart from
    `make run`'s and from each other's."""
    return Path(os.environ.get("FACEGATE_VAR", REPO_ROOT / "var")) / name


def start_cluster(supervisor: Supervisor, folder: Path, backends: int, embedders: int) -> Cluster:
    """Start every part in order, each ready before what needs it; the backends together."""
    direct_url = start_database(supervisor, folder)
    socket_dir = Path(direct_url.split("host=", 1)[1])
    user = "embedded_postgres" if os.geteuid() == 0 else None
    bouncer = prepare_pgbouncer(folder / "pgbouncer", free_port(), socket_dir, user)
    start_pgbouncer(supervisor, folder, bouncer)
    s3_port = int(os.environ.get("FACEGATE_S3_PORT", "0")) or free_weed_port()
    shared = start_object_store(supervisor, folder, s3_port)
    say_line("database", f"PostgreSQL behind PgBouncer 127.0.0.1:{bouncer.port} (transaction)")
    say_line("object store", shared["S3_ENDPOINT"])
    return start_replicas(supervisor, folder, shared, bouncer, direct_url, backends, embedders)


def start_pgbouncer(supervisor: Supervisor, folder: Path, bouncer: PgBouncer) -> None:
    logs, run = folder / "logs", folder / "run"
    clear_stale("pgbouncer", run / "pgbouncer.pid", [bouncer.port])
    supervisor.start(
        Child(
            "pgbouncer",
            lambda: bouncer.spawn(logs / "pgbouncer.log", run / "pgbouncer.pid"),
            lambda: port_answers(bouncer.port),
            start_timeout=30,
            ports=[bouncer.port],
        )
    )


def start_replicas(
    supervisor: Supervisor,
    folder: Path,
    shared: dict[str, str],
    bouncer: PgBouncer,
    direct_url: str,
    backends: int,
    embedders: int,
) -> Cluster:
    """The embedders, the backends (through `bouncer`) and HAProxy in front of them, once
    the database and the object store (`shared`: S3 settings) serve."""
    logs, run = folder / "logs", folder / "run"
    settings = BackendSettings()
    # One model worker per embedder instance: the cluster scales by instances. Several on
    # one machine share its cores, so their ONNX Runtime threads do not spin
    # (EmbedderSettings.spin).
    embedder_env = {"EMBEDDER_PROCESSES": "1", "EMBEDDER_SPIN": str(embedders == 1).lower()}
    embedder_ports = [free_port() for _ in range(embedders)]
    print(f"{'embedders':<13}loading the face model in {embedders} ...", flush=True)
    supervisor.start_together(
        [
            embedder_child(folder, f"embedder-{n}", port, embedder_env)
            for n, port in enumerate(embedder_ports, 1)
        ]
    )
    embedder_urls = [f"http://127.0.0.1:{port}" for port in embedder_ports]
    shared.update(
        EMBEDDER_URL=",".join(embedder_urls),  # the backends spread requests over them
        DATABASE_POOLER="transaction",
        BACKEND_HOST="127.0.0.1",
        # HAProxy terminates TLS; behind it the backends speak plain HTTP on loopback.
        TLS_CERT=str(folder / "no-tls" / "backend.crt"),
        TLS_KEY=str(folder / "no-tls" / "backend.key"),
    )
    backend_ports = [free_port() for _ in range(backends)]
    supervisor.start_together(
        [backend_child(folder, n, port, shared, bouncer) for n, port in enumerate(backend_ports, 1)]
    )

    if not settings.tls_cert.exists():
        # Browsers open the camera only on a secure origin: HTTPS from the first start.
        write_certificates(settings.tls_cert.parent)
        settings = BackendSettings()  # listen_host follows TLS
    pem = write_pem(settings.tls_cert, settings.tls_key, folder / "haproxy")
    balancer = Balancer(
        host=settings.listen_host,
        port=settings.backend_port,
        backend_ports=backend_ports,
        embedder_port=free_port(),
        embedder_ports=embedder_ports,
        stats_port=free_port(),
        pem=pem,
    )
    config = folder / "haproxy" / "haproxy.cfg"
    config.write_text(haproxy_config(balancer))
    check_haproxy_config(config)
    ports = [balancer.port, balancer.embedder_port, balancer.stats_port]
    clear_stale("haproxy", run / "haproxy.pid", ports)
    supervisor.start(
        Child(
            "haproxy",
            lambda: spawn_haproxy(config, logs / "haproxy.log", run / "haproxy.pid"),
            lambda: http_ok(f"{balancer.url}/readyz"),
            start_timeout=30,
            ports=ports,
        )
    )
    backend_env = {**shared, "DATABASE_URL": bouncer.url()}
    backend_urls = [f"http://127.0.0.1:{port}" for port in backend_ports]
    return Cluster(folder, balancer, bouncer, direct_url, backend_urls, embedder_urls, backend_env)


def backend_child(
    folder: Path, n: int, port: int, shared: dict[str, str], bouncer: PgBouncer
) -> Child:
    """Backend n through PgBouncer, named in its connections' application_name."""
    name = f"backend-{n}"
    env = {**shared, "DATABASE_URL": bouncer.url(f"facegate-{name}")}
    clear_stale(name, folder / "run" / f"{name}.pid", [port])
    logs, run = folder / "logs", folder / "run"
    return Child(
        name,
        lambda: spawn_backend(port, env, logs / f"{name}.log", run / f"{name}.pid", name=name),
        lambda: http_ok(f"http://127.0.0.1:{port}/readyz"),
        start_timeout=180,
        ports=[port],
    )


Starter = Callable[[Supervisor, Path, int, int], Cluster]


def run_cluster(
    backends: int, embedders: int, starter: Starter = start_cluster, folder: Path | None = None
) -> int:
    """The foreground command: start, print where it is, supervise until stopped."""
    folder = folder or cluster_folder()

    def start(supervisor: Supervisor) -> None:
        cluster = starter(supervisor, folder, backends, embedders)
        # Through PgBouncer too, like the backends (the schema is at head by now).
        given = {k.lower(): v for k, v in cluster.backend_env.items()}
        key = first_admin_key(BackendSettings(**given))  # type: ignore[arg-type]
        write_stack_file(folder, cluster.backend_env, cluster.balancer.url)
        write_topology(cluster)
        print_cluster(cluster, key)

    return run_in_foreground(start, [folder / STACK_FILE, folder / TOPOLOGY_FILE])


def write_topology(cluster: Cluster) -> None:
    """var/cluster/cluster.json: where each part listens (no secrets), for tests and bench."""
    balancer = cluster.balancer
    topology = {
        "url": balancer.url,
        "stats_url": f"http://127.0.0.1:{balancer.stats_port}/stats",
        "embedder_balancer_url": f"http://127.0.0.1:{balancer.embedder_port}",
        "backends": cluster.backend_urls,
        "embedders": cluster.embedder_urls,
        "pgbouncer_port": cluster.pgbouncer.port,
        **cluster.extra,
    }
    (cluster.folder / TOPOLOGY_FILE).write_text(json.dumps(topology, indent=2))


def print_cluster(cluster: Cluster, key: str | None) -> None:
    balancer = cluster.balancer
    scheme = "https" if balancer.pem else "http"
    backends, embedders = len(cluster.backend_urls), len(cluster.embedder_urls)
    counts = (
        f"{backends} backend{'s' * (backends != 1)}, {embedders} embedder{'s' * (embedders != 1)}"
    )
    print(f"\nfacegate cluster is running ({counts})")
    print(f"  logs           {cluster.folder / 'logs'}")
    for base in _base_urls(scheme, balancer.host, balancer.port):
        print(f"  check-in page  {base}/checkin\n  enroll page    {base}/enroll")
    print(f"  API docs       {balancer.url}/docs")
    print(f"  balancer stats http://127.0.0.1:{balancer.stats_port}/stats")
    print(f"  embedders      http://127.0.0.1:{balancer.embedder_port} (HAProxy)")
    print(f"  CLI            FACEGATE_VAR={cluster.folder} facegate keys ... (this cluster)\n")
    if key:
        print(f"first admin API key (shown once, keep it):\n{key}\n")
    print("Ctrl-C stops everything.", flush=True)


def say_line(label: str, value: str) -> None:
    print(f"{label:<13}{value}", flush=True)
