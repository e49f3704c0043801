"""Answers about check-ins: matches, records, attendance, head-turn challenges."""

from typing import Literal

from pydantic import BaseModel, Field, JsonValue

from backend.handler.answers.base import WHEN, Day, Page, Timestamp, examples


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
            "site_id": 1,
            "site_name": "Main office",
            "direction": "in",
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
    site_id: int = Field(description="the kiosk's site")
    site_name: str
    direction: Literal["in", "out"] | None = Field(
        description="which way the person went (null on a repeat of a check-in from before sites)"
    )


class CheckinNotMatched(BaseModel):
    """Nobody is recognised: no_match (nobody near), ambiguous (two employees about as
    near) or no_face_detected. A face that matched no one is counted in its hour
    (unknownAttemptsByHour), not stored as a row."""

    model_config = examples({"matched": False, "employee_name": "Unknown", "reason": "no_match"})
    matched: Literal[False]
    employee_name: Literal["Unknown"]
    reason: Literal["no_match", "ambiguous", "no_face_detected"]


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
            "method": "face",
            "site_id": 1,
            "direction": "in",
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
    method: Literal["face", "pin", "qr"] = Field(
        description="how the person was recognised: their face, a PIN or a personal QR code"
    )
    site_id: int = Field(description="the kiosk's site")
    direction: Literal["in", "out"] | None = Field(
        description="in or out for a matched check-in; null before sites and when unmatched"
    )
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


UNKNOWN_BY_HOUR: list[JsonValue] = [*([0] * 8), 3, 1, *([0] * 14)]


class UnknownAttempts(BaseModel):
    """Faces that matched no one, per local hour of one day, all kiosks together."""

    model_config = examples(
        {
            "date": "2026-11-30",
            "timezone": "Europe/Paris",
            "hours": UNKNOWN_BY_HOUR,
            "not_allowed": [0] * 24,
        }
    )
    date: Day
    timezone: str
    hours: list[int] = Field(min_length=24, max_length=24, description="hours 0 to 23")
    not_allowed: list[int] = Field(
        min_length=24,
        max_length=24,
        description="of those, faces of people known at another site but not allowed at the "
        "kiosk's (the kiosk was told only 'not recognised')",
    )


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
