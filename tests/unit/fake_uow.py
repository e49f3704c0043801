"""The unit of work in memory: writes to the face and check-in fakes, undone unless
committed; events published into `published` at commit; locks recorded. It decides
nothing: the duplicate guard, the repeat rule and the events are the use cases'."""

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from backend.domain.gallery_state import GalleryState
from backend.domain.model import (
    Biometrics,
    Checkin,
    CheckinMethod,
    Employee,
    FaceRecord,
    Match,
    Metric,
)
from backend.domain.privacy import ConsentRecord, Decision, Destroyed
from backend.domain.site_model import DEFAULT_SITE_ID, Direction
from backend.domain.unit_of_work import AuditNote, Event, UnitOfWork
from tests.unit.fake_audit import FakeAuditLog
from tests.unit.fake_credentials import FakeCredentials, FakeCredentialWrites
from tests.unit.fake_records import FakeCheckinLog
from tests.unit.fakes import FakeFaceRepository, ranked


class FakeFaceWrites:
    def __init__(self, repo: FakeFaceRepository, log: FakeCheckinLog) -> None:
        self._repo = repo
        self._log = log

    def current_generation(self, metric: Metric) -> int:
        return self._repo.generation

    def face_with_photo(self, employee_id: str, content_sha256: str) -> str | None:
        return self._repo.face_with_photo(employee_id, content_sha256)

    def nearest_of_another(
        self, embedding: list[float], gallery: GalleryState, employee_id: str
    ) -> Match | None:
        near = ranked(self._repo, embedding, gallery.metric, employee_id)
        return near[0] if near else None

    def add_face(
        self, employee: Employee, face: FaceRecord, embedding: list[float], gallery: GalleryState
    ) -> bool:
        if self._repo.error is not None:
            raise self._repo.error
        new = employee.employee_id not in self._repo.employees
        self._repo.employees.setdefault(employee.employee_id, employee)
        self._repo.faces[face.face_id] = (face, embedding)
        return new

    def delete_employee(self, employee_id: str) -> bool:
        if self._repo.error is not None:
            raise self._repo.error
        existed = self._repo.employees.pop(employee_id, None) is not None
        for face_id in [
            f for f, (r, _) in self._repo.faces.items() if r.employee_id == employee_id
        ]:
            del self._repo.faces[face_id]
        # its check-ins go with it, and the snapshots they hold
        for row in [r for r in self._log.rows if r.employee_id == employee_id]:
            self._log.held.pop(row.checkin_id, None)
        self._log.rows[:] = [r for r in self._log.rows if r.employee_id != employee_id]
        return existed

    def delete_face(self, employee_id: str, face_id: str) -> FaceRecord | None:
        record = self._repo.faces.get(face_id)
        if record is None or record[0].employee_id != employee_id:
            return None
        del self._repo.faces[face_id]
        return record[0]

    def biometrics_of(self, employee_id: str) -> str | None:
        return self._repo.biometrics_of(employee_id)

    def set_biometrics(self, employee_id: str, biometrics: str) -> bool:
        employee = self._repo.employees.get(employee_id)
        if employee is not None:
            self._repo.employees[employee_id] = replace(employee, biometrics=Biometrics(biometrics))
        return employee is not None

    def destroy_biometrics(self, employee_id: str) -> Destroyed | None:
        gone = [f for f, (r, _) in self._repo.faces.items() if r.employee_id == employee_id]
        for face_id in gone:
            del self._repo.faces[face_id]
        unlinked = 0
        for i, row in enumerate(self._log.rows):
            if row.employee_id == employee_id and (row.snapshot_key or row.face_id):
                self._log.rows[i] = replace(row, snapshot_key=None, face_id=None)
                self._log.held.pop(row.checkin_id, None)
                unlinked += 1
        return Destroyed(employee_id, len(gone), unlinked) if gone or unlinked else None


class FakeConsentWrites:
    def __init__(self, repo: FakeFaceRepository) -> None:
        self._repo = repo

    def latest_decision(self, employee_id: str) -> Decision | None:
        history = self._repo.consents.get(employee_id, [])
        return history[-1].decision if history else None

    def add(self, employee: Employee, consent: ConsentRecord, biometrics: str) -> ConsentRecord:
        person = self._repo.employees.setdefault(employee.employee_id, employee)
        chosen = replace(person, biometrics=Biometrics(biometrics))
        self._repo.employees[employee.employee_id] = chosen
        history = self._repo.consents.setdefault(employee.employee_id, [])
        stored = replace(consent, recorded_at=datetime.now(UTC), record_id=len(history) + 1)
        history.append(stored)
        return stored


