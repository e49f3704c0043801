"""Faults on the real processes of `facegate run --ha`: who leads, kill -9 of a PostgreSQL,
a whole node, an etcd member, a volume server; a hold file keeps a killed part down until
released (the supervisor restarts it then), so a fault lasts as long as the test wants."""

import json
import os
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facegate.foreground import RunningCluster
from facegate.processes import port_answers


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll until `condition` holds; seconds it took, or AssertionError past `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not {what} after {timeout:.0f} s")
        time.sleep(0.2)
    return time.monotonic() - started


def get_json(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback
            found: dict[str, Any] = json.loads(answer.read())
            return found
    except urllib.error.HTTPError as refused:  # Patroni answers 503 with its status too
        try:
            status: dict[str, Any] = json.loads(refused.read())
            return status
        except ValueError:
            return None
    except (OSError, ValueError):
        return None


@dataclass
class HaCluster:
    """The running HA cluster and the handles the faults need."""

    cluster: RunningCluster

    @property
    def ha(self) -> dict[str, Any]:
        found: dict[str, Any] = self.cluster.topology["ha"]
        return found

    @property
    def folder(self) -> Path:
        return self.cluster.folder

    def node_status(self, name: str) -> dict[str, Any]:
        return get_json(self.ha["patroni"][name] + "/") or {}

    def leader(self) -> str | None:
        """The node Patroni runs as primary, if exactly one does."""
        leaders = [
            name
            for name in self.ha["patroni"]
            if self.node_status(name).get("role") in ("primary", "master")
            and self.node_status(name).get("state") == "running"
        ]
        return leaders[0] if len(leaders) == 1 else None

    def streaming_replicas(self) -> list[str]:
        return [
            name
            for name in self.ha["patroni"]
            if self.node_status(name).get("role") == "replica"
            and self.node_status(name).get("state") in ("streaming", "running")
        ]

    def sync_standby(self) -> bool:
        """Some replica is the synchronous standby (an acknowledged commit is on two nodes)."""
        for url in self.ha["patroni"].values():  # any node that answers knows the cluster
            cluster = get_json(url + "/cluster")
            if cluster is not None:
                return any(m.get("role") == "sync_standby" for m in cluster.get("members", []))
        return False

    def postmaster_pid(self, node: str) -> int:
        data = self.folder / "patroni" / node / "data" / "postmaster.pid"
        return int(data.read_text().splitlines()[0])

    def hold(self, name: str) -> Path:
        hold = self.folder / "run" / f"{name}.hold"
        hold.touch()
        return hold

    def release(self, name: str) -> None:
        (self.folder / "run" / f"{name}.hold").unlink(missing_ok=True)

    def kill(self, name: str) -> int:
        """kill -9 of a supervised part by its pid file; the pid."""
        pid = self.cluster.pid(name)
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_leader_postgres(self) -> str:
        """kill -9 of the leader's postmaster (Patroni lives on); the node's name."""
        leader = self.leader()
        assert leader is not None, "no leader to kill"
        os.kill(self.postmaster_pid(leader), signal.SIGKILL)
        return leader

    def stop_leader_node(self) -> str:
        """The leader's machine dies: its Patroni and its PostgreSQL killed, held down."""
        leader = self.leader()
        assert leader is not None, "no leader to stop"
        postmaster = self.postmaster_pid(leader)
        self.hold(leader)
        self.kill(leader)
        os.kill(postmaster, signal.SIGKILL)
        return leader

    def etcd_leader(self) -> str:
        """The etcd member Raft elected leader (etcd's v3 gateway: maintenance/status)."""
        for n, url in enumerate(self.ha["etcd"], 1):
            request = urllib.request.Request(url + "/v3/maintenance/status", data=b"{}")
            with urllib.request.urlopen(request, timeout=2) as answer:  # noqa: S310 - loopback
                status = json.loads(answer.read())
            if status["header"]["member_id"] == status["leader"]:
                return f"etcd-{n}"
        raise AssertionError("no etcd member leads")

    def healthy(self, replicas: int = 2) -> bool:
        """One leader, `replicas` streaming (one the synchronous standby), every etcd member
        and volume server up."""
        nodes = self.leader() is not None and len(self.streaming_replicas()) == replicas
        etcd = all(
            (get_json(url + "/health") or {}).get("health") == "true" for url in self.ha["etcd"]
        )
        volumes = all(port_answers(int(url.rsplit(":", 1)[1])) for url in self.ha["weed_volumes"])
        return nodes and etcd and volumes and self.sync_standby()
