"""The sites API for HR: sites, who may check in where, and the period report of hours."""

from datetime import time
from functools import partial
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from backend.domain.app import Services
from backend.domain.audit import Actor
from backend.domain.model import ApiKey
from backend.domain.site_model import Site
from backend.handler import answers
from backend.handler.auth import ADMIN
from backend.handler.context import services
from backend.handler.idempotency import IDEMPOTENCY_KEY, REPLAY_HEADER, once
from backend.handler.openapi import API_ERRORS, ISO_DATE, errors

router = APIRouter(prefix="/api/v1", responses=API_ERRORS, tags=["sites"])


class SiteFields(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    timezone: str = Field(description="IANA time zone, e.g. Europe/Paris")
    day_start_hour: int = Field(0, ge=0, le=23)
    expected_start: str | None = Field(None, description="HH:MM, or null")


class AllowedSitesChange(BaseModel):
    sites: list[int] | None = Field(description="the site ids, or null for every site")


def site_answer(site: Site) -> dict[str, Any]:
    """A site as the API shows it."""
    start: time | None = site.expected_start
    return {
        "site_id": site.site_id,
        "name": site.name,
        "timezone": site.timezone,
        "day_start_hour": site.day_start_hour,
        "expected_start": None if start is None else start.strftime("%H:%M"),
    }


@router.get("/sites", operation_id="listSites", response_model=answers.SiteList)
async def list_sites(
    _: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> dict[str, Any]:
    """Every site, the default (id 1) first."""
    return {"items": [site_answer(s) for s in await run_in_threadpool(found.sites.list)]}


@router.post(
    "/sites",
    operation_id="createSite",
    status_code=201,
    response_model=answers.SiteAnswer,
    responses={201: {"headers": REPLAY_HEADER}, **errors(409)},
)
async def create_site(
    fields: SiteFields,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
    caller: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> answers.SiteAnswer | JSONResponse:
    """A new site; its kiosk keys are made with `site_id` (createKey). A retry with the
    same Idempotency-Key (within 24 h) gets the first answer, not a second site."""

    async def create() -> answers.SiteAnswer:
        site = await run_in_threadpool(
            partial(
                found.sites.create,
                fields.name,
                fields.timezone,
                fields.day_start_hour,
                fields.expected_start,
                actor=Actor.of_key(caller),
            )
        )
        return answers.SiteAnswer(**site_answer(site))

    asked = fields.model_dump()
    return await once(found, caller.name, idempotency_key, "createSite", asked, 201, create)


@router.put(
    "/sites/{site_id}",
    operation_id="updateSite",
    response_model=answers.SiteAnswer,
    responses=errors(404, 409),
)
async def update_site(
    fields: SiteFields,
    site_id: int = Path(ge=1),
    caller: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> dict[str, Any]:
    """Rename a site, or change its time zone, day start or expected start."""
    site = await run_in_threadpool(
        partial(
            found.sites.update,
            site_id,
            fields.name,
            fields.timezone,
            fields.day_start_hour,
            fields.expected_start,
            actor=Actor.of_key(caller),
        )
    )
    return site_answer(site)


def _allowed(employee_id: str, sites: list[int] | None) -> dict[str, Any]:
    return {"employee_id": employee_id, "all_sites": sites is None, "sites": sites}


@router.get(
    "/employees/{employee_id}/sites",
    operation_id="getAllowedSites",
    response_model=answers.AllowedSites,
    responses=errors(404),
)
async def allowed_sites(
    employee_id: str, _: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> dict[str, Any]:
    """Where the employee may check in."""
    await run_in_threadpool(found.admin.details, employee_id)  # EmployeeNotFound: 404
    return _allowed(employee_id, await run_in_threadpool(found.sites.allowed_sites, employee_id))


@router.put(
    "/employees/{employee_id}/sites",
    operation_id="setAllowedSites",
    response_model=answers.AllowedSites,
    responses=errors(404),
)
async def set_allowed_sites(
    employee_id: str,
    change: AllowedSitesChange,
    caller: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> dict[str, Any]:
    """Allow the employee at these sites only (a kiosk elsewhere does not recognise
    them), or at every site with `{"sites": null}`."""
    sites = await run_in_threadpool(
        partial(
            found.sites.set_allowed_sites, employee_id, change.sites, actor=Actor.of_key(caller)
        )
    )
    return _allowed(employee_id, sites)


REPORT_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON {from, to, site_id, people: [{employee_id, employee_name, "
        "days: [...], total: {...}}]}, or with format=csv a `day` line per person and "
        "working day followed by the person's `total` line",
        "model": answers.HoursReport,
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/reports/hours",
    operation_id="hoursReport",
    response_model=None,
    responses=REPORT_CONTENT,
)
async def hours_report(
    first: str = Query(alias="from", pattern=ISO_DATE, description="first working day"),
    last: str = Query(alias="to", pattern=ISO_DATE, description="last working day, included"),
    site_id: int | None = Query(None, ge=1, description="only check-ins at this site"),
    format: Literal["json", "csv"] = Query("json"),
    _: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> StreamingResponse:
    """Hours worked per person and working day (first in, last out, time on site from
    in/out pairs, open days, late arrivals) and totals per person, in each site's time
    zone; streamed, so a year of a large company is never held whole."""
    report = found.hours
    start, end = report.period(first, last)
    if site_id is not None:
        await run_in_threadpool(found.sites.get, site_id)  # SiteNotFound: 404
    if format == "csv":
        lines = report.csv(start, end, site_id)
        media, name = "text/csv; charset=utf-8", "hours.csv"
    else:
        lines = report.json(start, end, site_id)
        media, name = "application/json", "hours.json"
    return StreamingResponse(
        _in_threads(lines),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _in_threads(lines: Any) -> Any:
    """Each chunk read off the database cursor in a worker thread, not the event loop."""
    done = object()
    while (line := await run_in_threadpool(next, lines, done)) is not done:
        yield line
