"""Privacy over HTTP: the published statement (no key), the notice, consent records,
and a person's access export as one streamed ZIP."""

from functools import partial
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.concurrency import iterate_in_threadpool, run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from backend.domain.app import Services
from backend.domain.audit import Actor
from backend.domain.consent import MAX_NOTICE_LENGTH, MAX_REFERENCE_LENGTH, Recorded
from backend.domain.model import ApiKey
from backend.domain.privacy import ConsentRecord, ConsentStatement, Decision, Method, Notice
from backend.handler.answers.privacy import (
    ConsentHistory,
    ConsentRecorded,
    PrivacyStatement,
)
from backend.handler.answers.privacy import Notice as NoticeAnswer
from backend.handler.auth import ADMIN
from backend.handler.context import services
from backend.handler.openapi import API_ERRORS, errors
from backend.handler.zipstream import zipped

router = APIRouter(prefix="/api/v1", responses=API_ERRORS)
# Public, beside /healthz and /openapi.json: what /privacy shows, for anyone (no key).
public = APIRouter()


@public.get(
    "/privacy.json",
    operation_id="getPrivacyStatement",
    tags=["privacy"],
    response_model=PrivacyStatement,
    responses=errors(503),
)
async def privacy_statement(found: Services = Depends(services)) -> dict[str, Any]:
    """What /privacy publishes (no key needed): whether consent is asked, the notice in
    force, the retention schedule and whom to ask for a copy of one's data."""
    return await run_in_threadpool(statement, found)


def statement(found: Services) -> dict[str, Any]:
    """The published statement, from the settings and the notice in force."""
    settings = found.consent.settings
    return {
        "consent_required": settings.consent_required,
        "notice": notice_answer(found.consent.notice()),
        "retention": settings.schedule.__dict__,
        "contact": settings.contact,
    }


class NoticeText(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_NOTICE_LENGTH)


@router.post(
    "/consent/notice",
    operation_id="publishNotice",
    tags=["privacy"],
    status_code=201,
    response_model=NoticeAnswer,
)
async def publish_notice(
    body: NoticeText, key: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> dict[str, Any]:
    """Publish a new version of the notice (in the operator's own words); consents given
    from now on name it."""
    notice = await run_in_threadpool(found.consent.publish_notice, body.text, Actor.of_key(key))
    return notice_answer(notice)


class ConsentBody(BaseModel):
    """A person's decision: given (naming the notice version they read), declined, or
    withdrawn (which destroys their biometric data at once)."""

    decision: Literal["given", "declined", "withdrawn"]
    method: Literal["signature", "paper", "external"] = Field(
        description="signature: the person typed their name (enrollment page); paper: HR "
        "holds a signed form (reference); external: another system holds the record"
    )
    notice_version: int | None = Field(
        default=None, ge=1, description="the notice read; required when given"
    )
    signature: str | None = Field(default=None, max_length=128)
    reference: str | None = Field(default=None, max_length=MAX_REFERENCE_LENGTH)
    employee_name: str | None = Field(
        default=None, max_length=128, description="needed when the person is not yet enrolled"
    )


@router.post(
    "/employees/{employee_id}/consent",
    operation_id="recordConsent",
    tags=["privacy"],
    status_code=201,
    response_model=ConsentRecorded,
    responses=errors(404, 409),
)
async def record_consent(
    employee_id: str,
    body: ConsentBody,
    key: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> dict[str, Any]:
    """Record a consent, refusal or withdrawal (a new record; none is ever changed)."""
    recorded: Recorded = await run_in_threadpool(
        partial(
            found.consent.record,
            employee_id,
            ConsentStatement(
                decision=Decision(body.decision),
                method=Method(body.method),
                notice_version=body.notice_version,
                signature=body.signature,
                reference=body.reference,
            ),
            Actor.of_key(key),
            body.employee_name,
        )
    )
    destroyed = recorded.destroyed
    return {
        **consent_answer(recorded.record),
        "faces_destroyed": destroyed.faces if destroyed else 0,
        "snapshots_destroyed": destroyed.snapshots if destroyed else 0,
    }


@router.get(
    "/employees/{employee_id}/consent",
    operation_id="getConsentHistory",
    tags=["privacy"],
    response_model=ConsentHistory,
    responses=errors(404),
)
async def consent_history(
    employee_id: str, _: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> dict[str, Any]:
    """The person's consent records, oldest first (the last one is in force)."""
    records = await run_in_threadpool(found.consent.history, employee_id)
    return {"items": [consent_answer(r) for r in records]}


@router.get(
    "/employees/{employee_id}/export",
    operation_id="exportEmployee",
    tags=["privacy"],
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "a ZIP: person.json (record, faces, consents, check-ins, disputes, "
            "audit entries), photos/ and snapshots/",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        },
        **errors(404),
    },
)
async def export_employee(
    employee_id: str, key: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> StreamingResponse:
    """Everything held about one person, for them (an access request), streamed."""
    parts = await run_in_threadpool(found.access_export.export, employee_id, Actor.of_key(key))
    name = quote(f"facegate-{employee_id}.zip")
    return StreamingResponse(
        iterate_in_threadpool(zipped(parts)),
        media_type="application/zip",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{name}",
            "Cache-Control": "private, no-store",
        },
    )


def notice_answer(notice: Notice) -> dict[str, Any]:
    created = notice.created_at.isoformat() if notice.created_at else None
    return {**notice.__dict__, "created_at": created}


def consent_answer(record: ConsentRecord) -> dict[str, Any]:
    return {
        "employee_id": record.employee_id,
        "notice_version": record.notice_version,
        "decision": record.decision.value,
        "method": record.method.value,
        "signature": record.signature,
        "reference": record.reference,
        "recorded_by": record.recorded_by,
        "recorded_at": record.recorded_at.isoformat() if record.recorded_at else None,
    }
