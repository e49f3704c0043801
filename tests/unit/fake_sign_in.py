"""Single sign-on's fakes: a provider that hands out the claims a test sets, and the
logins and sessions in memory with a clock the test moves."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.domain.errors import SignInRefused
from backend.domain.ports.signin import PendingLogin, SignedIn


class FakeIdentityProvider:
    """Codes are "code-for-<nonce>"; redeeming one answers `claims` with that nonce."""

    def __init__(self, claims: dict[str, Any] | None = None) -> None:
        self.claims: dict[str, Any] = claims or {}
        self.asked: list[dict[str, str]] = []

    @property
    def issuer(self) -> str:
        return "https://id.example.com"

    def authorization_url(
        self, redirect_uri: str, state: str, nonce: str, code_challenge: str
    ) -> str:
        self.asked.append(
            {
                "redirect_uri": redirect_uri,
                "state": state,
                "nonce": nonce,
                "challenge": code_challenge,
            }
        )
        return f"{self.issuer}/authorize?state={state}"

    def redeem(self, code: str, redirect_uri: str, verifier: str, nonce: str) -> dict[str, Any]:
        if code != f"code-for-{nonce}":
            raise SignInRefused("sign_in_code_refused", "the provider refused the code")
        return {"iss": self.issuer, "sub": "alice", **self.claims}


class FakeSessionStore:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
        self.logins: dict[str, PendingLogin] = {}
        self.sessions: dict[str, tuple[SignedIn, datetime]] = {}

    def add_login(self, state_hash: str, verifier: str, nonce: str, next_path: str) -> None:
        self.logins[state_hash] = PendingLogin(verifier, nonce, next_path, self.now, self.now)

    def take_login(self, state_hash: str) -> PendingLogin | None:
        found = self.logins.pop(state_hash, None)
        return None if found is None else replace(found, now=self.now)

    def add_session(self, token_hash: str, person: SignedIn) -> None:
        self.sessions[token_hash] = (person, self.now)

    def touch(self, token_hash: str, idle_seconds: int) -> SignedIn | None:
        found = self.sessions.get(token_hash)
        if found is None or self.now - found[1] >= timedelta(seconds=idle_seconds):
            self.sessions.pop(token_hash, None)
            return None
        self.sessions[token_hash] = (found[0], self.now)
        return found[0]

    def end(self, token_hash: str) -> None:
        self.sessions.pop(token_hash, None)
