"""The access export: everything held about one person, as named parts (a JSON record,
then their enrolled photos and kept snapshots) that the caller packs as it reads them.
Check-ins stream from the database; nothing holds them all at once."""

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from backend.domain.audit import EXPORTED, Actor
from backend.domain.errors import EmployeeNotFound
from backend.domain.evidence import open_snapshot
from backend.domain.model import CheckinFilter, CheckinRow, Employee, FaceRecord
from backend.domain.ports import (
    AdministeredFaces,
    AttendanceRecords,
    AuditArchive,
    AuditTrail,
    ConsentRecords,
    HeldSnapshots,
    ImageStore,
)


@dataclass(frozen=True)
class ExportPart:
    """One file of the export: its name and its bytes as they are read."""

    name: str
    chunks: Iterator[bytes]


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def dumps(value: Any) -> bytes:
    return json.dumps(value, default=_plain, ensure_ascii=False).encode()


class AccessExport:
    """A copy of a person's data for them (GDPR Art. 15); every export is audited."""

    def __init__(
        self,
        *,
        people: AdministeredFaces,
        consents: ConsentRecords,
        checkins: AttendanceRecords,
        images: ImageStore,
        held: HeldSnapshots,
        audit: AuditTrail,
        archive: AuditArchive,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._people = people
        self._consents = consents
        self._checkins = checkins
        self._images = images
        self._held = held
        self._audit = audit
        self._archive = archive
        self._now = now

    def export(self, employee_id: str, actor: Actor) -> Iterator[ExportPart]:
        """The export's parts, read lazily; EmployeeNotFound at once (before any part)."""
        employee = self._people.get_employee(employee_id)
        if employee is None:
            raise EmployeeNotFound(f"no employee {employee_id}", {"employee_id": employee_id})
        self._audit.record(actor, EXPORTED, "employee", employee_id)
        return self._parts(employee, actor.name)

    def _parts(self, employee: Employee, by: str) -> Iterator[ExportPart]:
        faces = self._people.faces_of(employee.employee_id)
        snapshots: list[tuple[int, str]] = []  # keys only: a bounded few (snapshot retention)
        yield ExportPart("person.json", self._record(employee, faces, snapshots, by))
        for face in faces:
            stored = self._images.open(face.image_key)
            if stored is not None:
                extension = face.image_key.rsplit(".", 1)[-1]
                yield ExportPart(f"photos/{face.face_id}.{extension}", stored.chunks)
        for checkin_id, key in snapshots:
            stored = open_snapshot(self._images, self._held, checkin_id, key)
            if stored is not None:
                yield ExportPart(f"snapshots/{checkin_id}.jpg", stored.chunks)

    def _record(
        self, employee: Employee, faces: list[FaceRecord], snapshots: list[tuple[int, str]], by: str
    ) -> Iterator[bytes]:
        """person.json, written as it is read: check-ins one by one from the stream."""
        head = {
            "exported_at": self._now(),
            "exported_by": by,
            "employee": asdict(employee),
            "faces": [_face(f) for f in faces],
            "consents": [asdict(c) for c in self._consents.history(employee.employee_id)],
            "audit": [asdict(e) for e in self._archive.about("employee", employee.employee_id)],
        }
        yield dumps(head)[:-1] + b', "checkins": ['
        disputes: list[dict[str, Any]] = []
        rows = self._checkins.stream(CheckinFilter(employee_id=employee.employee_id))
        for index, row in enumerate(rows):
            yield (b"," if index else b"") + dumps(_checkin(row))
            checkin = row.checkin
            if checkin.snapshot_key:
                snapshots.append((checkin.checkin_id, checkin.snapshot_key))
            if checkin.dispute is not None:
                disputes.append({"checkin_id": checkin.checkin_id, **asdict(checkin.dispute)})
        yield b'], "disputes": ' + dumps(disputes) + b"}"


def _face(face: FaceRecord) -> dict[str, Any]:
    record = asdict(face)
    record["photo"] = f"photos/{face.face_id}.{face.image_key.rsplit('.', 1)[-1]}"
    return record


def _checkin(row: CheckinRow) -> dict[str, Any]:
    checkin = row.checkin
    return {
        "checkin_id": checkin.checkin_id,
        "checked_in_at": checkin.created_at,
        "matched": checkin.matched,
        "distance": checkin.distance,
        "door": checkin.api_key_name,
        "face_id": checkin.face_id,
        "snapshot": f"snapshots/{checkin.checkin_id}.jpg" if checkin.snapshot_key else None,
        "disputed": checkin.dispute is not None,
    }
