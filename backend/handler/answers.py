"""The answers of the API as models: what a generated client gets, with examples.

The JSON is what the routes always sent; times stay the ISO 8601 strings they were
(documented as date-time, so clients parse them), and every page of results is
{items, total, limit, offset}."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, WithJsonSchema

Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
Day = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]

WHEN = "2026-11-30T08:59:12.345678+00:00"


def examples(*values: dict[str, JsonValue]) -> ConfigDict:
    """A model's examples, shown in the contract."""
    return ConfigDict(json_schema_extra={"examples": list(values)})


class EnrollmentResult(BaseModel):
    """A face stored for an employee (created with them when new)."""

    model_config = examples(
        {
            "employee_id": "E042",
            "face_id": "7d2f1c7e1b7a4a5e9c353c0c1f4f2a10",
            "image_url": "/api/v1/employees/E042/faces/7d2f1c7e1b7a4a5e9c353c0c1f4f2a10/photo",
        }
    )
    employee_id: str
    face_id: str = Field(description="32 hex digits")
    image_url: str = Field(description="the photo route of this face, relative to the backend")


class CheckinMatched(BaseModel):
    """The largest face is an enrolled employee's; the check-in is recorded."""

    model_config = examples(
        {
            "matched": True,
            "repeat": False,
            "employee_id": "E042",
            "employee_name": "Ada Lovelace",
            "distance": 0.2213,
            "checkin_id": 1187,
            "checked_in_at": WHEN,
        }
    )
    matched: Literal[True]
    repeat: bool = Field(
        description="the same person checked in within the repeat window: checkin_id and "
        "checked_in_at are the earlier check-in's, and no row was added"
    )
    employee_id: str
    employee_name: str
    distance: float = Field(description="distance to the employee's nearest face")
    checkin_id: int
    checked_in_at: Timestamp


class CheckinNotMatched(BaseModel):
    """Nobody is recognised: no_match (nobody near), ambiguous (two employees about as
    near) or no_face_detected. A face that matched no one is counted in its hour
    (unknownAttemptsByHour), not stored as a row."""

    model_config = examples({"matched": False, "employee_name": "Unknown", "reason": "no_match"})
    matched: Literal[False]
    employee_name: Literal["Unknown"]
    reason: Literal["no_match", "ambiguous", "no_face_detected"]


class Employee(BaseModel):
    model_config = examples(
        {
            "employee_id": "E042",
            "name": "Ada Lovelace",
            "department": "Engineering",
            "email": "ada@example.com",
            "created_at": WHEN,
        }
    )
    employee_id: str
    name: str
    department: str | None
    email: str | None
    created_at: Timestamp | None


class EmployeeSummary(Employee):
    """A line of the employee list: the employee, how many faces, the last check-in."""

    faces: int = Field(description="how many faces are enrolled")
    last_checkin: Timestamp | None


class FaceQuality(BaseModel):
    face_size: int = Field(description="the face's width in pixels")
    sharpness: float
    brightness: float


class Face(BaseModel):
    """One enrolled photo of an employee."""

    face_id: str = Field(description="32 hex digits")
    photo_path: str = Field(description="the photo route of this face (same as image_url)")
    model: str
    detector: str
    quality: FaceQuality
    confirmed_distinct_from: str | None = Field(
        description="the look-alike HR confirmed this person is not (possible_duplicate)"
    )
    confirmed_by: str | None = Field(description="the API key name that confirmed it")
    image_url: str = Field(description="the photo route of this face, relative to the backend")
    created_at: Timestamp | None


class EmployeeDetails(Employee):
    """An employee with every enrolled face."""

    model_config = examples(
        {
            "employee_id": "E042",
            "name": "Ada Lovelace",
            "department": "Engineering",
            "email": "ada@example.com",
            "created_at": WHEN,
            "faces": [
                {
                    "face_id": "7d2f1c7e1b7a4a5e9c353c0c1f4f2a10",
                    "photo_path": "/api/v1/employees/E042/faces/"
                    "7d2f1c7e1b7a4a5e9c353c0c1f4f2a10/photo",
                    "model": "SFace",
                    "detector": "yunet",
                    "quality": {"face_size": 212, "sharpness": 141.2, "brightness": 121.7},
                    "confirmed_distinct_from": None,
                    "confirmed_by": None,
                    "image_url": "/api/v1/employees/E042/faces/"
                    "7d2f1c7e1b7a4a5e9c353c0c1f4f2a10/photo",
                    "created_at": WHEN,
                }
            ],
        }
    )
    faces: list[Face]


