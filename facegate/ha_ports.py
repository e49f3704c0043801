"""Every port of `facegate run --ha`, chosen in one place. They are kept in var/ha/
ha-ports.json and reused by the next run, because etcd members and Patroni nodes remember
each other's addresses in their data folders."""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from facegate.processes import free_port
from facegate.seaweed_cluster import WeedPorts

NODES = 3
ETCD_MEMBERS = 3
VOLUME_SERVERS = 3


@dataclass(frozen=True)
class HaPorts:
    etcd: list[tuple[int, int]]  # (client, peer) per member
    postgres: list[tuple[int, int]]  # (PostgreSQL, Patroni REST) per node
    postgres_entry: int  # HAProxy in front of the nodes, to the leader
    postgres_stats: int
    pgbouncer: int  # before the entry, for the backends
    weed: WeedPorts

    @property
    def all(self) -> list[int]:
        pairs = [*self.etcd, *self.postgres]
        return [p for pair in pairs for p in pair] + [
            self.postgres_entry,
            self.postgres_stats,
            self.pgbouncer,
            *self.weed.all,
        ]


def allocate() -> HaPorts:
    """Fresh free ports, none twice."""
    taken: set[int] = set()

    def one() -> int:
        while True:
            port = free_port()
            if port not in taken:
                taken.add(port)
                return port

    def two() -> tuple[int, int]:
        return one(), one()

    return HaPorts(
        etcd=[two() for _ in range(ETCD_MEMBERS)],
        postgres=[two() for _ in range(NODES)],
        postgres_entry=one(),
        postgres_stats=one(),
        pgbouncer=one(),
        weed=WeedPorts(
            master=two(),
            volumes=[two() for _ in range(VOLUME_SERVERS)],
            filer=two(),
            s3=two(),
        ),
    )


def load(path: Path) -> HaPorts:
    found = json.loads(path.read_text())
    weed = found.pop("weed")
    return HaPorts(
        etcd=[tuple(pair) for pair in found["etcd"]],  # type: ignore[misc]
        postgres=[tuple(pair) for pair in found["postgres"]],  # type: ignore[misc]
        postgres_entry=found["postgres_entry"],
        postgres_stats=found["postgres_stats"],
        pgbouncer=found["pgbouncer"],
        weed=WeedPorts(
            master=tuple(weed["master"]),  # type: ignore[arg-type]
            volumes=[tuple(pair) for pair in weed["volumes"]],  # type: ignore[misc]
            filer=tuple(weed["filer"]),  # type: ignore[arg-type]
            s3=tuple(weed["s3"]),  # type: ignore[arg-type]
        ),
    )


def ports_for(folder: Path) -> HaPorts:
    """The ports this folder's cluster used before, else new ones (then remembered)."""
    path = folder / "ha-ports.json"
    if path.exists():
        return load(path)  # a port someone else took since is named when its part starts
    ports = allocate()
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(ports), indent=2))
    return ports
