"""The local cluster's command line and the configs it writes for HAProxy and PgBouncer."""

from pathlib import Path

import pytest

from facegate.cli import build_parser
from facegate.haproxy import Balancer, check_haproxy_config, haproxy_config
from facegate.pgbouncer import prepare_pgbouncer


def test_run_takes_replica_counts_and_stays_single_without_them() -> None:
    parser = build_parser()
    single = parser.parse_args(["run"])
    assert (single.backends, single.embedders) == (None, None)
    cluster = parser.parse_args(["run", "--backends", "3", "--embedders", "2"])
    assert (cluster.backends, cluster.embedders) == (3, 2)


@pytest.mark.parametrize("count", ["0", "17", "three"])
def test_run_refuses_a_count_out_of_range(count: str, capsys) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--backends", count])
    assert "--backends" in capsys.readouterr().err


def balancer(pem: Path | None) -> Balancer:
    return Balancer("127.0.0.1", 18443, [18001, 18002, 18003], 18500, [18501, 18502], 18600, pem)


def test_haproxy_balances_per_request_and_replays_what_no_backend_answered() -> None:
    config = haproxy_config(balancer(None))
    assert "mode http" in config and "balance roundrobin" in config
    assert "retry-on conn-failure empty-response" in config
    assert "option redispatch" in config
    assert "option httpchk GET /readyz" in config
    for n, port in enumerate([18001, 18002, 18003], 1):
        assert f"server backend-{n} 127.0.0.1:{port} check" in config
    assert "server embedder-2 127.0.0.1:18502 check" in config
    assert "prefer-last-server" not in config  # nothing pins a client to a server


def test_haproxy_itself_accepts_the_config(tmp_path: Path) -> None:
    # No skip: `make install` brings Debian's haproxy; without it debian_binary (as the
    # launcher finds it) fails naming the package.
    path = tmp_path / "haproxy.cfg"
    path.write_text(haproxy_config(balancer(None)))
    check_haproxy_config(path)  # raises with HAProxy's own words when refused


def test_pgbouncer_runs_in_transaction_mode_with_a_password_made_once(tmp_path: Path) -> None:
    first = prepare_pgbouncer(tmp_path / "pgb", 16432, tmp_path / "socket", user=None)
    again = prepare_pgbouncer(tmp_path / "pgb", 16432, tmp_path / "socket", user=None)
    assert first.password == again.password and len(first.password) >= 20
    ini = (tmp_path / "pgb" / "pgbouncer.ini").read_text()
    assert "pool_mode = transaction" in ini
    assert "listen_addr = 127.0.0.1" in ini
    assert f"host={tmp_path / 'socket'}" in ini
    assert (tmp_path / "pgb" / "userlist.txt").stat().st_mode & 0o077 == 0
    assert first.url("facegate-backend-2").endswith(
        "@127.0.0.1:16432/facegate?application_name=facegate-backend-2"
    )
