"""The employee API for the doors and HR's enrollment: enroll, check in, who am I."""

import hashlib
from functools import partial
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import FormData

from backend.domain.app import Services
from backend.domain.audit import Actor
from backend.domain.errors import ChallengeRequired, ValidationFailed
from backend.domain.model import ApiKey, Liveness
from backend.domain.privacy import ConsentStatement, Decision, Method
from backend.handler import answers
from backend.handler.auth import ANY_KEY, ANYONE, ENROLLER
from backend.handler.context import services
from backend.handler.idempotency import IDEMPOTENCY_KEY, REPLAY_HEADER, once
from backend.handler.liveness import checkin_answer, count_outcome
from backend.handler.openapi import API_ERRORS, CHECKIN_FORM, ENROLLMENT_FORM, errors
from backend.handler.uploads import flag_field, image_field, read_form, text_field

router = APIRouter(prefix="/api/v1", responses=API_ERRORS)

TEXT_FIELDS = ("employee_id", "employee_name", "department", "email")
CONSENT_FIELDS = ("consent_method", "consent_version", "consent_signature", "consent_reference")


def consent_fields(form: FormData) -> ConsentStatement | None:
    """A consent recorded with the photo (consent_method given), else None."""
    method = text_field(form, "consent_method")
    if not method:
        return None
    version = text_field(form, "consent_version")
    if method not in {m.value for m in Method} or (version and not version.isdigit()):
        raise ValidationFailed(
            "consent_method is signature, paper or external; consent_version a number",
            {"fields": {"consent_method": "signature, paper or external"}},
        )
    return ConsentStatement(
        decision=Decision.GIVEN,
        method=Method(method),
        notice_version=int(version) if version else None,
        signature=text_field(form, "consent_signature") or None,
        reference=text_field(form, "consent_reference") or None,
    )


@router.post(
    "/employees/insert",
    operation_id="enrollEmployee",
    tags=["employees"],
    status_code=201,
    response_model=answers.EnrollmentResult,
    responses={201: {"headers": REPLAY_HEADER}, **errors(404, 409)},
    openapi_extra=ENROLLMENT_FORM,
)
async def insert(
    request: Request,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
    key: ApiKey = Depends(ENROLLER),
    found: Services = Depends(services),
) -> answers.EnrollmentResult | JSONResponse:
    """Enroll an employee from a photo, or add a face to one already enrolled (multipart
    `image`, `employee_id`, `employee_name`, optional `department`, `email`, and
    `confirm_distinct=true` after a possible_duplicate). Without a current consent of the
    person the answer is 409 consent_required, unless the consent comes with the photo
    (`consent_method`, `consent_version`, `consent_signature` or `consent_reference`)."""
    form = await read_form(request, found.max_upload_bytes)
    image = await image_field(form, found.max_upload_bytes)
    fields = {name: text_field(form, name) for name in TEXT_FIELDS}
    confirm = flag_field(form, "confirm_distinct")
    consent = consent_fields(form)

    async def enroll() -> answers.EnrollmentResult:
        enrolled = await run_in_threadpool(
            partial(
                found.enrollment.enroll,
                fields["employee_id"],
                fields["employee_name"],
                image,
                fields["department"],
                fields["email"],
                confirm_distinct=confirm,
                confirmed_by=key.name,
                actor=Actor.of_key(key),
                consent=consent,
            )
        )
        return answers.EnrollmentResult(
            employee_id=enrolled.employee_id,
            face_id=enrolled.face_id,
            image_url=photo_path(enrolled.employee_id, enrolled.face_id),
            face_box=answers.FaceBox(**enrolled.face_box),
            ignored_faces=enrolled.ignored_faces,
        )

    asked = {
        **fields,
        **{name: text_field(form, name) for name in CONSENT_FIELDS},
        "confirm_distinct": confirm,
        "image": hashlib.sha256(image).hexdigest(),
    }
    return await once(found, key.name, idempotency_key, "enrollEmployee", asked, 201, enroll)


@router.post(
    "/employees/search",
    operation_id="checkIn",
    tags=["check-in"],
    response_model=answers.CheckinMatched | answers.CheckinNotMatched,
    response_model_exclude_unset=True,
    responses=errors(409, 429),
    openapi_extra=CHECKIN_FORM,
)
async def search(
    request: Request, key: ApiKey = Depends(ANY_KEY), found: Services = Depends(services)
) -> dict[str, Any]:
    """Who is the largest face in this frame? Records a check-in when a face is seen."""
    # The limiter's bucket is a PostgreSQL row: never a round trip on the event loop.
    await run_in_threadpool(found.search_limiter.take, key.name)
    if key.liveness is Liveness.CHALLENGE:
        raise ChallengeRequired(
            "this kiosk must answer a head-turn challenge: POST /api/v1/liveness/challenge, "
            "then the frames to POST /api/v1/liveness/checkin",
            {"liveness": key.liveness},
        )
    form = await read_form(request, found.max_upload_bytes)
    image = await image_field(form, found.max_upload_bytes)
    outcome = await run_in_threadpool(found.checkin.check_in, image, key.kiosk)
    count_outcome(request, outcome)
    return checkin_answer(outcome, key)


@router.get("/auth/whoami", operation_id="whoAmI", tags=["auth"], response_model=answers.WhoAmI)
async def whoami(key: ApiKey = Depends(ANYONE)) -> dict[str, Any]:
    """The calling key's name, role and liveness mode (the pages check a key with it; a
    kiosk with liveness "challenge" asks for a head turn)."""
    return {
        "name": key.name,
        "role": key.role.value,
        "liveness": key.liveness,
        "site_name": key.site.name,
        "direction": key.direction.value,
    }


def photo_path(employee_id: str, face_id: str) -> str:
    """Where an admin reads a face's photo: through the backend, never the store itself."""
    return f"/api/v1/employees/{quote(employee_id)}/faces/{quote(face_id)}/photo"
