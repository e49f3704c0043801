"""The rules of a way in without a face: PINs kept as slow salted hashes, lockouts after
wrong PINs, and personal QR codes as signed tokens that name a revocable token id.

Why scrypt (hashlib, the standard library) and not argon2: it is memory-hard as argon2 is,
needs no new dependency, and OWASP lists it (N=2^15, r=8, p=1: 32 MiB and ~0.1 s here).
A PIN has few possible values, so no hash saves it once the table leaks: the lockouts
below are what stops guessing, and the hash keeps the PIN itself out of backups and logs."""

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from backend.domain.errors import ValidationFailed

PIN = re.compile(r"[0-9]{6,12}")
PIN_DIGITS = 6  # of a PIN made up by facegate
QR_PREFIX = "fgq1"


@dataclass(frozen=True)
class PinHasher:
    """scrypt with its parameters stored in the hash, so they can grow later."""

    n: int = 2**15
    r: int = 8
    p: int = 1

    def hash(self, pin: str) -> str:
        salt = secrets.token_bytes(16)
        digest = self._scrypt(pin, salt, self.n, self.r, self.p)
        return f"scrypt${self.n}${self.r}${self.p}${salt.hex()}${digest.hex()}"

    def verify(self, pin: str, stored: str) -> bool:
        """True when `pin` is the one hashed into `stored` (constant-time compare)."""
        try:
            kind, n, r, p, salt, digest = stored.split("$")
            if kind != "scrypt":
                return False
            again = self._scrypt(pin, bytes.fromhex(salt), int(n), int(r), int(p))
        except ValueError:
            return False
        return hmac.compare_digest(again, bytes.fromhex(digest))

    @staticmethod
    def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r, dklen=32)


def validate_pin(pin: str) -> str:
    """A PIN HR may set: 6-12 digits, not one digit repeated nor a run like 123456."""
    fields = {"pin": "6 to 12 digits"}
    if not PIN.fullmatch(pin or ""):
        raise ValidationFailed("a PIN is 6 to 12 digits", {"fields": fields})
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:])}
    if steps <= {0} or steps == {1} or steps == {-1}:
        raise ValidationFailed(
            "this PIN is too easy to guess (one digit repeated, or a run)",
            {"fields": {"pin": "not one digit repeated, not a run"}},
        )
    return pin


def new_pin() -> str:
    """A random PIN for HR to hand over (shown once)."""
    while True:
        pin = "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))
        try:
            return validate_pin(pin)
        except ValidationFailed:
            continue


@dataclass(frozen=True)
class Lockout:
    """Wrong PINs counted in one scope (a person or a kiosk) and until when it is locked."""

    failures: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


@dataclass(frozen=True)
class LockoutRule:
    """`max_failures` wrong PINs lock the scope for `lock`. A person's count runs until a
    right PIN or HR's unlock (after a lock, each further wrong PIN locks again); a kiosk's
    counts the wrong PINs of everyone within `window` (a right one does not reset it, so
    an attacker cannot interleave a PIN they know)."""

    max_failures: int
    lock: timedelta
    window: timedelta | None = None

    def after_failure(self, state: Lockout, now: datetime) -> Lockout:
        failures = state.failures
        last = state.last_failure_at
        if self.window is not None and last is not None and now - last > self.window:
            failures = 0
        failures += 1
        locked = now + self.lock if failures >= self.max_failures else state.locked_until
        return Lockout(failures, now, locked)

    def after_success(self, state: Lockout) -> Lockout:
        return Lockout() if self.window is None else replace(state)


@dataclass(frozen=True)
class PinRules:
    person: LockoutRule = LockoutRule(5, timedelta(minutes=15))
    kiosk: LockoutRule = LockoutRule(10, timedelta(minutes=15), window=timedelta(minutes=15))


def new_token_id() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, 96 random bits


def sign_qr(token_id: str, secret: bytes) -> str:
    """The text a personal QR code holds: fgq1.<token id>.<HMAC-SHA256, 128 bits>."""
    return f"{QR_PREFIX}.{token_id}.{_mac(token_id, secret)}"


def qr_token_id(text: str, secret: bytes) -> str | None:
    """The token id of a well-signed QR text, or None (forged, damaged, not ours)."""
    prefix, _, rest = (text or "").strip().partition(".")
    token_id, _, mac = rest.partition(".")
    if prefix != QR_PREFIX or not token_id or len(token_id) > 32:
        return None
    return token_id if hmac.compare_digest(mac, _mac(token_id, secret)) else None


def _mac(token_id: str, secret: bytes) -> str:
    digest = hmac.new(secret, f"{QR_PREFIX}.{token_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")
