"""Safe retries of creates: one Idempotency-Key, one effect, the first answer replayed."""

import hashlib
import json
from datetime import timedelta
from typing import Any

from backend.domain.errors import IdempotencyKeyReused
from backend.domain.model import StoredAnswer
from backend.domain.ports import IdempotencyClaim, IdempotencyStore

KEEP_FOR = timedelta(hours=24)


def request_hash(operation: str, fields: dict[str, Any]) -> str:
    """What a request asks for, independent of how it was encoded (multipart boundary,
    field order, JSON spacing): the operation and its fields, canonically."""
    canonical = json.dumps(
        {"operation": operation, "fields": fields}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class Idempotency:
    """Claims keys for creates and replays stored answers; answers are kept `keep_for`."""

    def __init__(self, *, store: IdempotencyStore, keep_for: timedelta = KEEP_FOR) -> None:
        self._store = store
        self._keep_for = keep_for

    def begin(self, owner: str, key: str, fingerprint: str) -> IdempotencyClaim | StoredAnswer:
        """A claim to run the request under, or the first answer to replay."""
        found = self._store.claim(owner, key, fingerprint, self._keep_for)
        if isinstance(found, StoredAnswer) and found.request_hash != fingerprint:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used for a different request; use a new key",
                {"idempotency_key": key},
            )
        return found

    def sweep(self) -> int:
        """Forget the keys older than the retention time."""
        return self._store.forget_older_than(self._keep_for)
