"""Enrollment: a photo in, one face stored under one employee, never a half-written one
and never one face under two employees."""

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from backend.domain import events
from backend.domain.audit import EMPLOYEE_ENROLLED, FACE_ADDED, SYSTEM, Actor
from backend.domain.consent import ConsentService
from backend.domain.errors import (
    BiometricsDeclined,
    ConsentRequired,
    FaceAlreadyEnrolled,
    GalleryChanged,
    LowQuality,
    PhotoAlreadyEnrolled,
    PossibleDuplicate,
)
from backend.domain.face_choice import FaceChoice, box_of, enrollment_face
from backend.domain.gallery_state import GalleryState
from backend.domain.matching import MatchPolicy
from backend.domain.model import (
    Biometrics,
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
from backend.domain.privacy import ConsentStatement, Decision
from backend.domain.thresholds import GalleryThresholds
from backend.domain.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class Enrolled:
    employee_id: str
    face_id: str
    image_key: str
    face_box: dict[str, int] = field(default_factory=dict)  # the face enrolled
    ignored_faces: int = 0  # other faces of the photo, in the background


def refuse_enrolled_photo(employee_id: str, existing_face: str | None) -> None:
    """PhotoAlreadyEnrolled when this employee already has a face from this photo."""
    if existing_face is not None:
        raise PhotoAlreadyEnrolled(
            f"this photo is already enrolled for {employee_id}",
            {"employee_id": employee_id, "face_id": existing_face},
        )


def refuse_declined(employee_id: str, biometrics: str | None) -> None:
    """No face is stored for a person who chose no biometrics (BiometricsDeclined)."""
    if biometrics == Biometrics.NONE:
        raise BiometricsDeclined(
            f"{employee_id} has chosen no biometrics: no face of theirs is stored",
            {"employee_id": employee_id, "biometrics": str(biometrics)},
        )


def duplicate_guard(
    look_alike: Match | None, thresholds: GalleryThresholds, *, confirmed: bool
) -> Match | None:
    """The duplicate guard's decision on the nearest face of another employee: refused
    within the strict threshold (FaceAlreadyEnrolled), refused within the match threshold
    unless HR confirmed they are different people (PossibleDuplicate); else the confirmed
    look-alike to record with the face, or None when nobody looked alike."""
    if look_alike is None or look_alike.distance > thresholds.match:
        return None
    details = {
        "employee_id": look_alike.employee_id,
        "employee_name": look_alike.employee_name,
        "face_id": look_alike.face_id,
        "distance": round(look_alike.distance, 4),
    }
    who = f"{look_alike.employee_name} ({look_alike.employee_id})"
    if look_alike.distance <= thresholds.duplicate_refuse:
        raise FaceAlreadyEnrolled(f"this face is already enrolled as {who}", details)
    if not confirmed:
        raise PossibleDuplicate(
            f"this face looks like {who}; if they are different people, enroll again "
            "with confirm_distinct=true",
            details,
        )
    return look_alike


class EnrollmentService:
    """Adds a face to an employee, refusing poor photos and faces enrolled under others."""

    def __init__(
        self,
        *,
        embedder: Embedder,
        faces: EnrollmentFaces,
        uow: UnitOfWorkFactory,
        images: ImageStore,
        policy: MatchPolicy,
        quality_floor: QualityFloor,
        consent: ConsentService | None = None,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._consent = consent
        self._embedder = embedder
        self._faces = faces
        self._uow = uow
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
        actor: Actor = SYSTEM,
        consent: ConsentStatement | None = None,
    ) -> Enrolled:
        """Enroll one photo; nothing is stored unless everything succeeds.

        A face within the strict threshold of another employee's is refused outright; one
        between that and the match threshold is refused as a possible duplicate unless HR
        confirms they are different people (confirm_distinct), which is recorded.

        No face is stored for a person without a current consent (when required): a
        `consent` given with the photo is recorded first."""
        employee_id, employee_name = validate_employee(employee_id, employee_name)
        department, email = validate_details(department, email)
        required = self._consent is not None and self._consent.settings.consent_required
        if self._consent is not None:
            if consent is not None:
                self._consent.give_with_photo(employee_id, consent, actor, employee_name)
            self._consent.require(employee_id)
        digest = hashlib.sha256(image).hexdigest()
        # Early, before the embedder's work; again under the lock below.
        refuse_declined(employee_id, self._faces.biometrics_of(employee_id))
        refuse_enrolled_photo(employee_id, self._faces.face_with_photo(employee_id, digest))
        choice, gallery = self._enrollment_face(image)
        face = choice.face
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
        thresholds = self._policy.thresholds()  # read before the lock: it may query
        # Photo first, row second: the row never points at a photo that is not there,
        # and a failed insert takes its photo away again.
        self._images.put(record.image_key, image, content_type)
        try:
            with self._uow() as uow:
                uow.lock_enrollment()
                # Under the lock a withdrawal takes too: none lands between this and the insert.
                if required and uow.consents.latest_decision(employee_id) != Decision.GIVEN:
                    raise ConsentRequired(
                        f"{employee_id} has no current consent (withdrawn meanwhile?)",
                        {"employee_id": employee_id},
                    )
                if uow.faces.current_generation(gallery.metric) != gallery.generation:
                    raise GalleryChanged(
                        "the gallery moved to a new generation while this photo was read; "
                        "send it again"
                    )
                # Under the lock, as a switch to "no biometrics" takes it: either that
                # switch deletes this face, or this enrollment sees the choice.
                refuse_declined(employee_id, uow.faces.biometrics_of(employee_id))
                # Under the lock, so that of simultaneous uploads of one photo only the
                # first is stored (a unique index backs this up).
                refuse_enrolled_photo(employee_id, uow.faces.face_with_photo(employee_id, digest))
                look_alike = uow.faces.nearest_of_another(embedding, gallery, employee_id)
                look_alike = duplicate_guard(look_alike, thresholds, confirmed=confirm_distinct)
                if look_alike is None:
                    record = replace(record, confirmed_by=None)
                else:
                    record = replace(record, confirmed_distinct_from=look_alike.employee_id)
                employee = Employee(employee_id, employee_name, department, email)
                new_employee = uow.faces.add_face(employee, record, embedding, gallery)
                uow.emit(
                    events.employee_enrolled(employee_id, employee_name, face_id, new_employee)
                )
                details = {"face_id": face_id, "confirmed_distinct": look_alike is not None}
                action = EMPLOYEE_ENROLLED if new_employee else FACE_ADDED
                uow.record(actor, action, "employee", employee_id, details)
                uow.commit()
        except BaseException:
            self._images.delete(record.image_key)
            raise
        return Enrolled(employee_id, face_id, record.image_key, box_of(face), choice.ignored)

    def _enrollment_face(self, image: bytes) -> tuple[FaceChoice, GalleryState]:
        """The photo's face to enroll (the largest, others in the background) once it is
        good enough, and the gallery row its vector fits."""
        extraction = self._embedder.extract(image)
        gallery = self._policy.check_model(extraction.model)
        choice = enrollment_face(extraction.faces, self._floor, extraction.frame)
        failing = self._floor.failing(choice.face.quality)
        if failing:
            raise LowQuality(
                "the face is not good enough to enroll: " + ", ".join(sorted(failing)),
                {"failing": failing},
            )
        return choice, gallery
