"""Single sign-on for HR: OpenID Connect's authorization code flow with PKCE, roles from a
groups claim, and server-side sessions that end on logout or after idle time. A refused
sign-in creates nothing: no session, no employee, no key."""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from backend.domain.errors import SignInRefused, Unauthorized
from backend.domain.ports import IdentityProvider, SessionStore
from backend.domain.ports.signin import SignedIn

ADMIN = "admin"
ENROLL = "enroll"
LOGIN_SECONDS = 600  # a login not back from the provider by then is refused


@dataclass(frozen=True)
class SignInRules:
    groups_claim: str
    admin_groups: frozenset[str]
    enroll_groups: frozenset[str]
    idle_seconds: int


def digest(secret: str) -> str:
    """Secrets (states, session tokens) are stored as SHA-256 only."""
    return hashlib.sha256(secret.encode()).hexdigest()


def safe_next(path: str | None) -> str:
    """Only a path on this site, never another origin (an open redirect)."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/admin"


class SignIn:
    """The use cases of /auth: begin, finish, the current session, logout."""

    def __init__(
        self, *, provider: IdentityProvider, sessions: SessionStore, rules: SignInRules
    ) -> None:
        self._provider = provider
        self._sessions = sessions
        self._rules = rules

    def begin(self, redirect_uri: str, next_path: str | None) -> str:
        """The provider's URL to send the browser to; the login waits in the database."""
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        self._sessions.add_login(digest(state), verifier, nonce, safe_next(next_path))
        return self._provider.authorization_url(
            redirect_uri, state, nonce, challenge.rstrip(b"=").decode()
        )

    def finish(self, state: str, code: str, redirect_uri: str) -> tuple[str, SignedIn, str]:
        """A new session's token, the person, and the page to go back to."""
        pending = self._sessions.take_login(digest(state)) if state else None
        if pending is None:
            raise SignInRefused(
                "sign_in_state_unknown",
                "This sign-in was not started here, or was already used. Start again.",
            )
        if pending.now - pending.started_at > timedelta(seconds=LOGIN_SECONDS):
            raise SignInRefused("sign_in_expired", "This sign-in took too long. Start again.")
        claims = self._provider.redeem(code, redirect_uri, pending.verifier, pending.nonce)
        person = self._person(claims)
        token = secrets.token_urlsafe(32)
        self._sessions.add_session(digest(token), person)
        return token, person, pending.next_path

    def abandon(self, state: str) -> None:
        """The provider sent the browser back without a code: the login is used up."""
        self._sessions.take_login(digest(state))

    def current(self, token: str | None) -> SignedIn:
        """The session of this cookie, kept alive; Unauthorized when none or idle too long."""
        person = self._sessions.touch(digest(token), self._rules.idle_seconds) if token else None
        if person is None:
            raise Unauthorized("not signed in, or the session ended")
        return person

    def end(self, token: str | None) -> None:
        if token:
            self._sessions.end(digest(token))

    @staticmethod
    def csrf_matches(person: SignedIn, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(person.csrf_token, given or "")

    def _person(self, claims: dict[str, object]) -> SignedIn:
        groups = claims.get(self._rules.groups_claim) or []
        named = {groups} if isinstance(groups, str) else {str(g) for g in groups}  # type: ignore[attr-defined]
        roles = set()
        if named & self._rules.admin_groups:
            roles |= {ADMIN, ENROLL}
        if named & self._rules.enroll_groups:
            roles.add(ENROLL)
        subject = str(claims.get("sub") or "")
        if not roles:
            raise SignInRefused(
                "sign_in_no_allowed_group",
                "Your account is in none of the groups allowed to use facegate. Ask your "
                "identity administrator.",
                {"subject": subject},
            )
        name = claims.get("name") or claims.get("preferred_username") or claims.get("email")
        return SignedIn(
            subject=subject,
            issuer=str(claims.get("iss") or self._provider.issuer),
            name=str(name or subject),
            roles=frozenset(roles),
            csrf_token=secrets.token_urlsafe(32),
        )
