"""Employee administration: details, changes, and erasure of faces and photos."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from backend.domain import events
from backend.domain.audit import (
    EMPLOYEE_CHANGED,
    EMPLOYEE_ERASED,
    FACE_REMOVED,
    PHOTO_VIEWED,
    SYSTEM,
    Actor,
)
from backend.domain.errors import (
    EmployeeNotFound,
    FaceNotFound,
    ValidationFailed,
)
from backend.domain.model import (
    Employee,
    FaceRecord,
    Page,
    StoredPhoto,
)
from backend.domain.policy import (
    employee_prefix,
    snapshot_prefix,
    validate_details,
    validate_name,
)
from backend.domain.ports import (
    AdministeredFaces,
    AuditTrail,
    ImageStore,
)
from backend.domain.privacy import Status
from backend.domain.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class EmployeeDetails:
    employee: Employee
    faces: list[FaceRecord]


class EmployeeAdmin:
    """Reading and erasing employees: rows and photos go together."""

    def __init__(
        self,
        *,
        faces: AdministeredFaces,
        uow: UnitOfWorkFactory,
        images: ImageStore,
        audit: AuditTrail,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self._faces = faces
        self._uow = uow
        self._images = images
        self._audit = audit
        self._today = today

    def list(self, limit: int, offset: int, search: str = "") -> Page:
        """EmployeeSummary items (face count, last check-in), filtered by `search`."""
        return self._faces.employee_summaries(search.strip()[:128], limit, offset)

    def details(self, employee_id: str) -> EmployeeDetails:
        employee = self._faces.get_employee(employee_id)
        if employee is None:
            raise EmployeeNotFound(f"no employee {employee_id}", {"employee_id": employee_id})
        return EmployeeDetails(employee, self._faces.faces_of(employee_id))

    def erase(self, employee_id: str, *, actor: Actor = SYSTEM) -> None:
        """Remove the employee, every face, every check-in, every stored photo and every
        check-in snapshot."""
        with self._uow() as uow:
            existed = uow.faces.delete_employee(employee_id)
            if existed:
                uow.emit(events.employee_erased(employee_id))
                uow.record(actor, EMPLOYEE_ERASED, "employee", employee_id)
            uow.commit()
        # By prefix, so a retry also sweeps photos a failed earlier erase left behind; the
        # check-in snapshots go with the photos (the rows went with the employee).
        self._images.delete_prefix(employee_prefix(employee_id))
        self._images.delete_prefix(snapshot_prefix(employee_id))
        if not existed:
            raise EmployeeNotFound(f"no employee {employee_id}", {"employee_id": employee_id})

    def update(
        self, employee_id: str, changes: dict[str, str | None], *, actor: Actor = SYSTEM
    ) -> Employee:
        """Rename an employee, change the department or e-mail (None clears those), or the
        status: "left" with the day (left_on, ISO date; today if none), or "active" again."""
        clean: dict[str, object] = status_change(changes, self._today())
        if "name" in changes:
            clean["name"] = validate_name(changes["name"] or "")
        if "department" in changes or "email" in changes:
            department, email = validate_details(changes.get("department"), changes.get("email"))
            clean.update(
                {k: v for k, v in (("department", department), ("email", email)) if k in changes}
            )
        updated = self._faces.update_employee(employee_id, clean)
        if updated is None:
            raise EmployeeNotFound(f"no employee {employee_id}", {"employee_id": employee_id})
        # The fields that changed, not their values: the log outlives the data it names.
        self._audit.record(
            actor, EMPLOYEE_CHANGED, "employee", employee_id, {"fields": sorted(clean)}
        )
        return updated

    def remove_face(self, employee_id: str, face_id: str, *, actor: Actor = SYSTEM) -> None:
        with self._uow() as uow:
            removed = uow.faces.delete_face(employee_id, face_id)
            if removed is not None:
                details = {"face_id": face_id}
                uow.record(actor, FACE_REMOVED, "employee", employee_id, details)
            uow.commit()
        if removed is None:
            raise FaceNotFound(
                f"employee {employee_id} has no face {face_id}",
                {"employee_id": employee_id, "face_id": face_id},
            )
        self._images.delete(removed.image_key)

    def photo(self, employee_id: str, face_id: str, *, actor: Actor = SYSTEM) -> StoredPhoto:
        """The enrolled photo of one face, as stored (for admins only: it is personal data)."""
        face = next((f for f in self._faces.faces_of(employee_id) if f.face_id == face_id), None)
        stored = None if face is None else self._images.open(face.image_key)
        if stored is None:
            raise FaceNotFound(
                f"employee {employee_id} has no face {face_id}",
                {"employee_id": employee_id, "face_id": face_id},
            )
        self._audit.record(actor, PHOTO_VIEWED, "employee", employee_id, {"face_id": face_id})
        return stored


def status_change(changes: dict[str, str | None], today: date) -> dict[str, object]:
    """The status columns a change sets: left on a day (not in the future), or active."""
    if "status" not in changes and "left_on" not in changes:
        return {}
    status = changes.get("status") or Status.LEFT.value
    if status not in (Status.ACTIVE.value, Status.LEFT.value):
        raise ValidationFailed("status is active or left", {"fields": {"status": "active or left"}})
    if status == Status.ACTIVE.value:
        return {"status": status, "left_on": None}
    try:
        given = changes.get("left_on")
        left_on = date.fromisoformat(given) if given else today
    except ValueError:
        left_on = None
    if left_on is None or left_on > today:
        raise ValidationFailed(
            "left_on is the day the person left (ISO date, not in the future)",
            {"fields": {"left_on": "an ISO date such as 2026-11-30, today or before"}},
        )
    return {"status": status, "left_on": left_on}
