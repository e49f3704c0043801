"""PgBouncer (Debian's package) in transaction mode before our PostgreSQL, for the local
cluster: the pooler every PostgreSQL cluster puts in front, so the backends run here as they
will there (DATABASE_POOLER=transaction). We start the binary with a config file under
var/, never Debian's system service."""

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from facegate.processes import Process, debian_binary, spawn

DATABASE = "facegate"
USER = "facegate"
# Server connections per database: the replicas' pools (DB_POOL_SIZE each, plus overflow)
# share these; PostgreSQL's own max_connections (100) stays well above.
POOL_SIZE = 20
MAX_CLIENTS = 500


@dataclass(frozen=True)
class PgBouncer:
    """Where the pooler listens, and the account the backends use on it."""

    folder: Path
    port: int
    password: str
    user: str | None  # the system user it runs as (it refuses to run as root)

    def url(self, application: str = "") -> str:
        """A client URL; `application` names the replica in SHOW CLIENTS and pg_stat_activity."""
        name = f"?application_name={application}" if application else ""
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{DATABASE}{name}"

    def admin_url(self) -> str:
        """The admin console (SHOW POOLS, SHOW CLIENTS): simple query protocol only."""
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/pgbouncer"

    def spawn(self, log_path: Path, pid_file: Path | None = None) -> Process:
        command = [debian_binary("pgbouncer"), str(self.folder / "pgbouncer.ini")]
        # The backends are stopped before it (last started, first stopped), so SIGTERM,
        # its immediate shutdown, cuts no transaction.
        return spawn("pgbouncer", command, {}, log_path, pid_file=pid_file, user=self.user)


def prepare_pgbouncer(
    folder: Path, port: int, socket_dir: Path | None, user: str | None, server: str = ""
) -> PgBouncer:
    """Write pgbouncer.ini and its userlist (a password made once per folder) for a
    PostgreSQL listening on the Unix socket in socket_dir, or at `server` (libpq's
    "host=... port=... user=... password=..." of another entry, such as the HA cluster's)."""
    target = server or f"host={socket_dir} user=postgres"
    folder.mkdir(parents=True, exist_ok=True)
    secret = folder / "password"
    if not secret.exists():
        secret.write_text(secrets.token_urlsafe(18))
        secret.chmod(0o600)
    password = secret.read_text().strip()
    userlist = folder / "userlist.txt"
    userlist.write_text(f'"{USER}" "{password}"\n')
    ini = folder / "pgbouncer.ini"
    ini.write_text(
        f"""[databases]
; every client connection goes to our PostgreSQL as its superuser
{DATABASE} = {target} dbname={DATABASE}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = md5
auth_file = {userlist}
admin_users = {USER}
stats_users = {USER}
pool_mode = transaction
default_pool_size = {POOL_SIZE}
max_client_conn = {MAX_CLIENTS}
; psycopg asks for nothing else; other drivers may send these
ignore_startup_parameters = extra_float_digits,options
; a restarted PostgreSQL is found again without the pooler being restarted
server_login_retry = 1
; a client waits this long for a server connection (a leader change takes ~10 s), then errs
query_wait_timeout = 30
log_connections = 0
log_disconnections = 0
"""
    )
    for path in (folder, secret, userlist, ini):
        if user is not None:
            shutil.chown(path, user)
        os.chmod(path, 0o700 if path.is_dir() else 0o600)
    return PgBouncer(folder, port, password, user)
