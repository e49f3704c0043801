"""`facegate run --ha`: the local cluster with its database and object store replicated.
A three-member etcd, three PostgreSQL nodes under Patroni (synchronous replication), HAProxy
sending PgBouncer to whichever node Patroni calls the primary, SeaweedFS with a master,
three volume servers (two copies of each object), a filer and its S3 gateway; then the
embedders, backends and their HAProxy as in `facegate run --backends N`. Everything on
loopback, supervised (docs/ha.md)."""

import os
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from facegate.children import S3Credentials
from facegate.cluster import Cluster, PgBouncer, say_line, start_pgbouncer, start_replicas
from facegate.etcd_child import EtcdMember, member_healthy, spawn_member
from facegate.ha_ports import HaPorts, ports_for
from facegate.haproxy import check_haproxy_config, postgres_haproxy_config, spawn_postgres_haproxy
from facegate.patroni_child import (
    SUPERUSER,
    Passwords,
    PatroniNode,
    is_leader,
    is_running,
    prepare_node,
    run_as,
    spawn_node,
)
from facegate.pg_child import stale_postmaster, stop_stale_postmaster
from facegate.pgbouncer import DATABASE, prepare_pgbouncer
from facegate.processes import Process, port_answers
from facegate.seaweed_cluster import spawn_filer, spawn_master, spawn_s3_gateway, spawn_volume
from facegate.supervisor import Child, Supervisor, clear_stale


def etcd_members(folder: Path, ports: HaPorts) -> list[EtcdMember]:
    return [
        EtcdMember(f"etcd-{n}", client, peer, folder / "etcd" / f"etcd-{n}")
        for n, (client, peer) in enumerate(ports.etcd, 1)
    ]


def patroni_nodes(folder: Path, ports: HaPorts) -> list[PatroniNode]:
    return [
        PatroniNode(f"pg-{n}", pg_port, rest_port, folder / "patroni" / f"pg-{n}")
        for n, (pg_port, rest_port) in enumerate(ports.postgres, 1)
    ]


def child(
    folder: Path,
    name: str,
    spawn: Callable[[], Process],
    ready: Callable[[], bool],
    ports: list[int],
) -> Child:
    """A supervised part with its pid file, its log and a hold file (see Supervisor)."""
    run = folder / "run"
    clear_stale(name, run / f"{name}.pid", ports)
    hold = run / f"{name}.hold"
    return Child(name, spawn, ready, start_timeout=180, ports=ports, hold_file=hold)


def start_etcd(supervisor: Supervisor, folder: Path, ports: HaPorts) -> list[EtcdMember]:
    members = etcd_members(folder, ports)
    logs, run = folder / "logs", folder / "run"

    def member_child(m: EtcdMember) -> Child:
        def spawn() -> Process:
            return spawn_member(m, members, logs / f"{m.name}.log", run / f"{m.name}.pid")

        return child(folder, m.name, spawn, lambda: member_healthy(m), [m.client_port, m.peer_port])

    supervisor.start_together([member_child(m) for m in members])
    return members


def start_postgres_nodes(
    supervisor: Supervisor, folder: Path, ports: HaPorts, members: list[EtcdMember]
) -> tuple[list[PatroniNode], Passwords]:
    """The three nodes together: one bootstraps, the others copy it and follow."""
    passwords = Passwords.load_or_create(folder / "patroni" / "passwords.json")
    hosts = [f"127.0.0.1:{m.client_port}" for m in members]
    user = run_as()
    nodes = patroni_nodes(folder, ports)
    logs, run = folder / "logs", folder / "run"

    def node_child(node: PatroniNode) -> Child:
        stale = stale_postmaster(node.folder / "data")
        if stale is not None:  # a PostgreSQL whose Patroni was killed in an earlier run
            stop_stale_postmaster(stale)
        prepare_node(node, hosts, passwords, user)

        def spawn() -> Process:
            return spawn_node(node, logs / f"{node.name}.log", run / f"{node.name}.pid", user)

        return child(
            folder, node.name, spawn, lambda: is_running(node), [node.pg_port, node.rest_port]
        )

    supervisor.start_together([node_child(node) for node in nodes])
    return nodes, passwords


def start_postgres_entry(
    supervisor: Supervisor, folder: Path, ports: HaPorts, nodes: list[PatroniNode]
) -> None:
    """HAProxy to the leader; ready once some node leads."""
    config = folder / "haproxy-postgres" / "haproxy.cfg"
    config.parent.mkdir(parents=True, exist_ok=True)
    members = [(n.name, n.pg_port, n.rest_port) for n in nodes]
    config.write_text(postgres_haproxy_config(ports.postgres_entry, ports.postgres_stats, members))
    check_haproxy_config(config)
    logs, run = folder / "logs", folder / "run"

    def ready() -> bool:
        return port_answers(ports.postgres_entry) and any(is_leader(n) for n in nodes)

    supervisor.start(
        child(
            folder,
            "haproxy-postgres",
            lambda: spawn_postgres_haproxy(
                config, logs / "haproxy-postgres.log", run / "haproxy-postgres.pid"
            ),
            ready,
            [ports.postgres_entry, ports.postgres_stats],
        )
    )


