"""The search rate limiter shared by replicas: two limiters on two engines (two backends)
on one database let a key through its limit once, not twice."""

import threading

import pytest

from backend.domain.errors import RateLimited
from backend.domain.ratelimit import RateLimiter
from backend.infrastructure.database import make_engine
from backend.infrastructure.pg_ratelimit import PgRateBuckets

PER_MINUTE = 60  # 1 a second, bursts of 10


@pytest.fixture
def replicas(engine, database_url):
    other = make_engine(database_url, pool_size=4, pooler="transaction")
    yield [
        RateLimiter(PER_MINUTE, buckets=PgRateBuckets(engine)),
        RateLimiter(PER_MINUTE, buckets=PgRateBuckets(other)),
    ]
    other.dispose()


def takes(limiter: RateLimiter, key: str, tries: int) -> tuple[int, list[int]]:
    granted, waits = 0, []
    for _ in range(tries):
        try:
            limiter.take(key)
            granted += 1
        except RateLimited as refused:
            waits.append(refused.retry_after)
    return granted, waits


def test_the_burst_holds_across_replicas(replicas) -> None:
    one, two = replicas
    granted = 0
    for _ in range(10):  # alternate, as a balancer would
        granted += takes(one, "kiosk-1", 1)[0] + takes(two, "kiosk-1", 1)[0]
    # 10 of the burst, plus at most one refilled during the 20 round trips.
    assert 10 <= granted <= 11
    refused, waits = takes(two, "kiosk-1", 1)
    assert refused == 0 and waits == [1]  # Retry-After: one second for one token at 1/s
    # Another key has its own bucket.
    assert takes(one, "kiosk-2", 3)[0] == 3


def test_concurrent_takes_from_both_replicas_spend_each_token_once(replicas) -> None:
    results: list[int] = []
    start = threading.Barrier(8)

    def hammer(limiter: RateLimiter) -> None:
        start.wait()
        results.append(takes(limiter, "door", 10)[0])

    threads = [threading.Thread(target=hammer, args=(replicas[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 8
    assert 10 <= sum(results) <= 12  # 80 tries; the burst of 10 and a second or two of refill


def test_tokens_come_back_with_time(replicas, engine) -> None:
    from sqlalchemy import text

    one, two = replicas
    assert takes(one, "slow", 12)[0] == 10
    with engine.begin() as db:  # as if 3 s had passed since the last take
        db.execute(text("UPDATE rate_bucket SET updated_at = updated_at - interval '3 s'"))
    assert takes(two, "slow", 5)[0] == 3
