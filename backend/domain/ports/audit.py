"""Ports of the audit log: the use cases append to it, the audit service reads it."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

from backend.domain.audit import Actor, Anchor, AuditEntry, AuditFilter
from backend.domain.model import Page


class AuditTrail(Protocol):
    """What a use case needs: append one entry to the chain (under a lock, so replicas
    writing at once keep one chain)."""

    def record(
        self,
        actor: Actor,
        action: str,
        subject_kind: str,
        subject_id: str,
        details: dict[str, Any] | None = None,
    ) -> None: ...


class AuditArchive(Protocol):
    """What reading, verifying and pruning the log need."""

    def search(self, where: AuditFilter, limit: int, offset: int) -> Page:
        """AuditEntry items that match, newest first, and how many match."""
        ...

    def stream(self, where: AuditFilter) -> Iterator[AuditEntry]:
        """Every matching entry, oldest first, read in batches (never all at once)."""
        ...

    def about(self, subject_kind: str, subject_id: str) -> Iterator[AuditEntry]:
        """Every entry about exactly this subject (a person's access export), oldest first."""
        ...

    def anchor(self) -> "Anchor | None":
        """The newest pruning anchor, or None when nothing was ever pruned."""
        ...

    def head(self) -> Anchor:
        """The newest entry's seq and hash, as the appenders keep them."""
        ...

    def prune(self, before: datetime) -> int:
        """Delete entries written before `before`, leaving an anchor; how many went."""
        ...
