"""Repeat folding, unmatched counters, key last use and the webhook outbox on PostgreSQL:
the check-in use case on PgUnitOfWork, and the outbox its events go into."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from backend.domain.events import checkin_unknown
from backend.domain.model import Role
from backend.domain.site_model import Kiosk
from backend.infrastructure.pg_checkins import PgCheckinLog
from backend.infrastructure.pg_keys import PgApiKeyStore
from backend.infrastructure.pg_outbox import PgWebhooks
from tests.integration.conftest import BoundRepository, bound_repository
from tests.integration.test_pg_repository import unit
from tests.integration.use_cases import admin, check_in, units
from tests.integration.use_cases import enroll as add


@pytest.fixture
def gallery(engine) -> BoundRepository:
    return bound_repository(engine)


def test_concurrent_matches_of_one_person_write_one_row(gallery, engine):
    add(gallery, "A", "fa", unit(1, 0, 0, 0))
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(lambda i: check_in(gallery, unit(1, 0, 0, 0), f"kiosk-{i % 3}"), range(16))
        )
    assert all(outcome.matched and outcome.checkin for outcome in results)
    new = [outcome.checkin for outcome in results if not outcome.repeat]
    assert len(new) == 1 and new[0] is not None
    assert {outcome.checkin.checkin_id for outcome in results if outcome.checkin} == {
        new[0].checkin_id
    }
    with engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM checkin")).scalar() == 1


def test_a_match_after_the_window_is_a_new_row(gallery, engine):
    add(gallery, "A", "fa", unit(1, 0, 0, 0))
    first = check_in(gallery, unit(1, 0, 0, 0))
    again = check_in(gallery, unit(1, 0, 0, 0))
    assert again.repeat and again.checkin == first.checkin
    with engine.begin() as db:  # as if it were two minutes ago
        db.execute(text("UPDATE checkin SET created_at = created_at - interval '2 minutes'"))
    second = check_in(gallery, unit(1, 0, 0, 0))
    assert first.checkin is not None and second.checkin is not None
    assert not second.repeat and second.checkin.checkin_id != first.checkin.checkin_id


def test_unmatched_attempts_are_one_counter_per_hour_and_kiosk(gallery, engine):
    log = PgCheckinLog(engine)
    for kiosk in ("door", "door", "door", "lobby"):
        assert check_in(gallery, unit(1, 0, 0, 0), kiosk).reason == "no_match"
    with engine.connect() as db:
        rows = db.execute(text("SELECT api_key_name, count FROM unknown_attempt ORDER BY 1")).all()
        assert db.execute(text("SELECT count(*) FROM checkin")).scalar() == 0
    assert [tuple(r) for r in rows] == [("door", 3), ("lobby", 1)]
    today = datetime.now(UTC).date()
    assert log.unknown_by_hour(today, "UTC") == {datetime.now(UTC).hour: 4}
    assert log.unknown_by_hour(date(2000, 1, 1), "UTC") == {}


def unknown(engine) -> None:
    """An unmatched attempt, as the check-in use case writes it."""
    with units(engine)() as uow:
        uow.checkins.count_unknown("door")
        uow.emit(checkin_unknown(Kiosk("door"), None))
        uow.commit()


def test_key_last_use_is_noted(engine):
    keys = PgApiKeyStore(engine)
    keys.create("door", Role.KIOSK, "h" * 64)
    assert keys.list()[0].last_used_at is None
    assert keys.find("h" * 64) is not None
    assert keys.list()[0].last_used_at is not None


def test_events_enter_the_outbox_with_their_change_in_order(gallery, engine):
    hooks = PgWebhooks(engine)
    everything = hooks.create(
        "http://127.0.0.1:9/a",
        ("checkin.matched", "checkin.unknown", "employee.enrolled", "employee.erased"),
        "s",
    )
    erasures = hooks.create("http://127.0.0.1:9/b", ("employee.erased",), "s")
    add(gallery, "A", "fa", unit(1, 0, 0, 0))
    refused = add(gallery, "B", "fb", unit(1, 0.01, 0, 0), refuse=0.07)  # no event
    assert refused is not None and refused.code == "face_already_enrolled"
    matched = check_in(gallery, unit(1, 0, 0, 0))
    assert check_in(gallery, unit(1, 0, 0, 0)).repeat  # a repeat: no event
    assert not check_in(gallery, unit(0, 1, 0, 0)).matched
    admin(gallery).erase("A")
    assert matched.checkin is not None
    checkin = matched.checkin
    sent = hooks.pending(everything.webhook_id, 100)
    assert [d.event for d in sent] == [
        "employee.enrolled",
        "checkin.matched",
        "checkin.unknown",
        "employee.erased",
    ]
    assert sent[1].payload["data"]["checkin_id"] == checkin.checkin_id
    assert [d.event for d in hooks.pending(erasures.webhook_id, 100)] == ["employee.erased"]


def test_a_unit_of_work_left_without_commit_publishes_nothing(gallery, engine):
    hooks = PgWebhooks(engine)
    hook = hooks.create("http://127.0.0.1:9/a", ("checkin.unknown",), "s")
    with units(engine)() as uow:
        uow.checkins.count_unknown("door")
        uow.emit(checkin_unknown(Kiosk("door"), None))
    assert hooks.pending(hook.webhook_id, 10) == []
    with engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM unknown_attempt")).scalar() == 0


def test_a_leased_webhook_is_not_claimed_twice(engine):
    hooks = PgWebhooks(engine)
    hook = hooks.create("http://127.0.0.1:9/a", ("checkin.unknown",), "s")
    assert hooks.claim(5, timedelta(seconds=60)) == []  # nothing pending
    unknown(engine)
    with ThreadPoolExecutor(4) as pool:
        claims = list(pool.map(lambda _: hooks.claim(5, timedelta(seconds=60)), range(4)))
    assert sorted(len(c) for c in claims) == [0, 0, 0, 1]
    hooks.release(hook.webhook_id)
    (pending,) = hooks.pending(hook.webhook_id, 10)
    later = datetime.now(UTC) + timedelta(hours=1)
    hooks.failed(pending.delivery_id, "down", None, later)
    assert hooks.claim(5, timedelta(seconds=60)) == []  # not due before its retry time
    hooks.failed(pending.delivery_id, "gave up", 500, None)
    (gone,) = hooks.deliveries(hook.webhook_id, 10)
    assert (gone.state, gone.attempts, gone.last_status) == ("failed", 2, 500)


def test_finished_events_are_pruned_after_the_retention(engine):
    hooks = PgWebhooks(engine)
    hook = hooks.create("http://127.0.0.1:9/a", ("checkin.unknown",), "s")
    for _ in range(3):
        unknown(engine)
    first, second, _ = hooks.pending(hook.webhook_id, 10)
    hooks.delivered(first.delivery_id, 200)
    hooks.delivered(second.delivery_id, 200)
    with engine.begin() as db:
        db.execute(text("UPDATE webhook_delivery SET created_at = now() - interval '8 days'"))
    assert hooks.prune(timedelta(days=7)) == 2  # the pending one stays, however old
    assert [d.state for d in hooks.deliveries(hook.webhook_id, 10)] == ["pending"]


def test_deliveries_page_newest_first_with_their_total(engine):
    hooks = PgWebhooks(engine)
    hook = hooks.create("http://127.0.0.1:9/a", ("checkin.unknown",), "s")
    for _ in range(3):
        unknown(engine)
    newest_first = [d.delivery_id for d in hooks.deliveries(hook.webhook_id, 10)]
    assert newest_first == sorted(newest_first, reverse=True) and len(newest_first) == 3
    page = [d.delivery_id for d in hooks.deliveries(hook.webhook_id, 2, offset=1)]
    assert page == newest_first[1:]
    assert hooks.count_deliveries(hook.webhook_id) == 3
