"""What `facegate run --ha` writes before it starts anything: Patroni's config, the
PostgreSQL entry's HAProxy config, PgBouncer aimed at it, the ports kept for the next run."""

import json
import shutil
from pathlib import Path

import pytest

from facegate.cli import build_parser
from facegate.ha_ports import HaPorts, ports_for
from facegate.haproxy import check_haproxy_config, postgres_haproxy_config
from facegate.patroni_child import (
    LOOP_WAIT,
    RETRY_TIMEOUT,
    TTL,
    Passwords,
    PatroniNode,
    patroni_config,
    postgres_bin_dir,
)
from facegate.pgbouncer import prepare_pgbouncer


def test_run_takes_ha() -> None:
    args = build_parser().parse_args(["run", "--ha", "--backends", "2"])
    assert args.ha and args.backends == 2


def test_patroni_replicates_synchronously_with_the_wheels_postgres(tmp_path: Path) -> None:
    node = PatroniNode("pg-1", 15432, 18008, tmp_path / "pg-1")
    passwords = Passwords.load_or_create(tmp_path / "passwords.json")
    config = json.loads(patroni_config(node, ["127.0.0.1:12379"], passwords))
    dcs = config["bootstrap"]["dcs"]
    assert dcs["synchronous_mode"] is True
    assert dcs["postgresql"]["use_pg_rewind"] is True  # an old leader rejoins by itself
    assert LOOP_WAIT + 2 * RETRY_TIMEOUT <= TTL == dcs["ttl"]  # Patroni's own rule
    assert config["etcd3"]["hosts"] == ["127.0.0.1:12379"]
    assert (Path(config["postgresql"]["bin_dir"]) / "postgres").exists()
    assert Path(config["postgresql"]["bin_dir"]) == postgres_bin_dir()
    assert config["postgresql"]["listen"] == "127.0.0.1:15432"
    assert config["restapi"]["listen"] == "127.0.0.1:18008"
    # Made once, then the same for every later run on this folder.
    assert Passwords.load_or_create(tmp_path / "passwords.json") == passwords


def test_postgres_entry_follows_patronis_primary_check() -> None:
    config = postgres_haproxy_config(15000, 15001, [("pg-1", 15432, 18008), ("pg-2", 15433, 18009)])
    assert "mode tcp" in config and "option httpchk GET /primary" in config
    assert "server pg-1 127.0.0.1:15432 check port 18008" in config
    assert "on-marked-down shutdown-sessions" in config  # no session left on a demoted node


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="make install brings haproxy")
def test_haproxy_accepts_the_postgres_entry(tmp_path: Path) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text(postgres_haproxy_config(15000, 15001, [("pg-1", 15432, 18008)]))
    check_haproxy_config(path)


def test_pgbouncer_can_point_at_a_tcp_entry(tmp_path: Path) -> None:
    server = "host=127.0.0.1 port=15000 user=postgres password=secret"
    prepare_pgbouncer(tmp_path / "pgb", 16432, None, user=None, server=server)
    ini = (tmp_path / "pgb" / "pgbouncer.ini").read_text()
    assert f"facegate = {server} dbname=facegate" in ini
    assert "pool_mode = transaction" in ini


def test_ports_are_distinct_and_kept_for_the_next_run(tmp_path: Path) -> None:
    first: HaPorts = ports_for(tmp_path)
    assert len(set(first.all)) == len(first.all) == 3 * 2 + 3 * 2 + 3 + 2 * 6
    assert ports_for(tmp_path) == first
