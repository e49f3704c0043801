"""Three backends started at the same moment on an empty database all become ready, the
schema is migrated once, and every database connection goes through PgBouncer."""

import httpx
import psutil
import psycopg

from tests.cluster.watch import WatchedCluster
from tests.integration.test_replica_startup import head_revision

FIRST_MIGRATION = "Running upgrade  -> 0001"


def test_every_backend_started_together_is_ready(cluster: WatchedCluster) -> None:
    assert len(cluster.backend_urls) == 3
    for url in cluster.backend_urls:
        answer = httpx.get(url + "/readyz", timeout=10)
        assert answer.status_code == 200, answer.text
        assert answer.json()["checks"] == {"database": "up", "storage": "up", "embedder": "up"}
    servers = cluster.servers()
    assert [servers[f"backend-{n}"]["status"] for n in (1, 2, 3)] == ["UP"] * 3


def test_the_schema_was_migrated_once_by_one_backend(cluster: WatchedCluster) -> None:
    migrated = [n for n in (1, 2, 3) if FIRST_MIGRATION in cluster.log(f"backend-{n}")]
    assert len(migrated) == 1
    assert cluster.log(f"backend-{migrated[0]}").count(FIRST_MIGRATION) == 1
    config = cluster.stack_config()
    with psycopg.connect(config["DATABASE_URL"], prepare_threshold=None) as db:
        versions = db.execute("SELECT version_num FROM alembic_version").fetchall()
    assert versions == [(head_revision(),)]


def test_backends_reach_postgresql_through_pgbouncer_in_transaction_mode(
    cluster: WatchedCluster,
) -> None:
    port = cluster.topology["pgbouncer_port"]
    for n in (1, 2, 3):
        environ = psutil.Process(cluster.pid(f"backend-{n}")).environ()
        assert environ["DATABASE_URL"].split("@", 1)[1].startswith(f"127.0.0.1:{port}/")
        assert environ["DATABASE_POOLER"] == "transaction"
    pools = {row["database"]: row for row in cluster.pgbouncer("SHOW POOLS")}
    assert pools["facegate"]["pool_mode"] == "transaction"
    clients = {row["application_name"] for row in cluster.pgbouncer("SHOW CLIENTS")}
    assert {"facegate-backend-1", "facegate-backend-2", "facegate-backend-3"} <= clients
