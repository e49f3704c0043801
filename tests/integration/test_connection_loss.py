"""A connection lost in the middle of a transaction, on the real PostgreSQL, as a primary
that dies leaves it: before COMMIT nothing is written and it says database_unavailable;
during COMMIT it says commit_unknown; either way the pool drops the dead connection and the
next transaction works."""

from datetime import timedelta

import pytest
from sqlalchemy import Connection, event, text

from backend.domain.errors import CommitUnknown, DatabaseUnavailable
from backend.infrastructure.database import make_engine, transaction
from backend.infrastructure.pg_idempotency import PgIdempotencyClaim, PgIdempotencyStore
from backend.infrastructure.pg_unit_of_work import PgUnitOfWork


def terminate(engine, pid: int) -> None:
    """Kill one server process from another session, as a crash of it would."""
    with engine.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        other.commit()


def make_table(engine) -> None:
    with transaction(engine) as db:
        db.execute(text("CREATE TABLE IF NOT EXISTS t_loss (n int)"))


def count(engine) -> int:
    with transaction(engine) as db:
        return int(db.execute(text("SELECT count(*) FROM t_loss")).scalar_one())


def test_lost_before_commit_writes_nothing_and_the_pool_recovers(engine):
    make_table(engine)
    with pytest.raises(DatabaseUnavailable) as raised, transaction(engine) as db:
        db.execute(text("INSERT INTO t_loss VALUES (1)"))
        terminate(engine, db.execute(text("SELECT pg_backend_pid()")).scalar_one())
        db.execute(text("INSERT INTO t_loss VALUES (2)"))
    assert not isinstance(raised.value, CommitUnknown)
    assert count(engine) == 0  # and the next transaction found a live connection


def test_lost_during_commit_is_commit_unknown(engine):
    make_table(engine)
    with pytest.raises(CommitUnknown) as raised, transaction(engine) as db:
        pid = db.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.execute(text("INSERT INTO t_loss VALUES (1)"))

        def die_before_commit(connection: Connection) -> None:
            terminate(engine, pid)

        event.listen(db, "commit", die_before_commit, once=True)
    assert raised.value.code == "commit_unknown"
    assert count(engine) == 0  # here the server died before it could commit
    with transaction(engine) as db:
        db.execute(text("INSERT INTO t_loss VALUES (3)"))
    assert count(engine) == 1


def test_a_unit_of_work_lost_during_commit_is_commit_unknown(engine):
    """The write paths (enrollment, check-in) commit through the unit of work."""
    with engine.begin() as db:
        db.execute(text("INSERT INTO employee (id, name) VALUES ('E1', 'Ada')"))
    with pytest.raises(CommitUnknown), PgUnitOfWork(engine, ef_search=100) as uow:
        uow.checkins.add("E1", True, 0.2, "door")
        pid = uow.db.execute(text("SELECT pg_backend_pid()")).scalar_one()
        event.listen(uow.db, "commit", lambda connection: terminate(engine, pid), once=True)
        uow.commit()
    with transaction(engine) as db:  # nothing kept here, and the pool gives a live connection
        assert db.execute(text("SELECT count(*) FROM checkin")).scalar_one() == 0


def test_an_answer_lost_after_the_work_was_done_is_commit_unknown(engine):
    """An Idempotency-Key's answer is stored after the create committed: losing the
    connection then must not read as "nothing written", which would invite a second create."""
    store = PgIdempotencyStore(engine)
    claim = store.claim("hr", "k-lost", "h", timedelta(hours=24))
    assert isinstance(claim, PgIdempotencyClaim)
    terminate(engine, claim._connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
    with pytest.raises(CommitUnknown):
        claim.keep(201, {"employee_id": "E1"})
    again = store.claim("hr", "k-lost", "h", timedelta(hours=24))  # the key is free again
    assert isinstance(again, PgIdempotencyClaim)
    again.release()


def backend_pid(engine) -> int:
    with transaction(engine) as db:
        return int(db.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_pooled_connection_lost_while_idle_is_replaced_before_use(engine, database_url):
    """An idle connection (here: any returned one) is pinged when handed out: one the
    server dropped meanwhile (a failover, a restart) is replaced, and nobody sees an error."""
    pinging = make_engine(database_url, pool_size=1, ping_after_idle=0.0)
    try:
        idle = backend_pid(pinging)
        terminate(engine, idle)  # from another engine's connection
        assert backend_pid(pinging) != idle  # no error: a new connection, found at checkout
    finally:
        pinging.dispose()


def test_a_connection_lost_just_after_use_fails_once_then_the_pool_starts_afresh(
    engine, database_url
):
    """A connection used a moment ago is trusted without a ping: if it died in between, its
    first statement says database_unavailable (safe to retry, nothing was written), and
    the pool drops every connection as old as it, so the next request works."""
    trusting = make_engine(database_url, pool_size=2, ping_after_idle=3600.0)
    try:
        with trusting.connect() as first, trusting.connect() as second:
            pids = [
                c.execute(text("SELECT pg_backend_pid()")).scalar_one() for c in (first, second)
            ]
            first.rollback()
            second.rollback()
        for pid in pids:  # both pooled connections die, as in a failover
            terminate(engine, pid)
        with pytest.raises(DatabaseUnavailable), transaction(trusting) as db:
            db.execute(text("SELECT 1"))
        assert backend_pid(trusting) not in pids  # the other dead one was not handed out
    finally:
        trusting.dispose()
