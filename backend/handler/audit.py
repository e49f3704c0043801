"""The audit log for HR and the data-protection officer: filtered pages, a CSV export that
streams, and the chain's verdict (admin keys only)."""

from functools import partial
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from backend.domain.app import Services
from backend.domain.audit import Actor, AuditEntry, AuditFilter
from backend.domain.model import ApiKey
from backend.handler import answers
from backend.handler.auth import ADMIN
from backend.handler.context import services
from backend.handler.openapi import API_ERRORS, ISO_MOMENT

router = APIRouter(prefix="/api/v1", responses=API_ERRORS, tags=["audit"])

AUDIT_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "model": answers.AuditPage,
        "description": "JSON page, or with format=csv every matching entry as CSV (oldest first)",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


def audit_filter(
    actor: str = Query("", max_length=128, description="the actor's name contains this"),
    action: str = Query("", max_length=64, description="the action starts with this"),
    subject: str = Query("", max_length=128, description="the subject's id contains this"),
    start: str | None = Query(
        None, alias="from", pattern=ISO_MOMENT, description="ISO 8601 date or time"
    ),
    end: str | None = Query(
        None, alias="to", pattern=ISO_MOMENT, description="ISO 8601; a bare date is included"
    ),
    found: Services = Depends(services),
) -> AuditFilter:
    """Who, what, whom and when, from the query; times in the office's time zone."""
    office = found.attendance
    return AuditFilter(
        actor.strip(),
        action.strip(),
        subject.strip(),
        office.moment(start, "from"),
        office.moment(end, "to", end_of_day=True),
    )


@router.get("/audit", operation_id="listAudit", response_model=None, responses=AUDIT_CONTENT)
async def list_audit(
    where: AuditFilter = Depends(audit_filter),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    format: Literal["json", "csv"] = Query(
        "json", description="csv: every matching entry (no paging) as text/csv; audited"
    ),
    key: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> dict[str, Any] | StreamingResponse:
    """Entries newest first; `format=csv` streams all that match (the export is audited)."""
    if format == "csv":
        lines = found.audit.csv_lines(Actor.of_key(key), where)
        first = await run_in_threadpool(next, lines)  # the header; the export is recorded
        return StreamingResponse(
            _prepend(first, lines),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
        )
    page = await run_in_threadpool(partial(found.audit.search, where, limit, offset))
    return {
        "items": [_entry(e) for e in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
    }


@router.get("/audit/verify", operation_id="verifyAudit", response_model=answers.AuditVerdict)
async def verify_audit(
    _: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> dict[str, Any]:
    """Walk the hash chain: whether any entry was edited or removed, naming each one."""
    verdict = await run_in_threadpool(found.audit.verify)
    return {"intact": verdict.intact, "entries": verdict.entries, "problems": verdict.problems}


def _entry(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": {"kind": entry.actor.kind, "id": entry.actor.id, "name": entry.actor.name},
        "action": entry.action,
        "subject_kind": entry.subject_kind,
        "subject_id": entry.subject_id,
        "details": entry.details,
        "hash": entry.hash,
    }


def _prepend(first: str, rest: Any) -> Any:
    yield first
    yield from rest
