"""Idempotency keys in the real PostgreSQL: concurrent retries with one key never both
create, a failed request lets the key go, answers expire after their retention time."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import text

from backend.domain.errors import IdempotencyKeyInUse
from backend.domain.model import StoredAnswer
from backend.infrastructure.database import make_engine
from backend.infrastructure.pg_idempotency import PgIdempotencyStore, row_key

DAY = timedelta(hours=24)
WAIT_SEEN_WITHIN = 10.0


def waiting_on_the_key(engine) -> int:
    """Sessions of this database blocked on a lock while writing an idempotency key's row,
    as PostgreSQL itself reports them."""
    with engine.connect() as db:
        return db.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' "
                "AND query ILIKE '%idempotency_key%'"
            )
        ).scalar_one()


def wait_until_waiting(engine, count: int) -> None:
    """Return once `count` sessions wait on a key; fail after WAIT_SEEN_WITHIN seconds."""
    deadline = time.monotonic() + WAIT_SEEN_WITHIN
    while (seen := waiting_on_the_key(engine)) < count:
        assert time.monotonic() < deadline, f"{seen} of {count} requests seen waiting"
        time.sleep(0.02)


def test_a_claimed_key_answers_retries_once_kept(engine):
    store = PgIdempotencyStore(engine)
    claim = store.claim("hr", "k", "h", DAY)
    assert not isinstance(claim, StoredAnswer)
    claim.keep(201, {"employee_id": "E1"})
    assert store.claim("hr", "k", "h", DAY) == StoredAnswer("h", 201, {"employee_id": "E1"})
    assert not isinstance(store.claim("payroll", "k", "h", DAY), StoredAnswer)


def test_concurrent_retries_wait_for_the_first_and_get_its_answer(engine, database_url):
    # A connection for each of the six requests, so that they wait in PostgreSQL, not in
    # the pool; the fixture's engine watches them.
    requests_engine = make_engine(database_url, pool_size=6)
    store = PgIdempotencyStore(requests_engine)
    created: list[int] = []
    lock = threading.Lock()

    def request(n: int) -> object:
        got = store.claim("hr", "same", "h", DAY)
        if isinstance(got, StoredAnswer):
            return got.body
        # The create itself runs while every other retry waits on the key in PostgreSQL.
        wait_until_waiting(engine, 5)
        with lock:
            created.append(n)
        got.keep(201, {"made_by": n})
        return {"made_by": n}

    try:
        with ThreadPoolExecutor(6) as pool:
            bodies = list(pool.map(request, range(6)))
    finally:
        requests_engine.dispose()
    assert len(created) == 1
    assert bodies == [{"made_by": created[0]}] * 6


def test_a_released_key_goes_to_the_request_waiting_for_it(engine):
    store = PgIdempotencyStore(engine)
    first = store.claim("hr", "k", "h", DAY)
    assert not isinstance(first, StoredAnswer)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(store.claim, "hr", "k", "h", DAY)
        wait_until_waiting(engine, 1)  # PostgreSQL shows it blocked on the first's row
        assert not waiting.done()
        first.release()
        second = waiting.result(timeout=5)
    assert not isinstance(second, StoredAnswer)
    second.release()


def test_a_duplicate_that_waits_too_long_is_told_the_key_is_in_use(engine):
    store = PgIdempotencyStore(engine, wait_seconds=0.2)
    first = store.claim("hr", "k", "h", DAY)
    with pytest.raises(IdempotencyKeyInUse):
        store.claim("hr", "k", "h", DAY)
    first.release()  # type: ignore[union-attr]


def test_answers_older_than_the_retention_time_are_forgotten(engine):
    store = PgIdempotencyStore(engine)
    for key in ("old", "new"):
        store.claim("hr", key, "h", DAY).keep(201, {})  # type: ignore[union-attr]
    with engine.begin() as db:
        db.execute(
            text(
                "UPDATE idempotency_key SET created_at = now() - interval '25 hours' "
                "WHERE idempotency_key = :k"
            ),
            {"k": row_key("old")},
        )
    retry = store.claim("hr", "old", "other", DAY)  # past its time: a new request
    assert not isinstance(retry, StoredAnswer)
    retry.release()
    assert store.forget_older_than(DAY) == 1
    assert store.forget_older_than(timedelta(0)) == 1
    with engine.begin() as db:
        assert db.execute(text("SELECT count(*) FROM idempotency_key")).scalar() == 0


def test_the_table_holds_neither_the_key_nor_the_answer_in_the_clear(engine):
    store = PgIdempotencyStore(engine)
    claim = store.claim("hr", "client-key-1", "h", DAY)
    claim.keep(201, {"name": "door", "key": "fgk_secret_shown_once"})  # type: ignore[union-attr]
    with engine.begin() as db:
        row = db.execute(text("SELECT idempotency_key, body FROM idempotency_key")).one()
    assert "client-key-1" not in row.idempotency_key
    assert b"fgk_secret_shown_once" not in bytes(row.body)
    replay = store.claim("hr", "client-key-1", "h", DAY)
    assert replay == StoredAnswer("h", 201, {"name": "door", "key": "fgk_secret_shown_once"})
