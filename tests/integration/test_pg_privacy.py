"""Consent withdrawal and the retention schedule on the real PostgreSQL and S3 server:
what goes is every biometric trace (faces, vectors of every generation, photos,
snapshots, check-in links), what stays is everything else; two replicas destroy once."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from backend.domain.audit import Actor
from backend.domain.enrollment import EnrollmentService
from backend.domain.errors import ConsentRequired
from backend.domain.model import Extraction, GenerationClaim, Metric
from backend.domain.policy import QualityFloor
from backend.domain.privacy import ConsentStatement, Decision, Method, RetentionSchedule
from backend.infrastructure.database import make_engine
from backend.infrastructure.pg_generations import PgGenerations
from tests.integration.conftest import MODEL, bound_repository
from tests.integration.privacy_world import (
    JPEG,
    RecordingAudit,
    add_person,
    biometric_traces,
    consent_service,
    kept,
    retention_job,
)
from tests.integration.use_cases import FixedThresholds, units
from tests.unit.fakes import FakeEmbedder, face

HR = Actor("api_key", "hr", "hr")
NONE_LEFT = {"faces": 0, "vectors": 0, "links": 0, "photos": 0, "snapshots": 0}
ONE_EACH = {"faces": 1, "vectors": 1, "links": 1, "photos": 1, "snapshots": 1}


def test_withdrawal_destroys_every_trace_in_every_generation_and_keeps_attendance(engine, store):
    repo = bound_repository(engine)
    audit = RecordingAudit(engine)
    consent = consent_service(engine, store, audit)
    version = consent.notice().version
    for n, person in enumerate(("E1", "E2")):
        given = ConsentStatement(Decision.GIVEN, Method.PAPER, version, reference=f"form {n}")
        consent.record(person, given, HR, f"Person {person}")
        add_person(repo, engine, store, person, n)
    # A re-embed under way holds the vectors in a second generation too.
    generations = PgGenerations(engine)
    claim: GenerationClaim = generations.claim_generation(MODEL, Metric.COSINE)
    for stored in generations.all_faces():
        generations.stage(claim, stored, [0.5, 0.5, 0.5, 0.5])
    before = biometric_traces(engine, store, "E1")
    assert before == {**ONE_EACH, "vectors": 2}

    withdrawn = ConsentStatement(Decision.WITHDRAWN, Method.PAPER, reference="letter 7")
    recorded = consent.record("E1", withdrawn, HR)

    assert recorded.destroyed is not None and recorded.destroyed.faces == 1
    assert biometric_traces(engine, store, "E1") == NONE_LEFT
    assert biometric_traces(engine, store, "E2") == {**ONE_EACH, "vectors": 2}
    assert kept(engine, "E1") == {"employee": 1, "checkin": 1, "consent": 2}
    decisions = [r.decision for r in consent.history("E1")]
    assert decisions == [Decision.GIVEN, Decision.WITHDRAWN]
    with engine.begin() as db:
        assert (
            db.execute(text("SELECT biometrics FROM employee WHERE id = 'E1'")).scalar() == "none"
        )
    assert audit.actions("biometrics.destroyed") == ["E1"]


def people_for_the_schedule(engine, store) -> None:
    """Four people: one left 5 days ago, one left yesterday, one last seen 40 days ago,
    one seen today (after_leaving_days=3, inactive_days=30)."""
    repo = bound_repository(engine)
    for n, person in enumerate(("LEFT", "LEFTNEW", "IDLE", "ACTIVE")):
        add_person(repo, engine, store, person, n)
    today = datetime.now(UTC)
    with engine.begin() as db:
        for person, days in (("LEFT", 5), ("LEFTNEW", 1)):
            db.execute(
                text("UPDATE employee SET status = 'left', left_on = :d WHERE id = :e"),
                {"d": (today - timedelta(days=days)).date(), "e": person},
            )
        old = today - timedelta(days=40)
        for table, column in (
            ("employee", "id"),
            ("face", "employee_id"),
            ("checkin", "employee_id"),
        ):
            db.execute(
                text(f"UPDATE {table} SET created_at = :t WHERE {column} = 'IDLE'"), {"t": old}
            )


SCHEDULE = RetentionSchedule(after_leaving_days=3, inactive_days=30, attendance_days=0)


def test_the_schedule_destroys_exactly_who_left_and_who_is_idle(engine, store):
    people_for_the_schedule(engine, store)
    audit = RecordingAudit(engine)
    job = retention_job(engine, store, audit, SCHEDULE)

    dry = job.run(dry_run=True)
    assert dry is not None
    assert [(p.employee_id, p.reason) for p in dry.due] == [("IDLE", "inactive"), ("LEFT", "left")]
    assert biometric_traces(engine, store, "LEFT") == ONE_EACH  # a dry run destroys nothing
    assert audit.entries() == []

    report = job.run()
    assert report is not None
    assert sorted(d.employee_id for d in report.destroyed) == ["IDLE", "LEFT"]
    for person in ("IDLE", "LEFT"):
        assert biometric_traces(engine, store, person) == NONE_LEFT
        assert kept(engine, person) == {"employee": 1, "checkin": 1, "consent": 0}
    for person in ("LEFTNEW", "ACTIVE"):
        assert biometric_traces(engine, store, person) == ONE_EACH
    assert audit.actions("biometrics.destroyed") == ["IDLE", "LEFT"]
    assert job.run(dry_run=True).due == []  # type: ignore[union-attr]


def test_two_replicas_at_once_destroy_each_person_once(engine, store, database_url):
    people_for_the_schedule(engine, store)
    audit = RecordingAudit(engine)
    other = make_engine(database_url, pool_size=2)  # the second replica's own connections
    jobs = [retention_job(e, store, RecordingAudit(e), SCHEDULE) for e in (engine, other)]
    start = threading.Barrier(2)
    reports: list[object] = [None, None]

    def replica(n: int) -> None:
        start.wait()
        reports[n] = jobs[n].run()

    threads = [threading.Thread(target=replica, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    other.dispose()
    destroyed = [d.employee_id for r in reports if r is not None for d in r.destroyed]  # type: ignore[attr-defined]
    assert sorted(destroyed) == ["IDLE", "LEFT"]
    assert audit.actions("biometrics.destroyed") == ["IDLE", "LEFT"]


def test_attendance_past_its_period_goes_and_newer_stays(engine, store):
    repo = bound_repository(engine)
    add_person(repo, engine, store, "E1", 0)
    with engine.begin() as db:
        db.execute(
            text(
                "INSERT INTO checkin (employee_id, matched, api_key_name, created_at) "
                "SELECT 'E1', true, 'door', now() - make_interval(days => 20 + n) "
                "FROM generate_series(1, 3) n"
            )
        )
    audit = RecordingAudit(engine)
    schedule = RetentionSchedule(after_leaving_days=0, inactive_days=365, attendance_days=20)
    report = retention_job(engine, store, audit, schedule).run()
    assert report is not None and report.attendance_deleted == 3 and report.destroyed == []
    assert kept(engine, "E1")["checkin"] == 1
    assert biometric_traces(engine, store, "E1") == ONE_EACH
    assert [e.details["checkins"] for e in audit.entries() if e.action == "attendance.deleted"] == [
        3
    ]


class WithdrawingEmbedder(FakeEmbedder):
    """Reads the photo while the person withdraws (between enrollment's early consent check
    and its transaction): the moment a withdrawal must win."""

    def __init__(self, withdraw: Callable[[], object]) -> None:
        super().__init__(MODEL)
        self._withdraw = withdraw

    def extract(
        self, image: bytes, *, crop: bool = False, landmarks: bool = False, largest: bool = False
    ) -> Extraction:
        self._withdraw()
        return super().extract(image, crop=crop, landmarks=landmarks, largest=largest)


def test_a_withdrawal_landing_during_an_enrollment_stores_no_face(engine, store):
    repo = bound_repository(engine)
    consent = consent_service(engine, store, RecordingAudit(engine))
    given = ConsentStatement(Decision.GIVEN, Method.PAPER, consent.notice().version, reference="F1")
    consent.record("E1", given, HR, "Person E1")
    withdrawn = ConsentStatement(Decision.WITHDRAWN, Method.PAPER, reference="letter")
    embedder = WithdrawingEmbedder(lambda: consent.record("E1", withdrawn, HR))
    embedder.faces[JPEG] = [face((1.0, 0.0, 0.0, 0.0))]
    enrollment = EnrollmentService(
        embedder=embedder,
        faces=repo,
        uow=units(engine),
        images=store,
        policy=FixedThresholds(repo.gallery, 0.0, 0.0),
        quality_floor=QualityFloor(),
        consent=consent,
    )
    with pytest.raises(ConsentRequired):
        enrollment.enroll("E1", "Person E1", JPEG)
    assert biometric_traces(engine, store, "E1") == NONE_LEFT  # not even the photo
