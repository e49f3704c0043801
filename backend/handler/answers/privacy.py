"""Answers about privacy: the notice, consent records, the published schedule."""

from typing import Literal

from pydantic import BaseModel, Field

from backend.handler.answers.base import WHEN, Timestamp, examples


class Notice(BaseModel):
    """A version of the notice people consent to."""

    model_config = examples(
        {"version": 2, "text": "Purpose: ...", "created_by": "hr", "created_at": WHEN}
    )
    version: int
    text: str
    created_by: str = Field(description="the API key that published it")
    created_at: Timestamp | None


class ConsentRecord(BaseModel):
    """One decision of a person: never changed or deleted, a later one supersedes it."""

    model_config = examples(
        {
            "employee_id": "E042",
            "notice_version": 2,
            "decision": "given",
            "method": "signature",
            "signature": "Ada Lovelace",
            "reference": None,
            "recorded_by": "hr",
            "recorded_at": WHEN,
        }
    )
    employee_id: str
    notice_version: int
    decision: Literal["given", "declined", "withdrawn"]
    method: Literal["signature", "paper", "external"]
    signature: str | None = Field(description="the name the person typed (method signature)")
    reference: str | None = Field(description="the paper form's or other system's reference")
    recorded_by: str = Field(description="the API key that recorded it")
    recorded_at: Timestamp | None


class ConsentRecorded(ConsentRecord):
    """The record, and what a refusal or withdrawal destroyed at once."""

    faces_destroyed: int = Field(description="faces (with vectors and photos) removed")
    snapshots_destroyed: int = Field(description="check-ins whose snapshot was removed")


class ConsentHistory(BaseModel):
    """A person's consent records, oldest first; the last one is in force."""

    items: list[ConsentRecord]


class RetentionSchedule(BaseModel):
    after_leaving_days: int = Field(description="biometric data of people who left")
    inactive_days: int = Field(description="biometric data of people not seen this long")
    attendance_days: int = Field(description="check-in records; 0: until erasure")


class PrivacyStatement(BaseModel):
    """What /privacy publishes, from the settings and the notice in force."""

    consent_required: bool = Field(
        description="false: the operator declared itself exempt (no consent is asked)"
    )
    notice: Notice
    retention: RetentionSchedule
    contact: str = Field(description="whom to ask for a copy of one's data")
