"""Check-in evidence and the head-turn challenge on the real PostgreSQL: disputes, the
snapshot sweep's lock and retention, single-use challenges across connections."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from backend.domain.model import Dispute
from backend.infrastructure.pg_checkins import PgCheckinLog
from backend.infrastructure.pg_liveness import PgChallengeLedger
from backend.infrastructure.pg_sweep import PgSweptGallery, PgSweptSnapshots
from backend.infrastructure.pg_unit_of_work import PgUnitOfWork


def employee(engine, employee_id="E1"):
    with engine.begin() as db:
        db.execute(text("INSERT INTO employee (id, name) VALUES (:i, 'Ada')"), {"i": employee_id})


def test_a_checkin_names_its_snapshot_and_face_and_takes_a_dispute(engine):
    employee(engine)
    log = PgCheckinLog(engine)
    with PgUnitOfWork(engine, ef_search=100) as uow:
        checkin = uow.checkins.add(
            "E1", True, 0.2, "door", face_id="f1", snapshot_key="checkins/employees/E1/a.jpg"
        )
        uow.commit()
    row = log.get(checkin.checkin_id)
    assert row is not None and row.employee_name == "Ada"
    assert (row.checkin.snapshot_key, row.checkin.face_id) == ("checkins/employees/E1/a.jpg", "f1")
    assert row.checkin.dispute is None
    when = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    disputed = log.set_dispute(checkin.checkin_id, Dispute("on leave", "hr", when))
    assert disputed is not None and disputed.checkin.dispute == Dispute("on leave", "hr", when)
    cleared = log.set_dispute(checkin.checkin_id, None)
    assert cleared is not None and cleared.checkin.dispute is None
    assert log.set_dispute(checkin.checkin_id + 1, None) is None
    assert log.get(checkin.checkin_id + 1) is None


def test_the_snapshot_sweep_runs_on_one_replica_at_a_time(engine):
    first, second = PgSweptSnapshots(engine), PgSweptSnapshots(engine)
    with first.sweeping() as ours:
        assert ours
        with second.sweeping() as theirs:
            assert not theirs
        # the photo sweep has its own lock: both may run at once
        with PgSweptGallery(engine).sweeping() as photos:
            assert photos
    with second.sweeping() as theirs:
        assert theirs


def test_expired_snapshots_are_unlinked_from_their_rows_and_handed_back(engine):
    employee(engine)
    keys = [f"checkins/employees/E1/{n}.jpg" for n in range(3)]
    with PgUnitOfWork(engine, ef_search=100) as uow:
        for key in keys:
            uow.checkins.add(None, False, None, "door", snapshot_key=key)
        uow.commit()
    with engine.begin() as db:  # the first two are old
        db.execute(
            text(
                "UPDATE checkin SET created_at = now() - interval '40 days' "
                "WHERE snapshot_key = ANY(:k)"
            ),
            {"k": keys[:2]},
        )
    swept = PgSweptSnapshots(engine)
    assert swept.snapshot_keys_named(keys + ["checkins/x.jpg"]) == set(keys)
    cutoff = datetime.now(UTC) - timedelta(days=30)
    assert (
        sorted(swept.forget_snapshots_before(cutoff, 1) + swept.forget_snapshots_before(cutoff, 10))
        == keys[:2]
    )
    assert swept.forget_snapshots_before(cutoff, 10) == []
    assert swept.snapshot_keys_named(keys) == {keys[2]}


def test_a_challenge_is_consumed_once_and_the_secret_is_shared(engine):
    one, other = PgChallengeLedger(engine), PgChallengeLedger(engine)
    assert one.signing_secret() == other.signing_secret() and len(one.signing_secret()) == 32
    expires = datetime.now(UTC) + timedelta(seconds=20)
    assert one.consume("c1", expires) is True
    assert other.consume("c1", expires) is False
    assert other.consume("c2", expires) is True
