"""The gallery's model, generation, size and thresholds; an admin's recalibration."""

from functools import partial
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from backend.domain.app import Services
from backend.domain.audit import Actor
from backend.domain.model import ApiKey
from backend.handler import answers
from backend.handler.auth import ADMIN
from backend.handler.context import services
from backend.handler.openapi import API_ERRORS, errors

router = APIRouter(prefix="/api/v1", responses=API_ERRORS, tags=["gallery"])


class GallerySettings(BaseModel):
    """Threshold settings to write into the gallery's row; a field left out stays as it is,
    null puts it back to the configured value (MATCH_STRANGER_ACCEPT_RATE, MATCH_THRESHOLD,
    DUPLICATE_THRESHOLD, MATCH_MARGIN, MATCH_MIN_GALLERY). Every replica follows within 5 s."""

    # strict: false or "0.1" is not a threshold (lax mode would read them as 0.0 and 0.1)
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"stranger_accept_rate": 0.001, "match_threshold": None}]},
    )
    stranger_accept_rate: float | None = Field(
        default=None, description="target share of strangers accepted, between 0 and 1"
    )
    match_threshold: float | None = Field(
        default=None, description="a fixed match distance instead of the calibrated one"
    )
    duplicate_threshold: float | None = Field(
        default=None, description="the distance below which enrollment refuses outright"
    )
    match_margin: float | None = Field(
        default=None, description="share of the match threshold the runner-up must lie beyond"
    )
    match_min_gallery: int | None = Field(
        default=None,
        description="the threshold floor: thresholds never looser than for this many faces "
        "(1 to 1,000,000; 1: no floor)",
    )


@router.get("/gallery", operation_id="getGallery", response_model=answers.GalleryReport)
async def gallery(
    _: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> dict[str, Any]:
    """The gallery's model and size, the thresholds in use, where their settings come from
    and what to expect of them."""
    report = await run_in_threadpool(found.gallery.report)
    return report.as_dict()


@router.patch(
    "/gallery",
    operation_id="changeGallery",
    response_model=answers.GalleryReport,
    responses=errors(422),
)
async def change_gallery(
    changes: GallerySettings, key: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> dict[str, Any]:
    """Recalibrate: write threshold settings into the gallery's row (the report after)."""
    asked = changes.model_dump(exclude_unset=True)
    report = await run_in_threadpool(
        partial(found.gallery.recalibrate, asked, actor=Actor.of_key(key))
    )
    return report.as_dict()
