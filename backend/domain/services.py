"""Use cases: enroll an employee from a photo, check someone in, administer the gallery."""

import contextlib
import hashlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from backend.domain.errors import (
    DomainError,
    EmployeeNotFound,
    FaceAlreadyEnrolled,
    FaceNotFound,
    LowQuality,
    MultipleFaces,
    NoFaceDetected,
    PhotoAlreadyEnrolled,
    PossibleDuplicate,
)
from backend.domain.evidence import SnapshotPolicy, SnapshotWriter
from backend.domain.gallery_state import GalleryState
from backend.domain.matching import MatchPolicy
from backend.domain.model import (
    Checkin,
    DetectedFace,
    Employee,
    FaceRecord,
    Match,
    Page,
    StoredPhoto,
)
from backend.domain.policy import (
    QualityFloor,
    employee_prefix,
    image_extension,
    photo_key,
    snapshot_prefix,
    unit_vector,
    validate_details,
    validate_employee,
    validate_name,
)
from backend.domain.ports import (
    AdministeredFaces,
    CheckinFaces,
    CheckinRecorder,
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


# Faces read per check-in: enough to find the nearest face of another employee than the
# nearest one even when that one has three photos (the ambiguity margin needs it).
NEAREST_FACES = 8


@dataclass(frozen=True)
class CheckInOutcome:
    matched: bool
    # when not matched: "no_match", "ambiguous" (two employees about as near) or
    # "no_face_detected"
    reason: str | None = None
    match: Match | None = None
    checkin: Checkin | None = None
    repeat: bool = False  # matched again within the repeat window: `checkin` is the earlier one


class CheckInService:
    """Answers "who is this?" for the largest face in a frame and records the answer,
    with the face the kiosk saw (a snapshot) when snapshots are kept."""

    def __init__(
        self,
        *,
        embedder: Embedder,
        faces: CheckinFaces,
        checkins: CheckinRecorder,
        policy: MatchPolicy,
        repeat_seconds: float = 60.0,
        snapshots: SnapshotWriter | None = None,
        snapshot_policy: SnapshotPolicy = SnapshotPolicy(keep_days=0),
    ) -> None:
        self._embedder = embedder
        self._faces = faces
        self._checkins = checkins
        self._policy = policy
        self._repeat_seconds = repeat_seconds
        self._snapshots = snapshots if snapshot_policy.enabled else None
        self._keep_unknown = snapshot_policy.keep_unknown

    def check_in(self, image: bytes, api_key_name: str) -> CheckInOutcome:
        extraction = self._embedder.extract(image, crop=self._snapshots is not None)
        gallery = self._policy.check_model(extraction.model)
        if not extraction.faces:
            return CheckInOutcome(matched=False, reason="no_face_detected")
        return self.check_in_face(extraction.faces[0], api_key_name, gallery)

    def check_in_face(
        self, face: DetectedFace, api_key_name: str, gallery: GalleryState
    ) -> CheckInOutcome:
        """Match one face already extracted (with its crop when snapshots are kept) in
        the gallery row its vector was checked against."""
        embedding = unit_vector(face.embedding)
        nearest = self._faces.nearest(embedding, gallery, limit=NEAREST_FACES)
        match, reason = self._policy.decide(nearest)
        if match is not None:
            return self._matched(match, api_key_name, face.crop_jpeg)
        distance = nearest[0].distance if nearest else None
        if self._keep_unknown and face.crop_jpeg is not None and self._snapshots is not None:
            # A row for this attempt only because its snapshot must be named by one.
            key = self._snapshots.put(None, face.crop_jpeg)
            with self._unless_written(key):
                self._checkins.record(None, False, distance, api_key_name, snapshot_key=key)
        self._checkins.count_unknown(api_key_name, distance)
        return CheckInOutcome(matched=False, reason=reason)

    def _matched(self, match: Match, api_key_name: str, crop: bytes | None) -> CheckInOutcome:
        """One row per person per repeat window, whichever kiosk or replica sees them.

        The snapshot is stored first and the row second (a crash between the two leaves
        an object no row names, which the snapshot sweep removes); a failed insert, or a
        repeat that writes no row, takes the snapshot away again."""
        key = None
        if crop is not None and self._snapshots is not None:
            key = self._snapshots.put(match.employee_id, crop)
        with self._unless_written(key):
            checkin, repeat = self._checkins.record_matched_unless_repeat(
                match.employee_id,
                match.distance,
                api_key_name,
                self._repeat_seconds,
                face_id=match.face_id,
                snapshot_key=key,
            )
        if repeat and key is not None and self._snapshots is not None:
            self._snapshots.discard(key)
        return CheckInOutcome(matched=True, match=match, checkin=checkin, repeat=repeat)

    @contextlib.contextmanager
    def _unless_written(self, key: str | None) -> Iterator[None]:
        try:
            yield
        except BaseException:
            if key is not None and self._snapshots is not None:
                self._snapshots.discard(key)
            raise


@dataclass(frozen=True)
class EmployeeDetails:
    employee: Employee
    faces: list[FaceRecord]


class EmployeeAdmin:
    """Reading and erasing employees: rows and photos go together."""

    def __init__(self, *, faces: AdministeredFaces, images: ImageStore) -> None:
        self._faces = faces
        self._images = images

    def list(self, limit: int, offset: int, search: str = "") -> Page:
        """EmployeeSummary items (face count, last check-in), filtered by `search`."""
        return self._faces.employee_summaries(search.strip()[:128], limit, offset)

    def details(self, employee_id: str) -> EmployeeDetails:
        employee = self._faces.get_employee(employee_id)
        if employee is None:
            raise EmployeeNotFound(f"no employee {employee_id}", {"employee_id": employee_id})
        return EmployeeDetails(employee, self._faces.faces_of(employee_id))

    def erase(self, employee_id: str) -> None:
        """Remove the employee, every face, every check-in, every stored photo and every
        check-in snapshot."""
        existed = self._faces.delete_employee(employee_id)
        # By prefix, so a retry also sweeps photos a failed earlier erase left behind; the
        # check-in snapshots go with the photos (the rows went with the employee).
        self._images.delete_prefix(employee_prefix(employee_id))
        self._images.delete_prefix(snapshot_prefix(employee_id))
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

    def photo(self, employee_id: str, face_id: str) -> StoredPhoto:
        """The enrolled photo of one face, as stored (for admins only: it is personal data)."""
        face = next((f for f in self._faces.faces_of(employee_id) if f.face_id == face_id), None)
        stored = None if face is None else self._images.open(face.image_key)
        if stored is None:
            raise FaceNotFound(
                f"employee {employee_id} has no face {face_id}",
                {"employee_id": employee_id, "face_id": face_id},
            )
        return stored