class Page(BaseModel):
    total: int = Field(description="how many there are in all")
    limit: int = Field(description="the most items one page holds")
    offset: int = Field(description="how many items come before this page")


class EmployeePage(Page):
    """A page of employees, by id."""

    items: list[EmployeeSummary]


class CheckinRow(BaseModel):
    """One check-in answer that saw a face."""

    model_config = examples(
        {
            "checkin_id": 1187,
            "checked_in_at": WHEN,
            "employee_id": "E042",
            "employee_name": "Ada Lovelace",
            "matched": True,
            "distance": 0.2213,
            "api_key_name": "front-door",
            "face_id": "7d2f1c7e1b7a4a5e9c353c0c1f4f2a10",
            "face_photo_path": (
                "/api/v1/employees/E042/faces/7d2f1c7e1b7a4a5e9c353c0c1f4f2a10/photo"
            ),
            "snapshot_path": "/api/v1/checkins/1187/snapshot",
            "disputed": True,
            "dispute_reason": "on leave that day: a photo was shown to the kiosk",
            "disputed_by": "hr-anna",
            "disputed_at": WHEN,
        }
    )
    checkin_id: int
    checked_in_at: Timestamp = Field(description="in the office's time zone")
    employee_id: str | None
    employee_name: str | None
    matched: bool
    distance: float | None
    api_key_name: str = Field(description="the kiosk (API key) that sent the photo")
    face_id: str | None = Field(description="the enrolled face it matched")
    face_photo_path: str | None = Field(description="that face's photo route (getFacePhoto)")
    snapshot_path: str | None = Field(
        description="the face the kiosk saw (getCheckinSnapshot); null when none was kept "
        "or its retention (CHECKIN_SNAPSHOT_DAYS) has passed"
    )
    disputed: bool = Field(description="HR doubts it was this person (disputeCheckin)")
    dispute_reason: str | None
    disputed_by: str | None = Field(description="the admin key that marked it")
    disputed_at: Timestamp | None


class CheckinPage(Page):
    """A page of check-ins, oldest first."""

    items: list[CheckinRow]


class AttendanceRow(BaseModel):
    employee_id: str
    employee_name: str
    first_checkin: Timestamp
    last_checkin: Timestamp
    checkins: int = Field(description="matched check-ins that day")


class DailyAttendance(BaseModel):
    """Each employee's first and last check-in of one day in the office's time zone."""

    model_config = examples(
        {
            "date": "2026-11-30",
            "timezone": "Europe/Paris",
            "employees": [
                {
                    "employee_id": "E042",
                    "employee_name": "Ada Lovelace",
                    "first_checkin": "2026-11-30T08:59:12+01:00",
                    "last_checkin": "2026-11-30T17:31:40+01:00",
                    "checkins": 3,
                }
            ],
        }
    )
    date: Day
    timezone: str
    employees: list[AttendanceRow]


class GallerySetting(BaseModel):
    """A threshold setting: the value in force (null: none, the calibration decides)."""

    value: float | None
    source: Literal["gallery", "configuration"] = Field(
        description="gallery: set by an admin in the gallery's row; configuration: the "
        "environment's setting (or its default)"
    )


class GalleryReport(BaseModel):
    """The gallery's model and size, the thresholds in use and what they promise."""

    model_config = examples(
        {
            "model": "SFace",
            "dim": 128,
            "detector": "yunet",
            "metric": "cosine",
            "employees": 120,
            "faces": 355,
            "match_threshold": 0.5312,
            "duplicate_refuse_threshold": 0.3178,
            "threshold_basis": "calibrated",
            "stranger_accept_target": 0.005,
            "expected_stranger_accept": 0.005,
            "expected_recognition": 0.961,
            "calibration": "LFW View 1 training people",
            "warning": None,
            "generation": 1,
            "settings": {
                "stranger_accept_rate": {"value": 0.005, "source": "configuration"},
                "match_threshold": {"value": None, "source": "configuration"},
                "duplicate_threshold": {"value": None, "source": "configuration"},
                "match_margin": {"value": 0.1, "source": "configuration"},
            },
        }
    )
    model: str
    dim: int
    detector: str
    metric: Literal["cosine", "euclidean", "inner_product"]
    generation: int = Field(description="the generation of vectors in use (one per re-embed)")
    employees: int
    faces: int
    match_threshold: float
    duplicate_refuse_threshold: float
    threshold_basis: Literal["calibrated", "configured", "deepface_1to1"] = Field(
        description="where the thresholds come from"
    )
    stranger_accept_target: float
    expected_stranger_accept: float | None
    expected_recognition: float | None
    calibration: str | None
    warning: str | None
    settings: dict[str, GallerySetting] = Field(
        description="each threshold setting in force, and where it comes from"
    )


