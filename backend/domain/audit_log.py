"""The audit log: who did what to whose biometric data, chained by hashes so that an edited
or removed entry shows (`facegate audit verify`)."""

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.domain.audit import (
    AUDIT_EXPORTED,
    AUDIT_PRUNED,
    GENESIS,
    SYSTEM,
    Actor,
    Anchor,
    AuditEntry,
    AuditFilter,
)
from backend.domain.model import Page
from backend.domain.ports.audit import AuditArchive, AuditTrail

CSV_COLUMNS = (
    "seq", "at", "actor_kind", "actor_id", "actor_name", "action", "subject_kind",
    "subject_id", "details", "prev_hash", "hash",
)  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    entries: int
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def canonical(entry: AuditEntry) -> bytes:
    """The entry's content as hashed: sorted-key JSON, UTC time in microseconds."""
    content = {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": [entry.actor.kind, entry.actor.id, entry.actor.name],
        "action": entry.action,
        "subject": [entry.subject_kind, entry.subject_id],
        "details": entry.details,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()


def chain_hash(prev_hash: str, entry: AuditEntry) -> str:
    """sha256 over the previous entry's hash and this entry's canonical content."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(entry)).hexdigest()


def verify_chain(
    anchor: Anchor | None, entries: Iterable[AuditEntry], head: Anchor | None = None
) -> Verdict:
    """Walk the chain from the anchor (or the start) to the head: an edited entry no longer
    matches its own hash; a removed one leaves a gap in seq (entries are numbered without
    gaps) or, the newest, a head that names a row no longer there."""
    problems: list[str] = []
    expected_prev = anchor.hash if anchor else GENESIS
    expected_seq = anchor.through_seq + 1 if anchor else 1
    count = 0
    for entry in entries:
        count += 1
        if entry.seq != expected_seq:
            problems.append(
                f"row {entry.seq}: rows {expected_seq}..{entry.seq - 1} before it are missing "
                "(deleted outside pruning)"
            )
        elif entry.prev_hash != expected_prev:
            problems.append(
                f"row {entry.seq}: its previous hash does not match row {entry.seq - 1}"
            )
        if chain_hash(entry.prev_hash, entry) != entry.hash:
            problems.append(f"row {entry.seq}: its content does not match its hash (edited)")
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    if head is not None and head.through_seq >= expected_seq:
        problems.append(
            f"row {head.through_seq}: rows {expected_seq}..{head.through_seq} at the end "
            "are missing (deleted)"
        )
    elif head is not None and head.hash != expected_prev:
        problems.append(f"row {head.through_seq}: the chain's head does not match it")
    return Verdict(count, problems)


class AuditLog:
    """Reading, exporting, verifying and pruning the log (admins and the CLI)."""

    def __init__(self, *, archive: AuditArchive, trail: AuditTrail, retention_days: int) -> None:
        self._archive = archive
        self._trail = trail
        self._retention_days = retention_days

    def search(self, where: AuditFilter, limit: int, offset: int) -> Page:
        """Entries that match, newest first."""
        return self._archive.search(where, limit, offset)

    def export(self, actor: Actor, where: AuditFilter) -> Iterator[AuditEntry]:
        """Every matching entry, oldest first, as it streams; the export itself is recorded."""
        self._trail.record(actor, AUDIT_EXPORTED, "audit", "log", _filter_details(where))
        return self._archive.stream(where)

    def csv_lines(self, actor: Actor, where: AuditFilter) -> Iterator[str]:
        """The export as CSV lines (a header first), one entry at a time."""
        entries = self.export(actor, where)  # recorded before the first line goes out
        yield _csv_line(CSV_COLUMNS)
        for entry in entries:
            yield _csv_line(
                (
                    entry.seq,
                    entry.at.astimezone(UTC).isoformat(),
                    entry.actor.kind,
                    entry.actor.id,
                    entry.actor.name,
                    entry.action,
                    entry.subject_kind,
                    entry.subject_id,
                    json.dumps(entry.details, sort_keys=True),
                    entry.prev_hash,
                    entry.hash,
                )
            )

    def about(self, subject_kind: str, subject_id: str) -> Iterator[AuditEntry]:
        """Every entry about exactly this subject, oldest first (a person's access export)."""
        return self._archive.about(subject_kind, subject_id)

    def verify(self) -> Verdict:
        """Walk the whole chain; the verdict names every row that was edited or removed."""
        archive = self._archive
        return verify_chain(archive.anchor(), archive.stream(AuditFilter()), archive.head())

    def prune(self, now: datetime) -> int:
        """Drop entries older than the retention (0 keeps all), leaving an anchor."""
        if self._retention_days <= 0:
            return 0
        pruned = self._archive.prune(now - timedelta(days=self._retention_days))
        if pruned:
            self._trail.record(
                SYSTEM,
                AUDIT_PRUNED,
                "audit",
                "log",
                {"entries": pruned, "days": self._retention_days},
            )
        return pruned


def _filter_details(where: AuditFilter) -> dict[str, Any]:
    return {
        k: (v.isoformat() if isinstance(v, datetime) else v)
        for k, v in vars(where).items()
        if v not in ("", None)
    }


def _csv_line(values: Iterable[object]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue()
