"""Check-in: a frame in, the nearest employee if near and unambiguous enough, and the
attendance row (repeats folded)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.domain import events
from backend.domain.evidence import SnapshotPolicy, SnapshotWriter
from backend.domain.gallery_state import GalleryState
from backend.domain.matching import MatchPolicy
from backend.domain.model import (
    Checkin,
    CheckinMethod,
    CheckInResult,
    DetectedFace,
    Employee,
    Match,
)
from backend.domain.policy import (
    unit_vector,
)
from backend.domain.ports import (
    CheckinFaces,
    Embedder,
)
from backend.domain.site_model import Kiosk
from backend.domain.sites import direction_of
from backend.domain.unit_of_work import UnitOfWork, UnitOfWorkFactory

# Faces read per check-in: enough to find the nearest face of another employee than the
# nearest one even when that one has three photos (the ambiguity margin needs it).
NEAREST_FACES = 8


def as_kiosk(kiosk: Kiosk | str) -> Kiosk:
    """A kiosk from its key, or from a bare key name (the default site, "both")."""
    return kiosk if isinstance(kiosk, Kiosk) else Kiosk(kiosk)


def is_repeat(last: Checkin, now: datetime, window: timedelta) -> bool:
    """A match within `window` of the person's last matched check-in repeats it: one row
    per person per window, whichever kiosk or replica saw them."""
    return now - last.created_at < window


def record_match(
    uow: UnitOfWork,
    employee: Employee,
    kiosk: Kiosk | str,
    window: timedelta,
    *,
    distance: float | None = None,
    face_id: str | None = None,
    snapshot_key: str | None = None,
    snapshot_jpeg: bytes | None = None,
    method: CheckinMethod = CheckinMethod.FACE,
) -> tuple[Checkin, bool]:
    """In `uow` (the caller commits): the person's check-in, folded into their last one
    when it is a repeat (then that one and True, nothing written), else a new row and its
    `checkin.matched` event. Every method folds alike: a PIN just after a face adds no row.

    Under the employee's lock the last check-in cannot change before the commit: every
    replica decides the window on the same row and the database's clock."""
    kiosk = as_kiosk(kiosk)
    uow.lock_checkins_of(employee.employee_id)
    now, last = uow.checkins.clock_and_last_matched(employee.employee_id)
    if last is not None and is_repeat(last, now, window):
        return last, True
    checkin = uow.checkins.add(
        employee.employee_id,
        True,
        distance,
        kiosk.name,
        at=now,
        face_id=face_id,
        snapshot_key=snapshot_key,
        snapshot_jpeg=snapshot_jpeg,
        method=method,
        site_id=kiosk.site.site_id,
        direction=direction_of(kiosk, last, now),
    )
    uow.emit(events.checkin_matched(checkin, employee.name, kiosk.site))
    return checkin, False


@dataclass(frozen=True)
class CheckInOutcome:
    matched: bool
    reason: CheckInResult | None = None  # why not, when not matched
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
        uow: UnitOfWorkFactory,
        policy: MatchPolicy,
        repeat_seconds: float = 60.0,
        snapshots: SnapshotWriter | None = None,
        snapshot_policy: SnapshotPolicy = SnapshotPolicy(keep_days=0),
    ) -> None:
        self._embedder = embedder
        self._faces = faces
        self._uow = uow
        self._policy = policy
        self._repeat = timedelta(seconds=repeat_seconds)
        self._snapshots = snapshots if snapshot_policy.enabled else None
        self._keep_unknown = snapshot_policy.keep_unknown

    def check_in(self, image: bytes, kiosk: Kiosk | str) -> CheckInOutcome:
        # Only the largest face is matched: the embedder finds and embeds no other.
        extraction = self._embedder.extract(image, crop=self._snapshots is not None, largest=True)
        gallery = self._policy.check_model(extraction.model)
        if not extraction.faces:
            return CheckInOutcome(matched=False, reason=CheckInResult.NO_FACE_DETECTED)
        return self.check_in_face(extraction.faces[0], kiosk, gallery)

    def check_in_face(
        self, face: DetectedFace, kiosk: Kiosk | str, gallery: GalleryState
    ) -> CheckInOutcome:
        """Match one face already extracted (with its crop when snapshots are kept) among
        the people allowed at the kiosk's site, in the gallery row its vector was checked
        against, at the threshold for the number of faces searched."""
        kiosk = as_kiosk(kiosk)
        site_id = kiosk.site.site_id
        embedding = unit_vector(face.embedding)
        nearest = self._faces.nearest(embedding, gallery, limit=NEAREST_FACES, site_id=site_id)
        match, reason = self._policy.decide(nearest, site_id=site_id)
        if match is not None:
            return self._matched(match, kiosk, face.crop_jpeg)
        distance = nearest[0].distance if nearest else None
        # Someone known elsewhere but not allowed here: the kiosk hears "no match", HR
        # sees it in the attempt counters (a second search, only on this rarer path).
        elsewhere = reason is CheckInResult.NO_MATCH and self._known_elsewhere(embedding, gallery)
        api_key_name = kiosk.name
        crop = face.crop_jpeg if self._keep_unknown and self._snapshots is not None else None
        kept = None
        with self._uow() as uow:
            if crop is not None and self._snapshots is not None:
                # a row for this attempt only because its snapshot needs one
                key = self._snapshots.new_key(None)
                kept = uow.checkins.add(
                    None, False, distance, api_key_name, snapshot_key=key, snapshot_jpeg=crop
                )
            uow.checkins.count_unknown(api_key_name, not_allowed=elsewhere)
            uow.emit(events.checkin_unknown(kiosk, distance))
            uow.commit()
        if kept is not None and kept.snapshot_key and crop and self._snapshots is not None:
            self._snapshots.store_soon(kept.checkin_id, kept.snapshot_key, crop)
        return CheckInOutcome(matched=False, reason=reason)

    def _known_elsewhere(self, embedding: list[float], gallery: GalleryState) -> bool:
        anywhere = self._faces.nearest(embedding, gallery, limit=NEAREST_FACES, site_id=None)
        return self._policy.decide(anywhere)[0] is not None

    def _matched(self, match: Match, kiosk: Kiosk, crop: bytes | None) -> CheckInOutcome:
        """One row per person per repeat window, whichever kiosk or replica sees them.

        The snapshot commits held beside the row (the answer does not wait for the object
        store) and goes to the store after the commit; a repeat writes neither."""
        snapshots = self._snapshots if crop is not None else None
        key = None if snapshots is None else snapshots.new_key(match.employee_id)
        with self._uow() as uow:
            checkin, repeat = record_match(
                uow,
                Employee(match.employee_id, match.employee_name),
                kiosk,
                self._repeat,
                distance=match.distance,
                face_id=match.face_id,
                snapshot_key=key,
                snapshot_jpeg=crop,
            )
            if not repeat:  # a repeat wrote nothing: the unit is not committed
                uow.commit()
        if snapshots is not None and key is not None and crop is not None and not repeat:
            snapshots.store_soon(checkin.checkin_id, key, crop)
        return CheckInOutcome(matched=True, match=match, checkin=checkin, repeat=repeat)