class FakeCheckinWrites:
    def __init__(self, log: FakeCheckinLog) -> None:
        self._log = log

    def now(self) -> datetime:
        return self._log.now()

    def clock_and_last_matched(self, employee_id: str) -> tuple[datetime, Checkin | None]:
        mine = [r for r in self._log.rows if r.employee_id == employee_id and r.matched]
        return self._log.now(), mine[-1] if mine else None

    def add(
        self,
        employee_id: str | None,
        matched: bool,
        distance: float | None,
        api_key_name: str,
        *,
        at: datetime | None = None,
        face_id: str | None = None,
        snapshot_key: str | None = None,
        snapshot_jpeg: bytes | None = None,
        method: CheckinMethod = CheckinMethod.FACE,
        site_id: int | None = None,
        direction: Direction | None = None,
    ) -> Checkin:
        if self._log.error is not None:
            raise self._log.error
        row = Checkin(
            len(self._log.rows) + 1,
            employee_id,
            matched,
            distance,
            api_key_name,
            at or self._log.now(),
            snapshot_key=snapshot_key,
            face_id=face_id,
            method=method,
            site_id=DEFAULT_SITE_ID if site_id is None else site_id,
            direction=direction,
        )
        self._log.rows.append(row)
        if snapshot_key is not None and snapshot_jpeg is not None:
            self._log.held[row.checkin_id] = snapshot_jpeg
        return row

    def count_unknown(self, api_key_name: str, not_allowed: bool = False) -> None:
        hour = self._log.now().replace(minute=0, second=0, microsecond=0)
        self._log.unknown[hour, api_key_name] = self._log.unknown.get((hour, api_key_name), 0) + 1
        if not_allowed:
            self._log.not_allowed[hour, api_key_name] = (
                self._log.not_allowed.get((hour, api_key_name), 0) + 1
            )


class FakeUnitOfWork(UnitOfWork):
    """One use of the fakes; `published` (shared by every unit) is the outbox, `audit` the
    audit log."""

    def __init__(
        self,
        faces: FakeFaceRepository,
        checkins: FakeCheckinLog,
        published: list[Event],
        audit: FakeAuditLog | None = None,
        credentials: FakeCredentials | None = None,
    ) -> None:
        super().__init__()
        self.audit = audit if audit is not None else FakeAuditLog()
        self._repo = faces
        self._log = checkins
        self._store = credentials or FakeCredentials(faces)
        self.published = published
        self.locks: list[str] = []
        self.faces = FakeFaceWrites(faces, checkins)
        self.checkins = FakeCheckinWrites(checkins)
        self.credentials = FakeCredentialWrites(self._store)
        self._saved_credentials: tuple[dict[str, Any], ...] = ()
        self.consents = FakeConsentWrites(faces)
        self._saved_consents: dict[str, list[ConsentRecord]] = {}
        self._saved_employees: dict[str, Employee] = {}
        self._saved_faces: dict[str, tuple[FaceRecord, list[float]]] = {}
        self._saved_rows: list[Checkin] = []
        self._saved_held: dict[int, bytes] = {}
        self._saved_unknown: dict[tuple[datetime, str], int] = {}

    def lock_enrollment(self) -> None:
        self.locks.append("enrollment")

    def lock_checkins_of(self, employee_id: str) -> None:
        self.locks.append(f"checkins of {employee_id}")

    def _begin(self) -> None:
        self._saved_employees = dict(self._repo.employees)
        self._saved_consents = {k: list(v) for k, v in self._repo.consents.items()}
        self._saved_faces = dict(self._repo.faces)
        self._saved_rows = list(self._log.rows)
        self._saved_held = dict(self._log.held)
        self._saved_unknown = dict(self._log.unknown)
        self._saved_credentials = tuple(
            dict(part) for part in (self._store.pins, self._store.lockouts, self._store.tokens)
        )

    def _end(self) -> None:
        """Nothing taken: the fakes are plain containers."""

    def _publish(self, events: list[Event]) -> None:
        self.published.extend(events)

    def _append_audit(self, notes: list[AuditNote]) -> None:
        for note in notes:
            self.audit.record(
                note.actor, note.action, note.subject_kind, note.subject_id, note.details
            )

    def _commit(self) -> None:
        """Nothing to do: the writes went straight into the fakes."""

    def _rollback(self) -> None:
        # In place: the other fakes hold these very containers.
        self._repo.employees.clear()
        self._repo.employees.update(self._saved_employees)
        self._repo.faces.clear()
        self._repo.faces.update(self._saved_faces)
        self._repo.consents.clear()
        self._repo.consents.update(self._saved_consents)
        self._log.rows[:] = self._saved_rows
        self._log.held.clear()
        self._log.held.update(self._saved_held)
        self._log.unknown.clear()
        self._log.unknown.update(self._saved_unknown)
        pins, lockouts, tokens = self._saved_credentials
        for part, saved in (
            (self._store.pins, pins),
            (self._store.lockouts, lockouts),
            (self._store.tokens, tokens),
        ):
            part.clear()
            part.update(saved)
