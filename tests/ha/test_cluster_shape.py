"""What `facegate run --ha` starts, before any fault: three PostgreSQL nodes with one leader
and a synchronous standby, an entry that sends connections to the leader only, two copies of
every object, and the `facegate` commands working through the cluster's stack file."""

import csv
import io
import os
import subprocess
import sys
from collections import defaultdict

import httpx
from minio import Minio

from tests.ha.faults import HaCluster, get_json, wait_until


def test_three_nodes_one_leader_and_a_synchronous_standby(ha: HaCluster) -> None:
    wait_until(ha.healthy, 120, "one leader, two replicas, a synchronous standby")
    leader = ha.leader()
    assert leader is not None
    config = get_json(ha.ha["patroni"][leader] + "/config") or {}
    assert config.get("synchronous_mode") is True
    assert sorted(ha.streaming_replicas()) == sorted(set(ha.ha["patroni"]) - {leader})


def test_the_postgres_entry_sends_to_the_leader_only(ha: HaCluster) -> None:
    def up_servers() -> list[str]:
        answer = httpx.get(ha.ha["postgres_stats_url"] + ";csv", timeout=5)
        rows = csv.DictReader(io.StringIO(answer.text.lstrip("# ")))
        servers = [r for r in rows if r["pxname"] == "postgres" and r["svname"].startswith("pg-")]
        return [r["svname"] for r in servers if r["status"] == "UP"]

    wait_until(lambda: up_servers() == [ha.leader()], 30, "only the leader UP")


def test_every_object_is_kept_on_two_volume_servers(ha: HaCluster) -> None:
    config = ha.cluster.stack_config()
    endpoint = config["S3_ENDPOINT"].removeprefix("http://")
    store = Minio(endpoint, config["S3_ACCESS_KEY"], config["S3_SECRET_KEY"], secure=False)
    bucket = config.get("S3_BUCKET", "facegate")
    store.put_object(bucket, "ha-probe/replicated.txt", io.BytesIO(b"two copies"), 10)
    assert store.get_object(bucket, "ha-probe/replicated.txt").read() == b"two copies"

    def copies() -> dict[int, set[str]]:
        """The volume servers of each volume holding a file, as the master last heard."""
        status = get_json(ha.ha["weed_master"] + "/vol/status") or {}
        servers_of: dict[int, set[str]] = defaultdict(set)
        for racks in status["Volumes"]["DataCenters"].values():
            for servers in racks.values():
                for server, volumes in servers.items():
                    for volume in volumes:
                        if volume["FileCount"] > 0:
                            servers_of[volume["Id"]].add(server)
        return servers_of

    def two_copies_each() -> bool:
        found = copies()
        return bool(found) and all(len(servers) == 2 for servers in found.values())

    # Volume servers report their counts in their heartbeats: the master learns in seconds.
    wait_until(two_copies_each, 60, f"two copies of each volume holding a file: {copies()}")


def test_facegate_commands_work_through_the_stack_file(ha: HaCluster) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "S3_ENDPOINT")}
    env["FACEGATE_VAR"] = str(ha.folder)  # var/ha: its stack.json names PgBouncer
    for command, expected in ((["keys", "list"], "admin"), (["gallery", "show"], "generation")):
        done = subprocess.run(
            [sys.executable, "-m", "facegate", *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert expected in done.stdout
