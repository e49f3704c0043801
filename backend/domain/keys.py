"""API keys: minted once, stored as hashes, checked in constant time."""

import hashlib
import hmac
import secrets

from backend.domain.audit import KEY_CHANGED, KEY_CREATED, KEY_REVOKED, SYSTEM, Actor
from backend.domain.errors import Forbidden, KeyNotFound, Unauthorized, ValidationFailed
from backend.domain.model import ApiKey, Liveness, Role
from backend.domain.ports import ApiKeyStore, AuditTrail
from backend.domain.site_model import DEFAULT_SITE_ID, Direction

KEY_PREFIX = "fgk_"


def hash_key(plaintext: str) -> str:
    """SHA-256 is enough: keys are 256-bit random, not passwords to brute-force."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


class ApiKeys:
    def __init__(self, *, store: ApiKeyStore, audit: AuditTrail) -> None:
        self._store = store
        self._audit = audit

    def create(
        self,
        name: str,
        role: Role,
        site_id: int = DEFAULT_SITE_ID,
        direction: Direction = Direction.BOTH,
        *,
        actor: Actor = SYSTEM,
    ) -> tuple[ApiKey, str]:
        """A new key (a kiosk's at a site, with its direction) and its plaintext, which is
        never stored or shown again."""
        name = (name or "").strip()
        if not 1 <= len(name) <= 64 or not name.isprintable():
            raise ValidationFailed(
                "a key needs a name of 1 to 64 printable characters",
                {"fields": {"name": "1 to 64 printable characters"}},
            )
        plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
        key = self._store.create(name, role, hash_key(plaintext), site_id, direction)
        self._audit.record(
            actor,
            KEY_CREATED,
            "api_key",
            name,
            {"role": role.value, "site_id": site_id, "direction": direction.value},
        )
        return key, plaintext

    def authenticate(self, plaintext: str | None) -> ApiKey:
        if not plaintext:
            raise Unauthorized("an X-API-Key header is required")
        digest = hash_key(plaintext)
        found = self._store.find(digest)
        if found is None or not hmac.compare_digest(found[1], digest):
            raise Unauthorized("the API key is not valid")
        return found[0]

    @staticmethod
    def authorize(key: ApiKey, allowed: set[Role]) -> None:
        if key.role not in allowed:
            raise Forbidden(f"a {key.role.value} key may not do this")

    def list(self) -> list[ApiKey]:
        return self._store.list()

    def revoke(self, name: str, *, actor: Actor = SYSTEM) -> bool:
        revoked = self._store.revoke(name)
        if revoked:
            self._audit.record(actor, KEY_REVOKED, "api_key", name)
        return revoked

    def set_liveness(self, name: str, liveness: str, *, actor: Actor = SYSTEM) -> ApiKey:
        """Set a key's liveness mode: "off" (one frame) or "challenge" (head turn)."""
        if liveness not in tuple(Liveness):
            raise ValidationFailed(
                "liveness must be off or challenge", {"fields": {"liveness": "off or challenge"}}
            )
        key = self._store.set_liveness(name, Liveness(liveness))
        if key is None:
            raise KeyNotFound(f"no live key named {name}", {"name": name})
        self._audit.record(actor, KEY_CHANGED, "api_key", name, {"liveness": liveness})
        return key

    def set_place(
        self, name: str, site_id: int, direction: Direction, *, actor: Actor = SYSTEM
    ) -> ApiKey:
        """Move a kiosk key to a site, with the direction its check-ins go."""
        key = self._store.set_place(name, site_id, direction)
        if key is None:
            raise KeyNotFound(f"no live key named {name}", {"name": name})
        changes = {"site_id": site_id, "direction": direction.value}
        self._audit.record(actor, KEY_CHANGED, "api_key", name, changes)
        return key

    def revoke_or_fail(self, name: str, *, actor: Actor = SYSTEM) -> None:
        if not self.revoke(name, actor=actor):
            raise KeyNotFound(f"no live key named {name}", {"name": name})
