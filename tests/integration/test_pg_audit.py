"""The audit log on the real PostgreSQL: one chain across writers, append-only for the
application's role, and `facegate audit verify` naming what a superuser edited or removed."""

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import exc, text

from backend.domain.audit import Actor, AuditFilter
from backend.domain.audit_log import verify_chain
from backend.infrastructure.database import make_engine
from backend.infrastructure.pg_audit import PgAuditLog
from tests.conftest import run_cli
from tests.integration import use_cases
from tests.integration.conftest import bound_repository

HR = Actor("api_key", "hr-laptop", "hr-laptop")


def fill(log: PgAuditLog, count: int) -> None:
    for n in range(count):
        log.record(HR, "face.added", "employee", f"E{n:03}", {"face_id": f"f{n}"})


def verify(log: PgAuditLog):
    return verify_chain(log.anchor(), log.stream(AuditFilter()), log.head())


def superuser_sql(engine, statement: str) -> None:
    """What a superuser can still do: switch triggers off for the session and write."""
    with engine.begin() as db:
        db.execute(text("SET LOCAL session_replication_role = replica"))
        db.execute(text(statement))


def test_writers_at_once_keep_one_chain_without_gaps(engine, database_url):
    other = make_engine(database_url, pool_size=4)  # a second replica's engine
    logs = [PgAuditLog(engine), PgAuditLog(other)]
    threads = [threading.Thread(target=fill, args=(logs[n % 2], 10)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.dispose()
    verdict = verify(logs[0])
    assert verdict.entries == 60 and verdict.problems == []
    assert [e.seq for e in logs[0].stream(AuditFilter())] == list(range(1, 61))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
        "TRUNCATE audit_log",
    ],
)
def test_the_applications_connection_cannot_change_the_log(engine, statement):
    """The backend's own connection (a superuser here, as `make run` connects) is refused
    by the guard trigger."""
    fill(PgAuditLog(engine), 2)
    with pytest.raises(exc.DBAPIError, match="append-only"), engine.begin() as db:
        db.execute(text(statement))
    assert verify(PgAuditLog(engine)).entries == 2


def test_an_application_role_that_is_no_superuser_cannot_change_it_or_its_guard(
    engine, database_url
):
    """Production: migrations ran as a superuser, the backend connects as its own role
    with every table privilege it could be given."""
    role = "app_" + uuid.uuid4().hex[:8]
    with engine.begin() as db:
        db.execute(text(f"CREATE ROLE {role} LOGIN"))
        db.execute(text(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}"))
    as_app = make_engine(database_url.replace("postgres:@", f"{role}:@", 1), pool_size=1)
    try:
        log = PgAuditLog(as_app)
        fill(log, 3)  # it appends
        for statement in (
            "UPDATE audit_log SET details = '{}' WHERE seq = 2",
            "DELETE FROM audit_log WHERE seq = 3",
            "TRUNCATE audit_log",
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
            "DROP TRIGGER audit_log_append_only ON audit_log",
            "SET session_replication_role = replica",
        ):
            with pytest.raises(exc.DBAPIError), as_app.begin() as db:
                db.execute(text(statement))
        with as_app.connect() as db:
            owner = db.execute(
                text("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'")
            ).scalar()
        assert owner == "facegate_audit_owner"
        assert verify(log).entries == 3 and verify(log).intact
    finally:
        as_app.dispose()


def test_verify_passes_then_names_the_row_a_superuser_edited(engine, database_url):
    fill(PgAuditLog(engine), 5)
    passed = run_cli("audit", "verify", env={"DATABASE_URL": database_url})
    assert passed.returncode == 0, passed.stderr
    assert "5 entries verified" in passed.stdout
    superuser_sql(engine, "UPDATE audit_log SET subject_id = 'E999' WHERE seq = 3")
    failed = run_cli("audit", "verify", env={"DATABASE_URL": database_url})
    assert failed.returncode == 1
    assert "row 3: its content does not match its hash" in failed.stderr


def test_verify_names_rows_a_superuser_deleted_in_the_middle_and_at_the_end(engine, database_url):
    fill(PgAuditLog(engine), 6)
    superuser_sql(engine, "DELETE FROM audit_log WHERE seq IN (2, 6)")
    failed = run_cli("audit", "verify", env={"DATABASE_URL": database_url})
    assert failed.returncode == 1
    assert "row 3: rows 2..2 before it are missing" in failed.stderr
    assert "rows 6..6 at the end are missing" in failed.stderr


def test_pruning_leaves_an_anchor_and_the_chain_still_verifies(engine):
    log = PgAuditLog(engine)
    fill(log, 4)
    cut = datetime.now(UTC) + timedelta(microseconds=1)
    fill(log, 3)
    assert log.prune(cut) == 4
    fill(log, 2)
    verdict = verify(log)
    assert verdict.intact and verdict.entries == 5
    assert log.anchor() is not None and log.anchor().through_seq == 4  # type: ignore[union-attr]
    for statement in ("DELETE FROM audit_anchor", "TRUNCATE audit_anchor"):
        with pytest.raises(exc.DBAPIError, match="append-only"), engine.begin() as db:
            db.execute(text(statement))
    with pytest.raises(exc.DBAPIError, match="must name an existing row"), engine.begin() as db:
        db.execute(text("INSERT INTO audit_anchor (through_seq, hash, pruned) VALUES (9, 'x', 1)"))


def test_search_filters_by_actor_action_subject_and_dates(engine):
    log = PgAuditLog(engine)
    fill(log, 3)
    log.record(Actor("api_key", "auditor", "auditor"), "photo.viewed", "employee", "E001")
    assert log.search(AuditFilter(actor="audit"), 10, 0).total == 1
    assert log.search(AuditFilter(actor="%"), 10, 0).total == 0  # no wildcard from outside
    assert log.search(AuditFilter(action="face_"), 10, 0).total == 0
    assert log.search(AuditFilter(action="face."), 10, 0).total == 3
    page = log.search(AuditFilter(subject="E001"), 10, 0)
    assert [e.action for e in page.items] == ["photo.viewed", "face.added"]  # newest first
    assert [e.subject_id for e in log.about("employee", "E001")] == ["E001", "E001"]
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert log.search(AuditFilter(since=tomorrow), 10, 0).total == 0
    assert log.search(AuditFilter(until=tomorrow), 2, 0).total == 4


def test_enrollment_and_erasure_write_their_entries_in_their_own_transaction(engine):
    """Through PgUnitOfWork: an entry exists exactly when its change was committed."""
    repo = bound_repository(engine)
    log = PgAuditLog(engine)
    assert use_cases.enroll(repo, "E1", "f1", [1.0, 0.0, 0.0, 0.0]) is None
    refused = use_cases.enroll(repo, "E2", "f2", [1.0, 0.0, 0.0, 0.0], refuse=0.1)
    assert refused is not None and refused.code == "face_already_enrolled"
    use_cases.admin(repo).erase("E1", actor=HR)
    entries = list(log.stream(AuditFilter()))
    assert [(e.action, e.subject_id) for e in entries] == [
        ("employee.enrolled", "E1"),
        ("employee.erased", "E1"),
    ]
    assert entries[1].actor == HR and verify(log).intact
