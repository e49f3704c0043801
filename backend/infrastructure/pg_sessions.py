"""Single sign-on's pending logins and sessions in PostgreSQL (SessionStore)."""

from sqlalchemy import Engine, text

from backend.domain.ports.signin import PendingLogin, SignedIn
from backend.infrastructure.database import transaction

# Rows nobody will come back for: logins abandoned at the provider, sessions long idle.
FORGOTTEN = "interval '1 day'"


class PgSessionStore:
    """SessionStore on PostgreSQL; the database's clock decides what is too old."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add_login(self, state_hash: str, verifier: str, nonce: str, next_path: str) -> None:
        with transaction(self._engine) as db:
            db.execute(text(f"DELETE FROM sign_in_login WHERE created_at < now() - {FORGOTTEN}"))
            db.execute(
                text(
                    "INSERT INTO sign_in_login (state_hash, verifier, nonce, next_path) "
                    "VALUES (:s, :v, :n, :p)"
                ),
                {"s": state_hash, "v": verifier, "n": nonce, "p": next_path},
            )

    def take_login(self, state_hash: str) -> PendingLogin | None:
        with transaction(self._engine) as db:
            row = db.execute(
                text(
                    "DELETE FROM sign_in_login WHERE state_hash = :s "
                    "RETURNING verifier, nonce, next_path, created_at, now() AS now"
                ),
                {"s": state_hash},
            ).first()
        if row is None:
            return None
        return PendingLogin(row.verifier, row.nonce, row.next_path, row.created_at, row.now)

    def add_session(self, token_hash: str, person: SignedIn) -> None:
        with transaction(self._engine) as db:
            db.execute(
                text(f"DELETE FROM sign_in_session WHERE last_seen_at < now() - {FORGOTTEN}")
            )
            db.execute(
                text(
                    "INSERT INTO sign_in_session (token_hash, subject, issuer, name, roles, "
                    "csrf_token) VALUES (:t, :s, :i, :n, :r, :c)"
                ),
                {
                    "t": token_hash,
                    "s": person.subject,
                    "i": person.issuer,
                    "n": person.name,
                    "r": sorted(person.roles),
                    "c": person.csrf_token,
                },
            )

    def touch(self, token_hash: str, idle_seconds: int) -> SignedIn | None:
        with transaction(self._engine) as db:
            row = db.execute(
                text(
                    "UPDATE sign_in_session SET last_seen_at = now() WHERE token_hash = :t "
                    "AND last_seen_at > now() - make_interval(secs => :idle) "
                    "RETURNING subject, issuer, name, roles, csrf_token"
                ),
                {"t": token_hash, "idle": idle_seconds},
            ).first()
            if row is None:
                db.execute(
                    text("DELETE FROM sign_in_session WHERE token_hash = :t"), {"t": token_hash}
                )
                return None
        return SignedIn(row.subject, row.issuer, row.name, frozenset(row.roles), row.csrf_token)

    def end(self, token_hash: str) -> None:
        with transaction(self._engine) as db:
            db.execute(text("DELETE FROM sign_in_session WHERE token_hash = :t"), {"t": token_hash})
