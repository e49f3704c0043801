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
from backend.infrastructure.pg_idempotency import PgIdempotencyStore, row_key

DAY = timedelta(hours=24)


def test_a_claimed_key_answers_retries_once_kept(engine):
    store = PgIdempotencyStore(engine)
    claim = store.claim("hr", "k", "h", DAY)
    assert not isinstance(claim, StoredAnswer)
    claim.keep(201, {"employee_id": "E1"})
    assert store.claim("hr", "k", "h", DAY) == StoredAnswer("h", 201, {"employee_id": "E1"})
    assert not isinstance(store.claim("payroll", "k", "h", DAY), StoredAnswer)


def test_concurrent_retries_wait_for_the_first_and_get_its_answer(engine):
    store = PgIdempotencyStore(engine)
    created: list[int] = []
    lock = threading.Lock()

    def request(n: int) -> object:
        got = store.claim("hr", "same", "h", DAY)
        if isinstance(got, StoredAnswer):
            return got.body
        time.sleep(0.3)  # the create itself, while the others wait on the key
        with lock:
            created.append(n)
        got.keep(201, {"made_by": n})
        return {"made_by": n}

    with ThreadPoolExecutor(6) as pool:
        bodies = list(pool.map(request, range(6)))
    assert len(created) == 1
    assert bodies == [{"made_by": created[0]}] * 6


def test_a_released_key_goes_to_the_request_waiting_for_it(engine):
    store = PgIdempotencyStore(engine)
    first = store.claim("hr", "k", "h", DAY)
    assert not isinstance(first, StoredAnswer)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(store.claim, "hr", "k", "h", DAY)
        time.sleep(0.3)
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
