"""HR's side of a way in without a face over HTTP: people without a photo, the choice of
biometrics, PINs and personal QR codes (docs/no-biometrics.md)."""

from functools import partial
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from backend.domain.app import Services
from backend.domain.audit import Actor
from backend.domain.model import ApiKey, Biometrics, Employee
from backend.domain.policy import MAX_DEPARTMENT_LENGTH, MAX_NAME_LENGTH
from backend.domain.ports import QrToken
from backend.handler import answers
from backend.handler.auth import ADMIN
from backend.handler.context import services
from backend.handler.idempotency import IDEMPOTENCY_KEY, REPLAY_HEADER, once
from backend.handler.openapi import API_ERRORS, errors
from backend.handler.people import employee_answer

router = APIRouter(prefix="/api/v1", responses=API_ERRORS)


class NewEmployee(BaseModel):
    employee_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH)
    department: str | None = Field(default=None, max_length=MAX_DEPARTMENT_LENGTH)
    email: str | None = Field(default=None, max_length=254)
    biometrics: Literal["face", "none"] = "none"


@router.post(
    "/employees",
    operation_id="createEmployee",
    tags=["employees"],
    status_code=201,
    response_model=answers.Employee,
    responses={201: {"headers": REPLAY_HEADER}, **errors(409)},
)
async def create_employee(
    new: NewEmployee,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
    key: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> answers.Employee | JSONResponse:
    """Add a person without a photo: biometrics "none" (they get a PIN or QR code), or
    "face" to enroll a photo later."""
    employee = Employee(
        new.employee_id, new.name, new.department, new.email, biometrics=Biometrics(new.biometrics)
    )

    async def create() -> answers.Employee:
        actor = Actor.of_key(key)
        created = await run_in_threadpool(partial(found.biometrics.create, employee, actor=actor))
        return answers.Employee(**employee_answer(created))

    asked = new.model_dump()
    return await once(found, key.name, idempotency_key, "createEmployee", asked, 201, create)


class BiometricsChoice(BaseModel):
    biometrics: Literal["face", "none"]


@router.put(
    "/employees/{employee_id}/biometrics",
    operation_id="setBiometrics",
    tags=["employees"],
    response_model=answers.Employee,
    responses=errors(404),
)
async def set_biometrics(
    employee_id: str,
    choice: BiometricsChoice,
    key: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> dict[str, Any]:
    """ "none" destroys every face, vector, photo and check-in snapshot of the person at
    once; "face" deletes their PIN and revokes their QR codes."""
    employee = await run_in_threadpool(
        partial(found.biometrics.choose, employee_id, choice.biometrics, actor=Actor.of_key(key))
    )
    return employee_answer(employee)


class NewPin(BaseModel):
    pin: str | None = Field(
        default=None, max_length=64, description="6-12 digits; left out: facegate makes one up"
    )


@router.put(
    "/employees/{employee_id}/pin",
    operation_id="setPin",
    tags=["employees"],
    response_model=answers.PinState,
    responses=errors(404, 409),
)
async def set_pin(
    employee_id: str,
    new: NewPin,
    key: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> dict[str, Any]:
    """Set or reset the PIN (only its scrypt hash is kept) and unlock the person."""
    made_up = await run_in_threadpool(
        partial(found.biometrics.set_pin, employee_id, new.pin, actor=Actor.of_key(key))
    )
    return {**(await _pin_state(found, employee_id)), "pin": made_up}


@router.get(
    "/employees/{employee_id}/pin",
    operation_id="getPinState",
    tags=["employees"],
    response_model=answers.PinState,
    responses=errors(404),
)
async def get_pin(
    employee_id: str, _: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> dict[str, Any]:
    """Whether the person has a PIN and whether wrong PINs locked it (never the PIN)."""
    return await _pin_state(found, employee_id)


@router.delete(
    "/employees/{employee_id}/pin",
    operation_id="removePin",
    tags=["employees"],
    status_code=204,
    responses=errors(404),
)
async def remove_pin(
    employee_id: str, key: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> Response:
    actor = Actor.of_key(key)
    await run_in_threadpool(partial(found.biometrics.remove_pin, employee_id, actor=actor))
    return Response(status_code=204)


@router.delete(
    "/employees/{employee_id}/pin/lockout",
    operation_id="unlockPin",
    tags=["employees"],
    status_code=204,
    responses=errors(404),
)
async def unlock_pin(
    employee_id: str, key: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> Response:
    """End the person's lockout after wrong PINs (it also ends by itself)."""
    actor = Actor.of_key(key)
    await run_in_threadpool(partial(found.biometrics.unlock_person, employee_id, actor=actor))
    return Response(status_code=204)


@router.delete(
    "/keys/{name}/pin-lockout",
    operation_id="unlockKioskPin",
    tags=["keys"],
    status_code=204,
)
async def unlock_kiosk(
    name: str, key: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> Response:
    """End a kiosk's lockout after wrong PINs (it also ends by itself)."""
    await run_in_threadpool(partial(found.biometrics.unlock_kiosk, name, actor=Actor.of_key(key)))
    return Response(status_code=204)


@router.post(
    "/employees/{employee_id}/qr-codes",
    operation_id="issueQrCode",
    tags=["employees"],
    status_code=201,
    response_model=answers.QrCode,
    responses=errors(404, 409),
)
async def issue_qr(
    employee_id: str, key: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> dict[str, Any]:
    """A new personal QR code to print or send; earlier ones stay valid until revoked."""
    issued = await run_in_threadpool(
        partial(found.biometrics.issue_qr, employee_id, actor=Actor.of_key(key))
    )
    return _qr(issued.token, issued.text)


@router.get(
    "/employees/{employee_id}/qr-codes",
    operation_id="listQrCodes",
    tags=["employees"],
    response_model=answers.QrCodePage,
    responses=errors(404),
)
async def list_qr(
    employee_id: str,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    _: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> dict[str, Any]:
    """The person's QR codes, newest first; a live one's `code` can be printed again."""
    biometrics = found.biometrics
    tokens = await run_in_threadpool(biometrics.qr_codes, employee_id)
    page = tokens[offset : offset + limit]
    live = [t for t in page if t.revoked_at is None]
    texts = await run_in_threadpool(lambda: {t.token_id: biometrics.qr_text(t) for t in live})
    return {
        "items": [_qr(t, texts.get(t.token_id)) for t in page],
        "total": len(tokens),
        "limit": limit,
        "offset": offset,
    }


@router.delete(
    "/employees/{employee_id}/qr-codes/{token_id}",
    operation_id="revokeQrCode",
    tags=["employees"],
    status_code=204,
    responses=errors(404),
)
async def revoke_qr(
    employee_id: str,
    token_id: str,
    key: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> Response:
    """Revoke a QR code at once: the kiosk refuses it from now on (qr_revoked)."""
    actor = Actor.of_key(key)
    await run_in_threadpool(partial(found.biometrics.revoke_qr, employee_id, token_id, actor=actor))
    return Response(status_code=204)


async def _pin_state(found: Services, employee_id: str) -> dict[str, Any]:
    state = await run_in_threadpool(found.biometrics.pin_status, employee_id)
    return {
        "has_pin": state.has_pin,
        "set_at": state.set_at.isoformat() if state.set_at else None,
        "failures": state.failures,
        "locked_until": state.locked_until.isoformat() if state.locked_until else None,
        "pin": None,
    }


def _qr(token: QrToken, text: str | None) -> dict[str, Any]:
    return {
        "token_id": token.token_id,
        "employee_id": token.employee_id,
        "code": text,
        "issued_at": token.issued_at.isoformat(),
        "issued_by": token.issued_by,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }
