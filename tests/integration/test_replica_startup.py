"""Replica-safe start-up and DATABASE_POOLER=transaction, on the real PostgreSQL."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from backend.infrastructure.database import MIGRATIONS, make_engine, migrate

REPLICAS = 6


def head_revision() -> str:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head
    return head


def test_replicas_migrating_at_once_on_an_empty_database_all_succeed(database_url) -> None:
    """What crashed 2 of 3 backends started together: each now waits for the advisory lock,
    the first migrates, the others find the schema at head."""
    engines = [make_engine(database_url, pool_size=1) for _ in range(REPLICAS)]
    start = threading.Barrier(REPLICAS)
    results: list[object] = [None] * REPLICAS

    def replica(i: int) -> None:
        start.wait()
        try:
            results[i] = migrate(engines[i])
        except Exception as error:  # noqa: BLE001 - reported below
            results[i] = error

    threads = [threading.Thread(target=replica, args=(i,)) for i in range(REPLICAS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert results == [head_revision()] * REPLICAS
    with engines[0].connect() as db:
        assert db.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [
            head_revision()
        ]
        assert db.execute(text("SELECT count(*) FROM pg_extension WHERE extname = 'vector'"))
    for engine in engines:
        engine.dispose()


def test_facegate_db_migrate_runs_once_and_exits(database_url) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    for _ in range(2):  # the second run finds the schema at head and changes nothing
        done = subprocess.run(
            [str(Path(sys.executable).parent / "facegate"), "db", "migrate"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"schema at revision {head_revision()}"


@pytest.mark.parametrize(("pooler", "prepared"), [("", True), ("transaction", False)])
def test_transaction_pooler_mode_prepares_no_statement_on_the_server(
    database_url, pooler: str, prepared: bool
) -> None:
    """psycopg prepares a statement on the server at its 5th use; behind PgBouncer in
    transaction mode the next use may land on a server connection that never saw it."""
    engine = make_engine(database_url, pool_size=1, pooler=pooler)
    try:
        with engine.connect() as db:
            for _ in range(8):
                db.execute(text("SELECT 1 + :x"), {"x": 1}).scalar()
            count = db.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
        assert (count > 0) is prepared
    finally:
        engine.dispose()


def test_unknown_pooler_mode_is_refused(database_url) -> None:
    with pytest.raises(ValueError, match="DATABASE_POOLER"):
        make_engine(database_url, pooler="session")
