"""/privacy: the published schedule, purpose, notice in force and how to ask for a copy,
written from the settings on every request (never out of date), for anyone (no key)."""

from html import escape

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from backend.domain.app import Services
from backend.domain.privacy import RetentionSchedule
from backend.handler.context import services
from backend.handler.pages import PAGE_HEADERS

router = APIRouter()


def schedule_items(schedule: RetentionSchedule) -> list[str]:
    """The schedule in plain words, one line per rule."""
    leaving = (
        "on the day they leave"
        if schedule.after_leaving_days == 0
        else f"{schedule.after_leaving_days} days after the day they leave"
    )
    attendance = (
        "until the person's record is erased"
        if schedule.attendance_days == 0
        else f"for {schedule.attendance_days} days, then deleted"
    )
    return [
        "The photo, face template and check-in pictures of a person who leaves are "
        f"destroyed {leaving}.",
        f"Those of anyone who has not checked in for {schedule.inactive_days} days are destroyed.",
        "They are destroyed at once when a person withdraws their consent.",
        f"Check-in records (times and doors, kept as attendance) are kept {attendance}; "
        "they keep no link to a face once the face is destroyed.",
        "A job enforces this schedule by itself, without anyone having to ask.",
    ]


def render(found: Services) -> str:
    settings = found.consent.settings
    notice = found.consent.notice()
    consent = (
        "<p>No face is stored before the person has read the notice below and consented "
        "(typed signature, or a signed paper form HR keeps). A person who declines or "
        "withdraws checks in another way.</p>"
        if settings.consent_required
        else '<p class="warning">The operator has declared itself exempt from asking for '
        "consent (CONSENT_REQUIRED=false): faces are enrolled without a consent record.</p>"
    )
    contact = (
        f"write to <strong>{escape(settings.contact)}</strong>"
        if settings.contact
        else "ask your HR department"
    )
    rules = "".join(f"<li>{escape(rule)}</li>" for rule in schedule_items(settings.schedule))
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in notice.text.split("\n\n") if p.strip())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>facegate: privacy</title><link rel="stylesheet" href="/static/style.css"></head>
<body><main class="privacy">
<h1>Privacy: face check-in</h1>
<h2>Purpose</h2>
<p>Faces are used for one thing only: recording attendance at the office doors.</p>
<h2>Consent</h2>{consent}
<h2>Retention schedule</h2><ul id="schedule">{rules}</ul>
<h2>The notice in force (version {notice.version})</h2>
<section id="notice">{paragraphs}</section>
<h2>A copy of your data</h2>
<p>To receive everything held about you (your record, consents, check-ins, photos and
pictures), {contact}. HR exports it in one file; you receive it within a month.</p>
</main></body></html>
"""


@router.get("/privacy", include_in_schema=False)
async def privacy_page(found: Services = Depends(services)) -> HTMLResponse:
    return HTMLResponse(await run_in_threadpool(render, found), headers=PAGE_HEADERS)
