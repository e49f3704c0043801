"""The head-turn challenge over HTTP: a kiosk asks for a challenge, then answers it with
a run of frames (see backend/domain/liveness.py for what it stops and what it does not)."""

from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from backend.domain.app import Services
from backend.domain.checkin import CheckInOutcome
from backend.domain.model import ApiKey, CheckInResult, Liveness
from backend.handler import answers
from backend.handler.auth import ANY_KEY
from backend.handler.context import services
from backend.handler.openapi import API_ERRORS, CHALLENGE_FORM, errors
from backend.handler.uploads import image_files, read_form, text_field

router = APIRouter(prefix="/api/v1", responses=API_ERRORS, tags=["check-in"])

PROMPTS = {"left": "Turn your head to your left", "right": "Turn your head to your right"}


@router.post(
    "/liveness/challenge",
    operation_id="startChallenge",
    status_code=201,
    response_model=answers.Challenge,
    responses=errors(429),
)
async def new_challenge(
    key: ApiKey = Depends(ANY_KEY), found: Services = Depends(services)
) -> dict[str, Any]:
    """A signed, short-lived, single-use challenge: which way to turn the head."""
    # Both read PostgreSQL (the bucket row, the signing secret): off the event loop.
    await run_in_threadpool(found.search_limiter.take, key.name)
    challenges = found.liveness
    challenge = await run_in_threadpool(challenges.issue, key.name)
    return {
        "token": challenge.token,
        "direction": challenge.direction,
        "prompt": PROMPTS[challenge.direction],
        "expires_at": challenge.expires_at.isoformat(),
        "frames_min": challenges.settings.min_frames,
        "frames_max": challenges.settings.max_frames,
        # whether this key must answer challenges (a kiosk set back to one frame stops)
        "required": key.liveness is Liveness.CHALLENGE,
    }


@router.post(
    "/liveness/checkin",
    operation_id="checkInWithChallenge",
    response_model=answers.ChallengedCheckinMatched | answers.ChallengedCheckinNotMatched,
    response_model_exclude_unset=True,
    responses=errors(409, 429),
    openapi_extra=CHALLENGE_FORM,
)
async def challenged_checkin(
    request: Request, key: ApiKey = Depends(ANY_KEY), found: Services = Depends(services)
) -> dict[str, Any]:
    """Answer a challenge: multipart `challenge` (the token) and 3-8 `frames` from the
    prompt on. The most frontal frame is checked in as POST /employees/search would."""
    await run_in_threadpool(found.search_limiter.take, key.name)
    challenges = found.liveness
    form = await read_form(
        request, found.max_upload_bytes, max_files=challenges.settings.max_frames
    )
    frames = await image_files(form, found.max_upload_bytes, "frames")
    answered = await run_in_threadpool(
        partial(challenges.check_in, text_field(form, "challenge"), frames, key.kiosk)
    )
    count_outcome(request, answered.outcome)
    return {
        **checkin_answer(answered.outcome, key),
        "liveness": {"direction": answered.direction, "turn": answered.turn},
    }


def count_outcome(request: Request, outcome: CheckInOutcome) -> None:
    if outcome.reason is not CheckInResult.NO_FACE_DETECTED:
        result = "unmatched" if not outcome.matched else "repeat" if outcome.repeat else "matched"
        request.app.state.metrics.checkins.labels(result).inc()


def checkin_answer(outcome: CheckInOutcome, key: ApiKey) -> dict[str, Any]:
    """What a kiosk is told: who, which way and where, or why not (never a photo link,
    never that the face is someone's from another site)."""
    if outcome.matched and outcome.match and outcome.checkin:
        # A repeat within the window: the earlier check-in's id and time, no new row.
        return {
            "matched": True,
            "repeat": outcome.repeat,
            "employee_id": outcome.match.employee_id,
            "employee_name": outcome.match.employee_name,
            "distance": round(outcome.match.distance, 4),
            "checkin_id": outcome.checkin.checkin_id,
            "checked_in_at": outcome.checkin.created_at.isoformat(),
            "site_id": outcome.checkin.site_id,
            "site_name": key.site.name,
            "direction": outcome.checkin.direction,
        }
    return {"matched": False, "employee_name": "Unknown", "reason": outcome.reason}
