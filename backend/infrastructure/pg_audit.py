"""The audit log in PostgreSQL: appended under the head row's lock, read in batches."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

from backend.domain.audit import Actor, Anchor, AuditEntry, AuditFilter
from backend.domain.audit_log import chain_hash
from backend.domain.model import Page
from backend.infrastructure.database import transaction

COLUMNS = (
    "seq, at, actor_kind, actor_id, actor_name, action, subject_kind, subject_id, details, "
    "prev_hash, hash"
)
BATCH = 500


def append(
    db: Connection,
    actor: Actor,
    action: str,
    subject_kind: str,
    subject_id: str,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry inside the caller's transaction. The head row's lock is held until
    that transaction ends, so replicas appending at once keep one chain without gaps."""
    head = db.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")).one()
    entry = AuditEntry(
        at=datetime.now(UTC),
        actor=actor,
        action=action,
        subject_kind=subject_kind,
        subject_id=str(subject_id),
        details=json.loads(json.dumps(details or {}, default=str)),  # as jsonb gives it back
        seq=head.seq + 1,
        prev_hash=head.hash,
    )
    digest = chain_hash(entry.prev_hash, entry)
    db.execute(
        text(
            f"INSERT INTO audit_log ({COLUMNS}) VALUES (:seq, :at, :ak, :ai, :an, :action, "
            ":sk, :si, CAST(:details AS jsonb), :prev, :hash)"
        ),
        {
            "seq": entry.seq,
            "at": entry.at,
            "ak": actor.kind,
            "ai": actor.id,
            "an": actor.name,
            "action": action,
            "sk": subject_kind,
            "si": entry.subject_id,
            "details": json.dumps(entry.details),
            "prev": entry.prev_hash,
            "hash": digest,
        },
    )
    db.execute(
        text("UPDATE audit_head SET seq = :s, hash = :h WHERE id = 1"),
        {"s": entry.seq, "h": digest},
    )
    return entry


def _literal(text: str) -> str:
    """`text` for LIKE, its own % and _ taken as they are."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(where: AuditFilter) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = ["TRUE"]
    params: dict[str, Any] = {}
    if where.actor:
        clauses.append("(actor_name ILIKE :actor OR actor_id ILIKE :actor)")
        params["actor"] = f"%{_literal(where.actor)}%"
    if where.action:
        clauses.append("action LIKE :action")
        params["action"] = f"{_literal(where.action)}%"
    if where.subject:
        clauses.append("subject_id ILIKE :subject")
        params["subject"] = f"%{_literal(where.subject)}%"
    if where.since:
        clauses.append("at >= :since")
        params["since"] = where.since
    if where.until:
        clauses.append("at < :until")
        params["until"] = where.until
    return " AND ".join(clauses), params


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        at=row.at,
        actor=Actor(row.actor_kind, row.actor_id, row.actor_name),
        action=row.action,
        subject_kind=row.subject_kind,
        subject_id=row.subject_id,
        details=row.details,
        seq=row.seq,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


class PgAuditLog:
    """AuditTrail and AuditArchive on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(
        self,
        actor: Actor,
        action: str,
        subject_kind: str,
        subject_id: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        with transaction(self._engine) as db:
            append(db, actor, action, subject_kind, subject_id, details)

    def search(self, where: AuditFilter, limit: int, offset: int) -> Page:
        clause, params = _where(where)
        with transaction(self._engine) as db:
            total = db.execute(text(f"SELECT count(*) FROM audit_log WHERE {clause}"), params)
            rows = db.execute(
                text(
                    f"SELECT {COLUMNS} FROM audit_log WHERE {clause} "
                    "ORDER BY seq DESC LIMIT :limit OFFSET :offset"
                ),
                {**params, "limit": limit, "offset": offset},
            )
            return Page([_entry(r) for r in rows], total.scalar_one(), limit, offset)

    def stream(self, where: AuditFilter) -> Iterator[AuditEntry]:
        clause, params = _where(where)
        after = -1
        while True:  # keyset batches: memory stays flat however long the log is
            with transaction(self._engine) as db:
                rows = db.execute(
                    text(
                        f"SELECT {COLUMNS} FROM audit_log WHERE {clause} AND seq > :after "
                        "ORDER BY seq LIMIT :batch"
                    ),
                    {**params, "after": after, "batch": BATCH},
                ).all()
            yield from (_entry(r) for r in rows)
            if len(rows) < BATCH:
                return
            after = rows[-1].seq

    def about(self, subject_kind: str, subject_id: str) -> Iterator[AuditEntry]:
        after = -1
        while True:
            with transaction(self._engine) as db:
                rows = db.execute(
                    text(
                        f"SELECT {COLUMNS} FROM audit_log WHERE subject_kind = :k "
                        "AND subject_id = :i AND seq > :after ORDER BY seq LIMIT :batch"
                    ),
                    {"k": subject_kind, "i": subject_id, "after": after, "batch": BATCH},
                ).all()
            yield from (_entry(r) for r in rows)
            if len(rows) < BATCH:
                return
            after = rows[-1].seq

    def anchor(self) -> Anchor | None:
        with transaction(self._engine) as db:
            row = db.execute(
                text("SELECT through_seq, hash FROM audit_anchor ORDER BY through_seq DESC LIMIT 1")
            ).first()
        return None if row is None else Anchor(row.through_seq, row.hash)

    def head(self) -> Anchor:
        with transaction(self._engine) as db:
            row = db.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).one()
        return Anchor(row.seq, row.hash)

    def prune(self, before: datetime) -> int:
        with transaction(self._engine) as db:
            # The appenders' lock: no entry is added while the anchor is chosen.
            db.execute(text("SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE"))
            last = db.execute(
                text(
                    "SELECT seq, hash FROM audit_log WHERE at < :before ORDER BY seq DESC LIMIT 1"
                ),
                {"before": before},
            ).first()
            if last is None:
                return 0
            count = db.execute(
                text("SELECT count(*) FROM audit_log WHERE seq <= :s"), {"s": last.seq}
            ).scalar_one()
            db.execute(
                text("INSERT INTO audit_anchor (through_seq, hash, pruned) VALUES (:s, :h, :n)"),
                {"s": last.seq, "h": last.hash, "n": count},
            )
            db.execute(text("DELETE FROM audit_log WHERE seq <= :s"), {"s": last.seq})
            return int(count)
