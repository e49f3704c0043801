"""People with faces, vectors, photos and snapshots on the real PostgreSQL and S3 server,
and the privacy use cases on the real adapters, for the privacy tests."""

from sqlalchemy import Engine, text

from backend.domain.audit import AuditEntry, AuditFilter
from backend.domain.consent import ConsentService
from backend.domain.model import Employee, FaceRecord
from backend.domain.policy import photo_key, snapshot_key
from backend.domain.privacy import PrivacySettings, RetentionSchedule
from backend.domain.retention import RetentionJob
from backend.infrastructure.pg_audit import PgAuditLog
from backend.infrastructure.pg_consent import PgConsentRecords
from backend.infrastructure.pg_employees import PgEmployees
from backend.infrastructure.pg_gallery import generation_tables
from backend.infrastructure.pg_retention import PgRetentionRecords
from backend.infrastructure.pg_unit_of_work import PgUnitOfWork
from backend.infrastructure.s3_store import S3ImageStore
from tests.integration.conftest import BoundRepository
from tests.integration.use_cases import units
from tests.unit.fakes import GOOD

JPEG = b"\xff\xd8\xff\xe0 a stored photo"


class RecordingAudit(PgAuditLog):
    """The real audit log on the test's database, and what the tests ask of it."""

    def entries(self) -> list[AuditEntry]:
        return list(self.stream(AuditFilter()))

    def actions(self, action: str) -> list[str]:
        """The subjects of every entry of this action, sorted."""
        return sorted(e.subject_id for e in self.entries() if e.action == action)


def add_person(
    repo: BoundRepository, engine: Engine, store: S3ImageStore, employee_id: str, axis: int
) -> None:
    """An employee with one face (photo stored, vector in the current generation) and one
    matched check-in that keeps a snapshot."""
    face_id = f"{employee_id.lower()}face"
    record = FaceRecord(
        face_id, employee_id, "Dlib", "dlib", photo_key(employee_id, face_id, "jpg"), GOOD
    )
    store.put(record.image_key, JPEG, "image/jpeg")
    vector = [1.0 if i == axis else 0.0 for i in range(4)]
    key = snapshot_key(employee_id, "s1")
    store.put(key, JPEG, "image/jpeg")
    with PgUnitOfWork(engine, ef_search=100) as uow:
        uow.faces.add_face(
            Employee(employee_id, f"Person {employee_id}"), record, vector, repo.gallery
        )
        uow.checkins.add(employee_id, True, 0.01, "door", face_id=face_id, snapshot_key=key)
        uow.commit()


def biometric_traces(engine: Engine, store: S3ImageStore, employee_id: str) -> dict[str, int]:
    """Everything biometric left of a person: face rows, vectors in every generation,
    check-ins naming a snapshot or a face, stored photos and snapshots."""
    with engine.begin() as db:
        faces = db.execute(
            text("SELECT count(*) FROM face WHERE employee_id = :e"), {"e": employee_id}
        ).scalar_one()
        vectors = sum(
            db.execute(
                text(f"SELECT count(*) FROM {table} WHERE employee_id = :e"), {"e": employee_id}
            ).scalar_one()
            for table in generation_tables(db).values()
        )
        links = db.execute(
            text(
                "SELECT count(*) FROM checkin WHERE employee_id = :e "
                "AND (snapshot_key IS NOT NULL OR face_id IS NOT NULL)"
            ),
            {"e": employee_id},
        ).scalar_one()
        links += db.execute(
            text(
                "SELECT count(*) FROM snapshot_hold h JOIN checkin c ON c.id = h.checkin_id "
                "WHERE c.employee_id = :e"
            ),
            {"e": employee_id},
        ).scalar_one()
    photos = len(store.keys(f"employees/{employee_id}/"))
    snapshots = len(store.keys(f"checkins/employees/{employee_id}/"))
    return {
        "faces": faces,
        "vectors": vectors,
        "links": links,
        "photos": photos,
        "snapshots": snapshots,
    }


def kept(engine: Engine, employee_id: str) -> dict[str, int]:
    """What is not biometric and must stay: the person and their check-ins and consents."""
    with engine.begin() as db:
        return {
            table: db.execute(
                text(f"SELECT count(*) FROM {table} WHERE {column} = :e"), {"e": employee_id}
            ).scalar_one()
            for table, column in (
                ("employee", "id"),
                ("checkin", "employee_id"),
                ("consent", "employee_id"),
            )
        }


def consent_service(engine: Engine, store: S3ImageStore, audit: RecordingAudit) -> ConsentService:
    return ConsentService(
        records=PgConsentRecords(engine),
        uow=units(engine),
        people=PgEmployees(engine),
        images=store,
        audit=audit,
        settings=PrivacySettings(),
    )


def retention_job(
    engine: Engine, store: S3ImageStore, audit: RecordingAudit, schedule: RetentionSchedule
) -> RetentionJob:
    return RetentionJob(
        records=PgRetentionRecords(engine),
        uow=units(engine),
        images=store,
        audit=audit,
        schedule=schedule,
    )
