"""An in-memory audit log: appended and chained as the PostgreSQL one is."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from backend.domain.audit import (
    GENESIS,
    Actor,
    Anchor,
    AuditEntry,
    AuditFilter,
)
from backend.domain.audit_log import chain_hash
from backend.domain.model import Page


def _matches(entry: AuditEntry, where: AuditFilter) -> bool:
    return (
        (not where.actor or where.actor.lower() in entry.actor.name.lower())
        and entry.action.startswith(where.action)
        and (not where.subject or where.subject.lower() in entry.subject_id.lower())
        and (where.since is None or entry.at >= where.since)
        and (where.until is None or entry.at < where.until)
    )


class FakeAuditLog:
    """AuditTrail and AuditArchive in a list."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []
        self.anchors: list[Anchor] = []
        self.top = Anchor(0, GENESIS)
        self.now = lambda: datetime.now(UTC)  # a test may write entries in the past

    def record(
        self,
        actor: Actor,
        action: str,
        subject_kind: str,
        subject_id: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        entry = AuditEntry(
            self.now(),
            actor,
            action,
            subject_kind,
            str(subject_id),
            dict(details or {}),
            seq=self.top.through_seq + 1,
            prev_hash=self.top.hash,
        )
        entry = replace(entry, hash=chain_hash(entry.prev_hash, entry))
        self.entries.append(entry)
        self.top = Anchor(entry.seq, entry.hash)

    def actions(self) -> list[str]:
        return [e.action for e in self.entries]

    def search(self, where: AuditFilter, limit: int, offset: int) -> Page:
        found = [e for e in reversed(self.entries) if _matches(e, where)]
        return Page(found[offset : offset + limit], len(found), limit, offset)

    def stream(self, where: AuditFilter) -> Iterator[AuditEntry]:
        return iter([e for e in self.entries if _matches(e, where)])

    def about(self, subject_kind: str, subject_id: str) -> Iterator[AuditEntry]:
        return iter(
            [
                e
                for e in self.entries
                if (e.subject_kind, e.subject_id) == (subject_kind, subject_id)
            ]
        )

    def anchor(self) -> Anchor | None:
        return self.anchors[-1] if self.anchors else None

    def head(self) -> Anchor:
        return self.top

    def prune(self, before: datetime) -> int:
        old = [e for e in self.entries if e.at < before]
        if not old:
            return 0
        self.anchors.append(Anchor(old[-1].seq, old[-1].hash))
        self.entries = [e for e in self.entries if e.seq > old[-1].seq]
        return len(old)
