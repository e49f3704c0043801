"""Use cases: enroll an employee from a photo, check someone in, administer the gallery."""

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from backend.domain.errors import (
    EmployeeNotFound,
    FaceAlreadyEnrolled,
    FaceNotFound,
    LowQuality,
    MultipleFaces,
    NoFaceDetected,
    PhotoAlreadyEnrolled,
)
from backend.domain.model import Checkin, DetectedFace, Employee, FaceRecord, Match, Page
from backend.domain.policy import (
    MatchPolicy,
    QualityFloor,
    image_extension,
    unit_vector,
    validate_details,
    validate_employee,
    validate_name,
)
from backend.domain.ports import CheckinLog, Embedder, FaceRepository, ImageStore


@dataclass(frozen=True)
class Enrolled:
    employee_id: str
    face_id: str
    image_key: str


class EnrollmentService:
    """Adds a face to an employee, refusing poor photos and faces enrolled under others."""

    def __init__(
        self,
        *,
        embedder: Embedder,
        faces: FaceRepository,
        images: ImageStore,
        policy: MatchPolicy,
        quality_floor: QualityFloor,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._embedder = embedder
        self._faces = faces
        self._images = images
        self._policy = policy
        self._floor = quality_floor
        self._new_id = new_id

    def enroll(
        self,
        employee_id: str,
        employee_name: str,
        image: bytes,
        department: str | None = None,
        email: str | None = None,
    ) -> Enrolled:
        """Enroll one photo; nothing is stored unless everything succeeds."""
        employee_id, employee_name = validate_employee(employee_id, employee_name)
        department, email = validate_details(department, email)
        digest = hashlib.sha256(image).hexdigest()
        existing = self._faces.face_with_photo(employee_id, digest)
        if existing is not None:
            raise PhotoAlreadyEnrolled(
                f"this photo is already enrolled for {employee_id}",
                {"employee_id": employee_id, "face_id": existing},
            )
        face = self._single_face(image)
        embedding = unit_vector(face.embedding)
        face_id = self._new_id()
        extension, content_type = image_extension(image)
        record = FaceRecord(
            face_id=face_id,
            employee_id=employee_id,
            model=self._policy.model.model,
            detector=self._policy.model.detector,
            image_key=f"employees/{employee_id}/{face_id}.{extension}",
            quality=face.quality,
            content_sha256=digest,
        )
        # Photo first, row second: the row never points at a photo that is not there,
        # and a failed insert takes its photo away again.
        self._images.put(record.image_key, image, content_type)
        try:
            conflict = self._faces.add_face_unless_near(
                Employee(employee_id, employee_name, department, email),
                record,
                embedding,
                self._policy.metric,
                within=self._policy.duplicate_threshold,
            )
        except BaseException:
            self._images.delete(record.image_key)
            raise
        if conflict is not None:
            self._images.delete(record.image_key)
            raise FaceAlreadyEnrolled(
                f"this face is already enrolled as {conflict.employee_name} "
                f"({conflict.employee_id})",
                {
                    "employee_id": conflict.employee_id,
                    "employee_name": conflict.employee_name,
                    "distance": round(conflict.distance, 4),
                },
            )
        return Enrolled(employee_id, face_id, record.image_key)

    def _single_face(self, image: bytes) -> DetectedFace:
        extraction = self._embedder.extract(image)
        self._policy.check_model(extraction.model)
        if not extraction.faces:
            raise NoFaceDetected("no face was found in the photo")
        if len(extraction.faces) > 1:
            raise MultipleFaces(
                f"the photo shows {len(extraction.faces)} faces; enroll one person at a time",
                {"faces": len(extraction.faces)},
            )
        face = extraction.faces[0]
        failing = self._floor.failing(face.quality)
        if failing:
            raise LowQuality(
                "the face is not good enough to enroll: " + ", ".join(sorted(failing)),
                {"failing": failing},
            )
        return face


@dataclass(frozen=True)
class CheckInOutcome:
    matched: bool
    reason: str | None = None  # "no_match" or "no_face_detected" when not matched
    match: Match | None = None
    checkin: Checkin | None = None


class CheckInService:
    """Answers "who is this?" for the largest face in a frame and records the answer."""

    def __init__(
        self,
        *,
        embedder: Embedder,
        faces: FaceRepository,
        checkins: CheckinLog,
        policy: MatchPolicy,
    ) -> None:
        self._embedder = embedder
        self._faces = faces
        self._checkins = checkins
        self._policy = policy

    def check_in(self, image: bytes, api_key_name: str) -> CheckInOutcome:
        extraction = self._embedder.extract(image)
        self._policy.check_model(extraction.model)
        if not extraction.faces:
            return CheckInOutcome(matched=False, reason="no_face_detected")
        embedding = unit_vector(extraction.faces[0].embedding)
        nearest = self._faces.nearest(embedding, self._policy.metric, limit=1)
        best = nearest[0] if nearest else None
        if best is not None and best.distance <= self._policy.match_threshold:
            checkin = self._checkins.record(best.employee_id, True, best.distance, api_key_name)
            return CheckInOutcome(matched=True, match=best, checkin=checkin)
        distance = best.distance if best else None
        checkin = self._checkins.record(None, False, distance, api_key_name)
        return CheckInOutcome(matched=False, reason="no_match", checkin=checkin)


@dataclass(frozen=True)
class EmployeeDetails:
    employee: Employee
    faces: list[FaceRecord]


class EmployeeAdmin:
    """Reading and erasing employees: rows and photos go together."""

    def __init__(self, *, faces: FaceRepository, images: ImageStore) -> None:
        self._faces = faces
        self._images = images

    def list(self, limit: int, offset: int) -> Page:
        return self._faces.list_employees(limit, offset)

    def details(self, employee_id: str) -> EmployeeDetails:
        employee = self._faces.get_employee(employee_id)
        if employee is None:
            raise EmployeeNotFound(f"no employee {employee_id}", {"employee_id": employee_id})
        return EmployeeDetails(employee, self._faces.faces_of(employee_id))

    def erase(self, employee_id: str) -> None:
        """Remove the employee, every face, every check-in and every stored photo."""
        existed = self._faces.delete_employee(employee_id)
        # By prefix, so a retry also sweeps photos a failed earlier erase left behind.
        self._images.delete_prefix(f"employees/{employee_id}/")
        if not existed:
            raise EmployeeNotFound(f"no employee {employee_id}", {"employee_id": employee_id})

    def update(self, employee_id: str, changes: dict[str, str | None]) -> Employee:
        """Rename an employee or change the department or e-mail (None clears those)."""
        clean: dict[str, str | None] = {}
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
        return updated

    def remove_face(self, employee_id: str, face_id: str) -> None:
        removed = self._faces.delete_face(employee_id, face_id)
        if removed is None:
            raise FaceNotFound(
                f"employee {employee_id} has no face {face_id}",
                {"employee_id": employee_id, "face_id": face_id},
            )
        self._images.delete(removed.image_key)

    def image_url(self, key: str) -> str:
        return self._images.url(key)
