"""Answers of the way in without a face: PIN and QR check-ins, a PIN's state, QR codes."""

from typing import Literal

from pydantic import BaseModel, Field

from backend.handler.answers.base import WHEN, Page, Timestamp, examples


class CredentialCheckin(BaseModel):
    """The person is checked in (a PIN or a QR code named them; no face is involved)."""

    model_config = examples(
        {
            "matched": True,
            "repeat": False,
            "method": "pin",
            "employee_id": "E042",
            "employee_name": "Ada Lovelace",
            "checkin_id": 1188,
            "checked_in_at": WHEN,
        }
    )
    matched: Literal[True]
    repeat: bool = Field(description="checked in within the repeat window: no row was added")
    method: Literal["pin", "qr"]
    employee_id: str
    employee_name: str
    checkin_id: int
    checked_in_at: Timestamp


class PinState(BaseModel):
    """Whether the person has a PIN, and the count of wrong PINs since the last right one."""

    model_config = examples(
        {"has_pin": True, "set_at": WHEN, "failures": 0, "locked_until": None, "pin": None}
    )
    has_pin: bool
    set_at: Timestamp | None
    failures: int = Field(description="wrong PINs in a row")
    locked_until: Timestamp | None = Field(description="locked out until then (HR may unlock)")
    pin: str | None = Field(
        default=None,
        description="the PIN facegate made up, shown this once (null when HR chose it)",
    )


class QrCode(BaseModel):
    """A personal QR code: `code` is the text to print as a QR code (null once revoked)."""

    model_config = examples(
        {
            "token_id": "mZ3u0a4W1cK9xQ2e",
            "employee_id": "E042",
            "code": "fgq1.mZ3u0a4W1cK9xQ2e.Q1n0m6fX0p4oUeDkJ8b1xw",
            "issued_at": WHEN,
            "issued_by": "hr-anna",
            "revoked_at": None,
        }
    )
    token_id: str
    employee_id: str
    code: str | None
    issued_at: Timestamp
    issued_by: str | None
    revoked_at: Timestamp | None


class QrCodePage(Page):
    """A person's QR codes, newest first, revoked ones too."""

    items: list[QrCode]
