"""The kiosk's way in without a face over HTTP: an id and PIN typed on its keypad, or a
personal QR code shown to its camera (docs/no-biometrics.md). Same key, rate limit and
error body as face check-ins."""

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from backend.domain.app import Services
from backend.domain.model import ApiKey
from backend.domain.without_face import CredentialOutcome
from backend.handler import answers
from backend.handler.auth import ANY_KEY
from backend.handler.context import services
from backend.handler.openapi import API_ERRORS, errors

router = APIRouter(prefix="/api/v1", responses=API_ERRORS, tags=["check-in"])


class PinEntry(BaseModel):
    employee_id: str = Field(min_length=1, max_length=64, description="as typed on the keypad")
    pin: str = Field(min_length=1, max_length=64)


class QrScan(BaseModel):
    code: str = Field(min_length=1, max_length=256, description="the text the QR code holds")


@router.post(
    "/pin/checkin",
    operation_id="checkInWithPin",
    tags=["check-in"],
    response_model=answers.CredentialCheckin,
    responses=errors(422, 429),
)
async def check_in_with_pin(
    entry: PinEntry, key: ApiKey = Depends(ANY_KEY), found: Services = Depends(services)
) -> dict[str, Any]:
    """Check in a person without biometrics by their id and PIN. Five wrong PINs in a row
    lock the person, ten of anyone's within 15 minutes lock this kiosk (pin_locked, 429)."""
    found.search_limiter.take(key.name)
    checkin = found.credential_checkin
    outcome = await run_in_threadpool(checkin.with_pin, entry.employee_id, entry.pin, key.kiosk)
    return _checked_in(outcome)


@router.post(
    "/qr/checkin",
    operation_id="checkInWithQr",
    tags=["check-in"],
    response_model=answers.CredentialCheckin,
    responses=errors(422, 429),
)
async def check_in_with_qr(
    scan: QrScan, key: ApiKey = Depends(ANY_KEY), found: Services = Depends(services)
) -> dict[str, Any]:
    """Check in the holder of a personal QR code (qr_invalid when forged or damaged,
    qr_revoked once HR revoked it)."""
    found.search_limiter.take(key.name)
    outcome = await run_in_threadpool(found.credential_checkin.with_qr, scan.code, key.kiosk)
    return _checked_in(outcome)


def _checked_in(outcome: CredentialOutcome) -> dict[str, Any]:
    return {
        "matched": True,
        "repeat": outcome.repeat,
        "method": outcome.method,
        "employee_id": outcome.employee.employee_id,
        "employee_name": outcome.employee.name,
        "checkin_id": outcome.checkin.checkin_id,
        "checked_in_at": outcome.checkin.created_at.isoformat(),
    }