def create_database(url: str, timeout: float = 60) -> None:
    """The facegate database on the leader (Patroni's bootstrap makes only `postgres`)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=3) as db:
                found = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
                if found.fetchone() is None:
                    db.execute(f'CREATE DATABASE "{DATABASE}"')
                return
        except psycopg.Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def start_object_store(supervisor: Supervisor, folder: Path, ports: HaPorts) -> dict[str, str]:
    """The SeaweedFS master, its volume servers together, then the filer with S3."""
    weed, store = ports.weed, folder / "seaweed"
    logs, run = folder / "logs", folder / "run"
    credentials = S3Credentials.load_or_create(folder / "s3-credentials.json")
    supervisor.start(
        child(
            folder,
            "weed-master",
            lambda: spawn_master(weed, store, logs / "weed-master.log", run / "weed-master.pid"),
            lambda: port_answers(weed.master[0]),
            list(weed.master),
        )
    )

    def volume_child(n: int) -> Child:
        name = f"weed-volume-{n}"

        def spawn() -> Process:
            return spawn_volume(n, weed, store, logs / f"{name}.log", run / f"{name}.pid", name)

        return child(
            folder,
            name,
            spawn,
            lambda: port_answers(weed.volumes[n - 1][0]),
            list(weed.volumes[n - 1]),
        )

    supervisor.start_together([volume_child(n) for n in range(1, len(weed.volumes) + 1)])
    supervisor.start(
        child(
            folder,
            "weed-filer",
            lambda: spawn_filer(weed, store, logs / "weed-filer.log", run / "weed-filer.pid"),
            lambda: port_answers(weed.filer[0]),
            list(weed.filer),
        )
    )
    supervisor.start(
        child(
            folder,
            "weed-s3",
            lambda: spawn_s3_gateway(weed, credentials, logs / "weed-s3.log", run / "weed-s3.pid"),
            lambda: port_answers(weed.s3[0]),
            list(weed.s3),
        )
    )
    return {
        "S3_ENDPOINT": f"http://127.0.0.1:{weed.s3[0]}",
        "S3_ACCESS_KEY": credentials.access_key,
        "S3_SECRET_KEY": credentials.secret_key,
    }


def start_ha_cluster(
    supervisor: Supervisor, folder: Path, backends: int, embedders: int
) -> Cluster:
    """Start every part in order, each ready before what needs it."""
    ports = ports_for(folder)
    members = start_etcd(supervisor, folder, ports)
    say_line("etcd", ", ".join(m.client_url for m in members))
    nodes, passwords = start_postgres_nodes(supervisor, folder, ports, members)
    start_postgres_entry(supervisor, folder, ports, nodes)
    login, port = f"{SUPERUSER}:{passwords.superuser}", ports.postgres_entry
    entry = f"host=127.0.0.1 port={port} user={SUPERUSER} password={passwords.superuser}"
    direct_url = f"postgresql://{login}@127.0.0.1:{port}/{DATABASE}"
    create_database(f"postgresql://{login}@127.0.0.1:{port}/postgres")
    bouncer: PgBouncer = prepare_pgbouncer(
        folder / "pgbouncer", ports.pgbouncer, None, run_as(), entry
    )
    start_pgbouncer(supervisor, folder, bouncer)
    say_line(
        "database",
        f"Patroni {', '.join(n.rest_url for n in nodes)}, leader at 127.0.0.1:{port}",
    )
    say_line("", f"PgBouncer 127.0.0.1:{bouncer.port} (transaction) before it")
    shared = start_object_store(supervisor, folder, ports)
    say_line(
        "object store",
        f"{shared['S3_ENDPOINT']} (SeaweedFS, {len(ports.weed.volumes)} volume servers)",
    )
    # The blip rule (backend/domain/readiness.py): a leader change (Patroni's TTL of 20 s,
    # then a promotion) must not take every backend out of the balancer at once.
    shared["READY_GRACE_SECONDS"] = os.environ.get("READY_GRACE_SECONDS", "30")
    cluster = start_replicas(supervisor, folder, shared, bouncer, direct_url, backends, embedders)
    cluster.extra = {
        "ha": {
            "etcd": [m.client_url for m in members],
            "patroni": {n.name: n.rest_url for n in nodes},
            "postgres_entry_port": ports.postgres_entry,
            "postgres_stats_url": f"http://127.0.0.1:{ports.postgres_stats}/stats",
            "weed_master": f"http://127.0.0.1:{ports.weed.master[0]}",
            "weed_volumes": [f"http://127.0.0.1:{http}" for http, _ in ports.weed.volumes],
            "s3": shared["S3_ENDPOINT"],
        }
    }
    return cluster
