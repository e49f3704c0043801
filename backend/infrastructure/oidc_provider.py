"""An OpenID Connect provider through Authlib: discovery from the issuer URL, the
authorization URL, the code exchanged with its PKCE verifier, the ID token checked."""

import logging
import time
import warnings
from typing import Any

import httpx
from authlib.common.urls import add_params_to_uri
from authlib.integrations.base_client import OAuthError

with warnings.catch_warnings():
    # Authlib 1.9 warns at import that its httpx integration will move to httpx2; the
    # project speaks httpx, and the warning would open every backend's log.
    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from backend.domain.errors import SignInRefused

log = logging.getLogger("facegate.backend")
# A provider's metadata and keys are read again after this long: a stale copy only delays
# a key rotation by that much (a token signed with an unknown key re-reads them at once).
METADATA_SECONDS = 300.0


class AuthlibProvider:
    """IdentityProvider for any OpenID Connect provider, found by its issuer URL."""

    def __init__(
        self, issuer: str, client_id: str, client_secret: str, timeout: float = 10
    ) -> None:
        self._issuer = issuer.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._timeout = timeout
        self._metadata: dict[str, Any] = {}
        self._keys: KeySet | None = None
        self._read_at = 0.0

    @property
    def issuer(self) -> str:
        return self._issuer

    def authorization_url(
        self, redirect_uri: str, state: str, nonce: str, code_challenge: str
    ) -> str:
        params = [
            ("response_type", "code"),
            ("client_id", self._client_id),
            ("redirect_uri", redirect_uri),
            ("scope", "openid profile email"),
            ("state", state),
            ("nonce", nonce),
            ("code_challenge", code_challenge),
            ("code_challenge_method", "S256"),
        ]
        return str(add_params_to_uri(self._discovered()["authorization_endpoint"], params))

    def redeem(self, code: str, redirect_uri: str, verifier: str, nonce: str) -> dict[str, Any]:
        metadata = self._discovered()
        method = "client_secret_post" if self._client_secret else "none"
        try:
            with OAuth2Client(
                self._client_id,
                self._client_secret or None,
                token_endpoint_auth_method=method,
                timeout=self._timeout,
            ) as client:
                token = client.fetch_token(
                    metadata["token_endpoint"],
                    grant_type="authorization_code",
                    code=code,
                    redirect_uri=redirect_uri,
                    code_verifier=verifier,
                )
        except OAuthError as error:
            raise SignInRefused(
                "sign_in_code_refused",
                "The identity provider refused this sign-in (the code expired or was used). "
                "Start again.",
                {"provider_error": error.error},
            ) from error
        except httpx.HTTPError as error:
            raise SignInRefused(
                "sign_in_provider_unreachable", "The identity provider could not be reached."
            ) from error
        return self._checked(str(token.get("id_token") or ""), nonce)

    def _checked(self, id_token: str, nonce: str) -> dict[str, Any]:
        try:
            decoded = jwt.decode(id_token, self._key_set())
        except (JoseError, ValueError):
            self._read_at = 0.0  # perhaps a rotated key: read the keys again next time
            try:
                decoded = jwt.decode(id_token, self._key_set())
            except (JoseError, ValueError) as error:
                raise SignInRefused(
                    "sign_in_token_invalid", "The identity provider's token could not be verified."
                ) from error
        claims: dict[str, Any] = dict(decoded.claims)
        if str(claims.get("iss", "")).rstrip("/") != self._issuer:
            raise SignInRefused(
                "sign_in_unknown_issuer",
                "The token comes from another identity provider than the one configured.",
                {"issuer": claims.get("iss")},
            )
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        expired = float(claims.get("exp", 0)) < time.time() - 60
        if self._client_id not in audiences or claims.get("nonce") != nonce or expired:
            raise SignInRefused(
                "sign_in_token_invalid", "The identity provider's token is not for this sign-in."
            )
        return claims

    def _discovered(self) -> dict[str, Any]:
        if not self._metadata or time.monotonic() - self._read_at > METADATA_SECONDS:
            url = self._issuer + "/.well-known/openid-configuration"
            try:
                metadata = httpx.get(url, timeout=self._timeout).raise_for_status().json()
                keys = httpx.get(metadata["jwks_uri"], timeout=self._timeout).raise_for_status()
            except (httpx.HTTPError, ValueError, KeyError) as error:
                raise SignInRefused(
                    "sign_in_provider_unreachable",
                    f"The identity provider at {self._issuer} could not be read.",
                ) from error
            if str(metadata.get("issuer", "")).rstrip("/") != self._issuer:
                raise SignInRefused(
                    "sign_in_unknown_issuer",
                    "The identity provider names another issuer than the one configured.",
                    {"issuer": metadata.get("issuer")},
                )
            self._metadata, self._keys = metadata, KeySet.import_key_set(keys.json())
            self._read_at = time.monotonic()
        return self._metadata

    def _key_set(self) -> KeySet:
        self._discovered()
        assert self._keys is not None
        return self._keys
