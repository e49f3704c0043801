"""Privacy's data: the consent notice and records, the retention schedule, what a
destruction removed, and the notice the product ships with."""

import enum
from dataclasses import dataclass, field
from datetime import date, datetime


class Decision(enum.StrEnum):
    GIVEN = "given"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Method(enum.StrEnum):
    """How a decision was taken: typed name on the enrollment page, a paper form HR
    keeps (its reference), or another system that holds the record (its reference)."""

    SIGNATURE = "signature"
    PAPER = "paper"
    EXTERNAL = "external"


class Status(enum.StrEnum):
    ACTIVE = "active"
    LEFT = "left"


@dataclass(frozen=True)
class Notice:
    """A version of the notice people consent to; a new version per edit."""

    version: int
    text: str
    created_by: str
    created_at: datetime | None = None


@dataclass(frozen=True)
class ConsentStatement:
    """What a person decided, as the caller reports it."""

    decision: Decision
    method: Method
    notice_version: int | None = None  # the notice read; None: the one in force
    signature: str | None = None  # the name the person typed (method signature)
    reference: str | None = None  # the paper form's or the other system's reference


@dataclass(frozen=True)
class ConsentRecord:
    employee_id: str
    notice_version: int
    decision: Decision
    method: Method
    recorded_by: str
    signature: str | None = None
    reference: str | None = None
    recorded_at: datetime | None = None
    record_id: int | None = None


@dataclass(frozen=True)
class RetentionSchedule:
    """How long each kind of data is kept (days)."""

    after_leaving_days: int = 0  # biometric data of people who left
    inactive_days: int = 1095  # biometric data of anyone not seen for this long
    attendance_days: int = 2190  # check-in records; 0 keeps them until erasure


@dataclass(frozen=True)
class PrivacySettings:
    consent_required: bool = True
    schedule: RetentionSchedule = field(default_factory=RetentionSchedule)
    contact: str = ""  # whom to ask for a copy of one's data


@dataclass(frozen=True)
class Destroyed:
    """What a destruction of one person's biometric data removed from the database; the
    caller removes the stored objects."""

    employee_id: str
    faces: int
    snapshots: int


@dataclass(frozen=True)
class RetentionDue:
    """A person whose biometric data the schedule says must go, and why."""

    employee_id: str
    name: str
    reason: str  # "left" or "inactive"
    since: date | datetime  # the day they left, or their last interaction


DEFAULT_AUTHOR = "facegate (default notice)"


def default_notice(schedule: RetentionSchedule) -> str:
    """The notice facegate ships with; the operator replaces it with one in their words."""
    leaving = (
        "as soon as you leave"
        if schedule.after_leaving_days == 0
        else f"{schedule.after_leaving_days} days after you leave"
    )
    attendance = (
        "until your record is erased"
        if schedule.attendance_days == 0
        else f"for {schedule.attendance_days} days"
    )
    return (
        "Purpose: your employer uses facegate to record when you arrive at the office. "
        "A camera at the door compares your face with the face you enrolled.\n\n"
        "What is stored: the photo you enroll with, a face template (a list of numbers "
        "computed from it), and for each check-in the time, the door and, for a limited "
        "time, the picture the door's camera took.\n\n"
        f"Retention: your photo, face template and check-in pictures are destroyed {leaving}, "
        f"or when you have not checked in for {schedule.inactive_days} days, or at once "
        f"if you withdraw your consent. Check-in times are kept {attendance} as "
        "attendance records, with no link to your face.\n\n"
        "Your choice: you may decline or withdraw at any time, without any disadvantage. "
        "You then check in without your face (a personal code or QR code). You may ask "
        "for a copy of everything held about you."
    )
