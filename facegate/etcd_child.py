"""A three-member etcd (Debian's etcd-server) for Patroni's leader key, for `facegate run
--ha`. We run the binary ourselves on loopback with data under var/, never Debian's service."""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from facegate.processes import Process, debian_binary, spawn


@dataclass(frozen=True)
class EtcdMember:
    """One member: its name, client and peer ports, its data folder."""

    name: str
    client_port: int
    peer_port: int
    data_dir: Path

    @property
    def client_url(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    @property
    def peer_url(self) -> str:
        return f"http://127.0.0.1:{self.peer_port}"


def initial_cluster(members: list[EtcdMember]) -> str:
    return ",".join(f"{m.name}={m.peer_url}" for m in members)


def spawn_member(
    member: EtcdMember, members: list[EtcdMember], log_path: Path, pid_file: Path | None
) -> Process:
    """etcd for `member`; the initial-cluster flags matter on the first start only (a member
    restarted on its data folder rejoins as itself)."""
    member.data_dir.mkdir(parents=True, exist_ok=True)
    member.data_dir.chmod(0o700)
    command = [
        debian_binary("etcd"),
        f"--name={member.name}",
        f"--data-dir={member.data_dir}",
        f"--listen-client-urls={member.client_url}",
        f"--advertise-client-urls={member.client_url}",
        f"--listen-peer-urls={member.peer_url}",
        f"--initial-advertise-peer-urls={member.peer_url}",
        f"--initial-cluster={initial_cluster(members)}",
        "--initial-cluster-state=new",
        "--initial-cluster-token=facegate",
        # Two cores shared with the whole stack: a slower heartbeat avoids needless elections.
        "--heartbeat-interval=200",
        "--election-timeout=2000",
        "--log-level=warn",
        "--logger=zap",
    ]
    return spawn(member.name, command, {"ETCD_UNSUPPORTED_ARCH": ""}, log_path, pid_file=pid_file)


def member_healthy(member: EtcdMember) -> bool:
    """The member answers and sees a quorum (etcd's /health)."""
    try:
        with urllib.request.urlopen(member.client_url + "/health", timeout=2) as answer:  # noqa: S310
            return bool(json.loads(answer.read()).get("health") == "true")
    except (urllib.error.URLError, OSError, ValueError):
        return False
