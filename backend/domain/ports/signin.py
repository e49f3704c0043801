"""What single sign-on needs: the identity provider, and the logins and sessions kept in
the database (so that any replica serves any step)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class PendingLogin:
    """A login sent to the provider and not back yet: its PKCE verifier, nonce, the page
    to return to, and when it began."""

    verifier: str
    nonce: str
    next_path: str
    started_at: datetime
    now: datetime  # the database's time when it was taken


@dataclass(frozen=True)
class SignedIn:
    """A session: the person the provider vouched for, their roles, the CSRF token."""

    subject: str
    issuer: str
    name: str
    roles: frozenset[str]
    csrf_token: str


class IdentityProvider(Protocol):
    """An OpenID Connect provider found by its issuer URL (discovery)."""

    @property
    def issuer(self) -> str: ...

    def authorization_url(
        self, redirect_uri: str, state: str, nonce: str, code_challenge: str
    ) -> str:
        """Where to send the browser: authorization code flow with PKCE (S256)."""
        ...

    def redeem(self, code: str, redirect_uri: str, verifier: str, nonce: str) -> dict[str, Any]:
        """The claims of the ID token (and userinfo) the code is exchanged for, checked
        (signature, issuer, audience, nonce, expiry); SignInRefused otherwise."""
        ...


class SessionStore(Protocol):
    """Pending logins and sessions, by the SHA-256 of their secrets."""

    def add_login(self, state_hash: str, verifier: str, nonce: str, next_path: str) -> None: ...

    def take_login(self, state_hash: str) -> PendingLogin | None:
        """The pending login, deleted as it is read (a state is used once)."""
        ...

    def add_session(self, token_hash: str, person: SignedIn) -> None: ...

    def touch(self, token_hash: str, idle_seconds: int) -> SignedIn | None:
        """The session if it was used within `idle_seconds` (then used now), else None
        (and it is deleted): the database's clock decides, for every replica."""
        ...

    def end(self, token_hash: str) -> None: ...
