"""HAProxy (Debian's package) in front of the backends and of the embedders, for the local
cluster. We write its config under var/ and run the binary ourselves in the foreground,
never Debian's system service."""

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from facegate.processes import Process, debian_binary, spawn


@dataclass(frozen=True)
class Balancer:
    """What HAProxy listens on and what it balances."""

    host: str
    port: int  # the backends' frontend: the URL people and kiosks use
    backend_ports: list[int]
    embedder_port: int  # the embedders' frontend (tools such as `facegate reembed`)
    embedder_ports: list[int]
    stats_port: int  # per-server counters as CSV on /stats;csv (tests, bench)
    pem: Path | None  # certificate and key in one file: HAProxy terminates TLS

    @property
    def url(self) -> str:
        scheme = "https" if self.pem else "http"
        return f"{scheme}://127.0.0.1:{self.port}"


# HAProxy's own refusals, in the API's error body instead of its HTML pages: a client that
# reads {"error": {"code", "message"}} from facegate reads it from the balancer too.
BALANCER_ERRORS = {
    400: ("bad_request", "the balancer could not read the request"),
    408: ("request_timeout", "the request did not arrive in time"),
    502: ("bad_gateway", "a backend failed while answering; retry in a moment"),
    503: ("no_backend_available", "no backend is ready to serve this request; retry in a moment"),
    504: ("backend_timeout", "the backend did not answer in time; retry in a moment"),
}


def balancer_error_lines() -> str:
    """`http-error` lines answering each of HAProxy's refusals with a JSON error body."""
    lines = []
    for status, (code, message) in BALANCER_ERRORS.items():
        body = json.dumps({"error": {"code": code, "message": message, "details": {}}})
        retry = ' hdr Retry-After "2"' if status in (502, 503, 504) else ""
        lines.append(
            f"    http-error status {status} content-type application/json string '{body}'{retry}"
        )
    return "\n".join(lines)


def haproxy_config(balancer: Balancer) -> str:
    """The whole haproxy.cfg. Why each line is there is said beside it."""
    tls = f" ssl crt {balancer.pem}" if balancer.pem else ""
    backends = "\n".join(
        f"    server backend-{n} 127.0.0.1:{port} check"
        for n, port in enumerate(balancer.backend_ports, 1)
    )
    embedders = "\n".join(
        f"    server embedder-{n} 127.0.0.1:{port} check"
        for n, port in enumerate(balancer.embedder_ports, 1)
    )
    return f"""global
    maxconn 1000
    # A kiosk frame (~50 kB) fits in one buffer, so a request can be replayed on another
    # backend (retry-on needs the whole request buffered); bigger uploads pass unreplayed.
    tune.bufsize 262144
    log stdout format raw local0 notice

defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 30s
    timeout http-keep-alive 10s
    # Per-request balancing (HTTP mode): keep-alive from a client pins no server.
    balance roundrobin
    # A request that met a refused connection or a server that closed without answering
    # (a backend killed with kill -9, or closing an idle connection while draining) never
    # got an answer: replay it on another server instead of failing the client.
    option http-buffer-request
    retries 3
    retry-on conn-failure empty-response
    option redispatch 1
    # Health checks every second: a backend that stops (SIGTERM, graceful drain) is taken
    # out after 2 failed checks and put back after 2 good ones.
    default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 2
    # /readyz gives each dependency 2 s (PROBE_SECONDS) before counting it failed, so a
    # frozen database makes a slow check, never a check that times out on every backend.
    timeout check 3s
{balancer_error_lines()}

frontend facegate
    bind {balancer.host}:{balancer.port}{tls}
    option forwardfor
    http-request set-header X-Forwarded-Proto https if {{ ssl_fc }}
    default_backend backends

backend backends
    # /readyz rides out a blip of a shared dependency (READY_GRACE_SECONDS), so a short
    # database failover does not take every backend out of rotation at once.
    option httpchk GET /readyz
    http-check expect status 200
{backends}

frontend embedders
    bind 127.0.0.1:{balancer.embedder_port}
    default_backend embedders

backend embedders
    option httpchk GET /readyz
    http-check expect status 200
    # An embedder at capacity answers 503 embedder_busy at once: another may have room.
    retry-on conn-failure empty-response 503
{embedders}

frontend stats
    bind 127.0.0.1:{balancer.stats_port}
    stats enable
    stats uri /stats
    stats refresh 5s
"""


def write_pem(cert: Path, key: Path, folder: Path) -> Path:
    """HAProxy wants the certificate and its key in one file; only we may read it."""
    folder.mkdir(parents=True, exist_ok=True)
    pem = folder / "facegate.pem"
    pem.touch(mode=0o600)
    pem.chmod(0o600)
    pem.write_text(cert.read_text() + key.read_text())
    return pem


def check_haproxy_config(config: Path) -> None:
    """RuntimeError with HAProxy's own words when it refuses the config."""
    checked = subprocess.run(
        [debian_binary("haproxy"), "-c", "-q", "-f", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if checked.returncode != 0:
        raise RuntimeError(f"haproxy refused {config}:\n{checked.stdout}{checked.stderr}")


def spawn_haproxy(config: Path, log_path: Path, pid_file: Path | None = None) -> Process:
    """HAProxy in the foreground (-db) on `config`; SIGTERM stops it."""
    command = [debian_binary("haproxy"), "-db", "-f", str(config)]
    return spawn("haproxy", command, {}, log_path, pid_file=pid_file)


def postgres_haproxy_config(port: int, stats_port: int, nodes: list[tuple[str, int, int]]) -> str:
    """haproxy.cfg of the HA cluster's PostgreSQL entry: TCP to whichever node Patroni's REST
    API calls the primary. `nodes` are (name, PostgreSQL port, Patroni REST port)."""
    servers = "\n".join(
        f"    server {name} 127.0.0.1:{pg_port} check port {rest_port}"
        for name, pg_port, rest_port in nodes
    )
    return f"""global
    maxconn 1000
    log stdout format raw local0 notice

defaults
    mode tcp
    log global
    timeout connect 2s
    # PgBouncer keeps its server connections open between transactions.
    timeout client 30m
    timeout server 30m
    timeout check 2s

listen postgres
    bind 127.0.0.1:{port}
    # Patroni answers GET /primary with 200 on the leader only: a replica or a node whose
    # PostgreSQL is down is never sent a connection.
    option httpchk GET /primary
    http-check expect status 200
    # Checks every 500 ms, one failure takes a node out; its open sessions are cut at once,
    # so PgBouncer reconnects to the new leader instead of writing into a demoted node.
    default-server inter 500ms fastinter 250ms downinter 500ms fall 1 rise 1
    default-server on-marked-down shutdown-sessions
{servers}

frontend stats
    mode http
    bind 127.0.0.1:{stats_port}
    stats enable
    stats uri /stats
"""


def spawn_postgres_haproxy(config: Path, log_path: Path, pid_file: Path | None = None) -> Process:
    """The PostgreSQL entry's HAProxy in the foreground (-db); SIGTERM stops it."""
    command = [debian_binary("haproxy"), "-db", "-f", str(config)]
    return spawn("haproxy-postgres", command, {}, log_path, pid_file=pid_file)