class WhoAmI(BaseModel):
    """The calling API key."""

    model_config = examples({"name": "payroll", "role": "admin", "liveness": "off"})
    name: str
    role: Literal["admin", "kiosk"]
    liveness: Literal["off", "challenge"] = Field(
        description="challenge: this key checks in by answering a head-turn challenge"
    )


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    """No dependency down for longer than READY_GRACE_SECONDS ("blip": failing, but it
    answered within the grace), and the gallery's report (null while the database blips)."""

    status: Literal["ready"]
    checks: dict[str, Literal["up", "blip", "down"]]
    gallery: GalleryReport | None


UNKNOWN_BY_HOUR: list[JsonValue] = [*([0] * 8), 3, 1, *([0] * 14)]


class UnknownAttempts(BaseModel):
    """Faces that matched no one, per local hour of one day, all kiosks together."""

    model_config = examples(
        {"date": "2026-11-30", "timezone": "Europe/Paris", "hours": UNKNOWN_BY_HOUR}
    )
    date: Day
    timezone: str
    hours: list[int] = Field(min_length=24, max_length=24, description="hours 0 to 23")


class Key(BaseModel):
    """An API key; its secret is never shown again after it was created."""

    model_config = examples(
        {
            "name": "front-door",
            "role": "kiosk",
            "created_at": WHEN,
            "last_used_at": WHEN,
            "revoked_at": None,
            "liveness": "challenge",
        }
    )
    name: str
    role: Literal["admin", "kiosk"]
    created_at: Timestamp | None
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None
    liveness: Literal["off", "challenge"] = Field(
        description="off: check-in from one frame; challenge: a head turn is asked for"
    )


class KeyCreated(Key):
    """A new key with its secret, shown in this answer only (and to its retries)."""

    key: str = Field(description="the secret to send as X-API-Key")


class KeyPage(Page):
    """API keys by name, revoked ones too."""

    items: list[Key]


class Webhook(BaseModel):
    model_config = examples(
        {
            "webhook_id": 3,
            "url": "https://payroll.example.com/facegate",
            "events": ["checkin.matched", "employee.erased"],
            "created_at": WHEN,
        }
    )
    webhook_id: int
    url: str
    events: list[str]
    created_at: Timestamp | None


class WebhookCreated(Webhook):
    """A new webhook with its signing secret, shown in this answer only (and to retries)."""

    secret: str = Field(description="signs each delivery (X-Facegate-Signature)")


class WebhookPage(Page):
    """Registered webhooks, and every event a webhook may ask for."""

    items: list[Webhook]
    events: list[str] = Field(description="the events a webhook may ask for")


class Delivery(BaseModel):
    """One event on its way to one webhook."""

    delivery_id: int
    event_id: str
    event: str
    state: Literal["pending", "delivered", "failed"]
    attempts: int
    created_at: Timestamp | None
    next_attempt_at: Timestamp | None = Field(description="set while pending")
    delivered_at: Timestamp | None
    last_status: int | None
    last_error: str | None


class DeliveryPage(Page):
    """A webhook's deliveries, newest first."""

    items: list[Delivery]


class Challenge(BaseModel):
    """A head-turn challenge: signed, single use, to be answered before expires_at."""

    model_config = examples(
        {
            "token": "eyJpZCI6ICI4ZjQ...In0.5c1e0d6f...",
            "direction": "left",
            "prompt": "Turn your head to your left",
            "expires_at": WHEN,
            "frames_min": 3,
            "frames_max": 8,
            "required": True,
        }
    )
    token: str = Field(description="send it back with the frames (checkInWithChallenge)")
    direction: Literal["left", "right"] = Field(description="the person's own left or right")
    prompt: str
    expires_at: Timestamp
    frames_min: int
    frames_max: int
    required: bool = Field(description="whether this key must answer challenges to check in")


class LivenessSeen(BaseModel):
    direction: Literal["left", "right"]
    turn: float = Field(description="the head turn seen, in eye distances (yaw)")


class ChallengedCheckinMatched(CheckinMatched):
    """The head turn was seen, and the most frontal frame is an enrolled employee's."""

    liveness: LivenessSeen


class ChallengedCheckinNotMatched(CheckinNotMatched):
    """The head turn was seen, but the face matched no one."""

    liveness: LivenessSeen
