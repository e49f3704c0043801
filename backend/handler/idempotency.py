"""Idempotency-Key on creates: a retry gets the first answer and creates nothing."""

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Header
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from backend.domain.app import Services
from backend.domain.idempotency import request_hash
from backend.domain.model import StoredAnswer

Answer = TypeVar("Answer", bound=BaseModel)

IDEMPOTENCY_KEY: Any = Header(
    None,
    alias="Idempotency-Key",
    min_length=1,
    max_length=255,
    pattern=r"^[!-~]+$",
    description="Any unique string (a UUID) per intended create, reused on retries: a retry "
    "within 24 h gets the first answer and creates nothing; the key with a different "
    "request is refused (idempotency_key_reused). Errors are not kept: a retry after one "
    "runs again.",
)
REPLAYED = "Idempotent-Replayed"
REPLAY_HEADER = {
    REPLAYED: {
        "schema": {"type": "string", "enum": ["true"]},
        "description": "present on a retry's answer: the first answer, replayed",
    }
}


async def once(
    found: Services,
    owner: str,
    key: str | None,
    operation: str,
    fields: dict[str, Any],
    status: int,
    create: Callable[[], Awaitable[Answer]],
) -> Answer | JSONResponse:
    """Run `create` unless this key already has an answer; keep its answer if it succeeds."""
    if key is None:
        return await create()
    fingerprint = request_hash(operation, fields)
    claim = await run_in_threadpool(found.idempotency.begin, owner, key, fingerprint)
    if isinstance(claim, StoredAnswer):
        return JSONResponse(claim.body, claim.status, headers={REPLAYED: "true"})
    try:
        answer = await create()
    except BaseException:
        # Called directly, not awaited: a cancelled request cannot await any more, and the
        # rollback that lets the key go is one quick round trip.
        claim.release()
        raise
    await run_in_threadpool(claim.keep, status, answer.model_dump(mode="json"))
    return answer
