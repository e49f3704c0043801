"""Idempotency keys in PostgreSQL, so that a retry landing on any replica is answered alike.

A claim inserts the key's row in a transaction it keeps open while the request runs; the
answer is written into that row and committed with it. A concurrent request with the same
key meets the uncommitted row under the primary key and waits: when the first commits it
reads the stored answer, when it rolls back (an error, or a process killed) it claims the
key itself. So only committed answers are ever seen, and two requests never both create.

An answer may hold a secret shown once (a new API key, a webhook's signing secret), so
rows hold neither the Idempotency-Key nor the answer in the clear: the key's SHA-256
names the row and the answer is sealed (AES-GCM) with a key derived from the
Idempotency-Key, which only the client knows. The database alone reveals nothing."""

import hashlib
import json
import os
from datetime import timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, Engine, RootTransaction, exc, text

from backend.domain.errors import IdempotencyKeyInUse
from backend.domain.model import StoredAnswer
from backend.infrastructure.database import committing, transaction, translated_errors

LOCK_NOT_AVAILABLE = "55P03"


def row_key(key: str) -> str:
    """What names an Idempotency-Key's row: its SHA-256, never the key."""
    return hashlib.sha256(b"facegate idempotency key\0" + key.encode()).hexdigest()


def _cipher(key: str) -> AESGCM:
    return AESGCM(hashlib.sha256(b"facegate idempotency answer\0" + key.encode()).digest())


def seal(key: str, body: object) -> bytes:
    """The answer as JSON, encrypted under the Idempotency-Key (nonce first)."""
    nonce = os.urandom(12)
    return nonce + _cipher(key).encrypt(nonce, json.dumps(body).encode(), None)


def unseal(key: str, sealed: bytes) -> object:
    return json.loads(_cipher(key).decrypt(sealed[:12], sealed[12:], None))


class PgIdempotencyClaim:
    """The open transaction that holds one key's row."""

    def __init__(self, connection: Connection, held: RootTransaction, owner: str, key: str):
        self._connection = connection
        self._held = held
        self._owner = owner
        self._key = key

    def keep(self, status: int, body: object) -> None:
        """Store the answer. The request's work is committed by now, so a connection lost
        here leaves the client not knowing it was done: commit_unknown, never a retry."""
        try:
            with translated_errors(), committing():
                self._connection.execute(
                    text(
                        "UPDATE idempotency_key SET status = :s, body = :b "
                        "WHERE api_key_name = :o AND idempotency_key = :k"
                    ),
                    {
                        "s": status,
                        "b": seal(self._key, body),
                        "o": self._owner,
                        "k": row_key(self._key),
                    },
                )
                self._held.commit()
        finally:
            self._connection.close()

    def release(self) -> None:
        try:
            self._held.rollback()
        except exc.DBAPIError:
            pass  # the connection is gone: so is the row
        finally:
            self._connection.close()


class PgIdempotencyStore:
    """IdempotencyStore on PostgreSQL; a duplicate waits at most `wait_seconds`."""

    def __init__(self, engine: Engine, wait_seconds: float = 30.0) -> None:
        self._engine = engine
        self._wait_ms = max(1, int(wait_seconds * 1000))

    def claim(
        self, owner: str, key: str, request_hash: str, keep_for: timedelta
    ) -> PgIdempotencyClaim | StoredAnswer:
        for _ in range(3):  # the holder may let go between our insert and our read
            with translated_errors():
                connection = self._engine.connect()
            try:
                claimed = self._try_claim(connection, owner, key, request_hash, keep_for)
            except BaseException:
                connection.close()
                raise
            if claimed is not None:
                return claimed
            try:
                stored = self._stored(connection, owner, key)
            finally:
                connection.close()
            if stored is not None:
                return stored
        raise IdempotencyKeyInUse("another request with this Idempotency-Key is running")

    def _try_claim(
        self,
        connection: Connection,
        owner: str,
        key: str,
        request_hash: str,
        keep_for: timedelta,
    ) -> PgIdempotencyClaim | None:
        """The claim, or None (transaction ended) when the key holds a committed answer."""
        held = connection.begin()
        params: dict[str, Any] = {
            "o": owner,
            "k": row_key(key),
            "h": request_hash,
            "keep": keep_for,
        }
        try:
            with translated_errors():
                try:
                    inserted = self._insert(connection, params)
                except exc.OperationalError as error:
                    if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                        raise
                    raise IdempotencyKeyInUse(
                        "another request with this Idempotency-Key is still running; retry later",
                        {"idempotency_key": key},
                    ) from error
        except BaseException:
            held.rollback()
            raise
        if inserted is None:
            held.rollback()
            return None
        return PgIdempotencyClaim(connection, held, owner, key)

    def _insert(self, connection: Connection, params: dict[str, Any]) -> object:
        connection.execute(text(f"SET LOCAL lock_timeout = {self._wait_ms}"))
        # A key past its retention counts as new, whether or not swept yet.
        connection.execute(
            text(
                "DELETE FROM idempotency_key WHERE api_key_name = :o "
                "AND idempotency_key = :k AND created_at < now() - :keep"
            ),
            params,
        )
        return connection.execute(
            text(
                "INSERT INTO idempotency_key (api_key_name, idempotency_key, request_hash) "
                "VALUES (:o, :k, :h) ON CONFLICT DO NOTHING RETURNING 1"
            ),
            params,
        ).first()

    @staticmethod
    def _stored(connection: Connection, owner: str, key: str) -> StoredAnswer | None:
        """The committed answer under `key`; None when there is none (or it cannot be
        opened, which only a row written under another key's hash could cause)."""
        with translated_errors(), connection.begin():
            row = connection.execute(
                text(
                    "SELECT request_hash, status, body FROM idempotency_key "
                    "WHERE api_key_name = :o AND idempotency_key = :k"
                ),
                {"o": owner, "k": row_key(key)},
            ).first()
        if row is None or row.status is None:
            return None
        try:
            body = unseal(key, bytes(row.body))
        except InvalidTag:
            return None
        return StoredAnswer(row.request_hash, row.status, body)

    def forget_older_than(self, keep_for: timedelta) -> int:
        with transaction(self._engine) as db:
            gone = db.execute(
                text("DELETE FROM idempotency_key WHERE created_at < now() - :keep"),
                {"keep": keep_for},
            ).rowcount
        return int(gone)
