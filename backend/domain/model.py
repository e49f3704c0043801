"""The domain's data: plain frozen dataclasses."""

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from backend.domain.site_model import DEFAULT_SITE, DEFAULT_SITE_ID, Direction, Kiosk, Site


class Role(enum.StrEnum):
    ADMIN = "admin"
    KIOSK = "kiosk"
    SCIM = "scim"  # the identity provider's provisioning token: /scim/v2 only
    ENROLL = "enroll"  # enrollment only: an SSO enroll group's people, or a station's key


class CheckInResult(enum.StrEnum):
    """What a check-in came to (the API's `reason` when nobody was matched)."""

    MATCHED = "matched"
    NO_MATCH = "no_match"
    AMBIGUOUS = "ambiguous"  # two employees about as near: asked again, never guessed
    NO_FACE_DETECTED = "no_face_detected"


class Liveness(enum.StrEnum):
    """A kiosk key's check-in mode."""

    OFF = "off"  # one frame
    CHALLENGE = "challenge"  # a head-turn challenge first


class Biometrics(enum.StrEnum):
    """A person's choice: their face, or none (a PIN or personal QR code instead)."""

    FACE = "face"
    NONE = "none"


class CheckinMethod(enum.StrEnum):
    """How a check-in recognised the person."""

    FACE = "face"
    PIN = "pin"
    QR = "qr"


class Metric(enum.StrEnum):
    """How face vectors are compared. Vectors are stored L2-normalised, so all three
    rank alike; the metric picks the index operator and the threshold's scale."""

    COSINE = "cosine"
    EUCLIDEAN = "euclidean"
    INNER_PRODUCT = "inner_product"

    @property
    def deepface_name(self) -> str:
        """The column of DeepFace's threshold table that applies to unit vectors."""
        return "euclidean_l2" if self is Metric.EUCLIDEAN else "cosine"


@dataclass(frozen=True)
class Quality:
    face_size: int
    sharpness: float
    brightness: float


@dataclass(frozen=True)
class DetectedFace:
    embedding: tuple[float, ...]
    box: dict[str, Any]
    confidence: float
    quality: Quality
    crop_jpeg: bytes | None = None  # the aligned crop as JPEG, when asked for (evidence)
    # when asked for: the person's right eye, left eye, nose tip, right and left mouth
    # corner, in image pixels (YuNet)
    landmarks: tuple[tuple[float, float], ...] | None = None


@dataclass(frozen=True)
class ModelInfo:
    model: str
    dim: int
    detector: str
    thresholds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class GenerationClaim:
    """A re-embed run's own generation of vectors, and the generation it replaces."""

    generation: int
    base_generation: int
    model: ModelInfo
    metric: Metric


@dataclass(frozen=True)
class Extraction:
    model: ModelInfo
    faces: list[DetectedFace]  # largest first
    frame: tuple[int, int] | None = None  # the photo's width and height, the boxes' space


@dataclass(frozen=True)
class Employee:
    employee_id: str
    name: str
    department: str | None = None
    email: str | None = None
    created_at: datetime | None = None
    status: str = "active"  # or "left" (on left_on): the retention schedule reads both
    left_on: date | None = None
    biometrics: Biometrics = Biometrics.FACE


@dataclass(frozen=True)
class FaceRecord:
    face_id: str
    employee_id: str
    model: str
    detector: str
    image_key: str
    quality: Quality
    created_at: datetime | None = None
    content_sha256: str | None = None
    # HR's word that this face is not the look-alike it was enrolled near (possible_duplicate)
    confirmed_distinct_from: str | None = None
    confirmed_by: str | None = None


@dataclass(frozen=True)
class StoredPhoto:
    """A stored photo read as it streams: its chunks are read once, then closed."""

    chunks: Iterator[bytes]
    content_type: str


@dataclass(frozen=True)
class Match:
    """The nearest enrolled face to a query and how far it is."""

    employee_id: str
    employee_name: str
    face_id: str
    image_key: str
    distance: float


@dataclass(frozen=True)
class Checkin:
    checkin_id: int
    employee_id: str | None
    matched: bool
    distance: float | None
    api_key_name: str
    created_at: datetime
    snapshot_key: str | None = None  # the kiosk's face crop in the object store
    face_id: str | None = None  # the enrolled face it matched
    dispute: "Dispute | None" = None
    method: CheckinMethod = CheckinMethod.FACE
    site_id: int = DEFAULT_SITE_ID
    direction: Direction | None = None  # in or out, for a matched check-in


@dataclass(frozen=True)
class Dispute:
    """HR's doubt about a check-in (buddy punching): why, who said so, when."""

    reason: str
    disputed_by: str
    disputed_at: datetime


@dataclass(frozen=True)
class CheckinFilter:
    """Which check-ins to read: a time window [start, end), an employee, matched or not."""

    start: datetime | None = None
    end: datetime | None = None
    employee_id: str | None = None
    matched: bool | None = None
    site_id: int | None = None


@dataclass(frozen=True)
class CheckinRow:
    """A check-in as attendance exports show it, with the employee's name."""

    checkin: Checkin
    employee_name: str | None


@dataclass(frozen=True)
class DailyAttendance:
    employee_id: str
    employee_name: str
    first_checkin: datetime
    last_checkin: datetime
    checkins: int


@dataclass(frozen=True)
class ApiKey:
    name: str
    role: Role
    created_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    liveness: Liveness = Liveness.OFF
    site: Site = DEFAULT_SITE
    direction: Direction = Direction.BOTH
    # Set when the caller is a person signed in with the company account (no key at all).
    person: "SignedInPerson | None" = None

    @property
    def kiosk(self) -> Kiosk:
        return Kiosk(self.name, self.site, self.direction)


@dataclass(frozen=True)
class SignedInPerson:
    """Who the identity provider vouched for: subject and issuer name them uniquely."""

    subject: str
    issuer: str
    name: str


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class EmployeeSummary:
    """A line of HR's list: the employee, how many faces, when last checked in."""

    employee: Employee
    faces: int
    last_checkin: datetime | None
    consent: str | None = None  # the latest decision: given, declined, withdrawn


@dataclass(frozen=True)
class StoredAnswer:
    """The first answer to a create sent with an Idempotency-Key, replayed to retries."""

    request_hash: str
    status: int
    body: Any
