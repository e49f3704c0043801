"""Enrollment: a photo in, one face stored under one employee, never a half-written one
and never one face under two employees."""

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from backend.domain.errors import (
    DomainError,
    FaceAlreadyEnrolled,
    LowQuality,
    MultipleFaces,
    NoFaceDetected,
    PhotoAlreadyEnrolled,
    PossibleDuplicate,
)
from backend.domain.gallery_state import GalleryState
from backend.domain.matching import MatchPolicy
from backend.domain.model import (
    DetectedFace,
    Employee,
    FaceRecord,
    Match,
)
from backend.domain.policy import (
    QualityFloor,
    image_extension,
    photo_key,
    unit_vector,
    validate_details,
    validate_employee,
)
from backend.domain.ports import (
    Embedder,
    EnrollmentFaces,
    ImageStore,
)


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
        faces: EnrollmentFaces,
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
        *,
        confirm_distinct: bool = False,
        confirmed_by: str | None = None,
    ) -> Enrolled:
        """Enroll one photo; nothing is stored unless everything succeeds.

        A face within the strict threshold of another employee's is refused outright; one
        between that and the match threshold is refused as a possible duplicate unless HR
        confirms they are different people (confirm_distinct), which is recorded."""
        employee_id, employee_name = validate_employee(employee_id, employee_name)
        department, email = validate_details(department, email)
        digest = hashlib.sha256(image).hexdigest()
        existing = self._faces.face_with_photo(employee_id, digest)
        if existing is not None:
            raise PhotoAlreadyEnrolled(
                f"this photo is already enrolled for {employee_id}",
                {"employee_id": employee_id, "face_id": existing},
            )
        face, gallery = self._single_face(image)
        assert gallery.model is not None
        embedding = unit_vector(face.embedding)
        face_id = self._new_id()
        extension, content_type = image_extension(image)
        record = FaceRecord(
            face_id=face_id,
            employee_id=employee_id,
            model=gallery.model.model,
            detector=gallery.model.detector,
            image_key=photo_key(employee_id, face_id, extension),
            quality=face.quality,
            content_sha256=digest,
            confirmed_by=confirmed_by if confirm_distinct else None,
        )
        thresholds = self._policy.thresholds()
        # Photo first, row second: the row never points at a photo that is not there,
        # and a failed insert takes its photo away again.
        self._images.put(record.image_key, image, content_type)
        try:
            guarded = self._faces.add_face_unless_near(
                Employee(employee_id, employee_name, department, email),
                record,
                embedding,
                gallery,
                refuse_within=thresholds.duplicate_refuse,
                ask_within=thresholds.match,
                confirmed=confirm_distinct,
            )
        except BaseException:
            self._images.delete(record.image_key)
            raise
        if not guarded.inserted:
            self._images.delete(record.image_key)
            raise self._duplicate_error(guarded.look_alike, thresholds.duplicate_refuse)
        return Enrolled(employee_id, face_id, record.image_key)

    @staticmethod
    def _duplicate_error(look_alike: Match | None, refuse_within: float) -> DomainError:
        assert look_alike is not None, "the guard refuses only near another employee's face"
        details = {
            "employee_id": look_alike.employee_id,
            "employee_name": look_alike.employee_name,
            "face_id": look_alike.face_id,
            "distance": round(look_alike.distance, 4),
        }
        who = f"{look_alike.employee_name} ({look_alike.employee_id})"
        if look_alike.distance <= refuse_within:
            return FaceAlreadyEnrolled(f"this face is already enrolled as {who}", details)
        return PossibleDuplicate(
            f"this face looks like {who}; if they are different people, enroll again "
            "with confirm_distinct=true",
            details,
        )

    def _single_face(self, image: bytes) -> tuple[DetectedFace, GalleryState]:
        """The photo's one good face, and the gallery row its vector fits."""
        extraction = self._embedder.extract(image)
        gallery = self._policy.check_model(extraction.model)
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
        return face, gallery
