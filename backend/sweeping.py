"""The photo sweep, run by every backend at start and then periodically (one at a time
across replicas: PhotoSweep takes a PostgreSQL advisory lock)."""

import asyncio
import logging

import anyio

from backend.domain.errors import DomainError
from backend.domain.idempotency import Idempotency
from backend.domain.sweep import PhotoSweep, SnapshotSweep

log = logging.getLogger("facegate.backend")


async def sweep_periodically(sweep: PhotoSweep | SnapshotSweep, interval: float) -> None:
    """Sweep now, then every `interval` seconds, until cancelled."""
    while True:
        try:
            removed = await anyio.to_thread.run_sync(sweep.run)
        except DomainError as error:  # the store or database is down: next time
            log.warning("photo sweep skipped: %s", error.message)
        except Exception:
            log.exception("photo sweep failed")
        else:
            if removed:
                log.warning("%s removed %d objects", type(sweep).__name__, removed)
        await asyncio.sleep(interval)


async def forget_idempotency_keys(idempotency: Idempotency, interval: float) -> None:
    """Delete idempotency keys past their 24 h now, then every `interval` seconds."""
    while True:
        try:
            await anyio.to_thread.run_sync(idempotency.sweep)
        except DomainError as error:  # the database is down: next time
            log.warning("idempotency key sweep skipped: %s", error.message)
        except Exception:
            log.exception("idempotency key sweep failed")
        await asyncio.sleep(interval)
