"""Microsoft Entra ID sign-in for the tracker, through msal's authorization code flow.

msal makes and checks the state, the PKCE pair and the nonce, and redeems the code; it speaks
blocking HTTP, so every call into it is meant for `asyncio.to_thread`. msal 1.38+ decodes the
id_token without validating it and leaves that to the application: its signature is checked here
with PyJWT against the provider's published keys (`PyJWKClient`), and its issuer, audience, expiry
and tenant too. Who counts as a recruiter comes from the settings (``OidcConfig``).
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import jwt
import msal
import requests

from bot.web.tracker.signin import DISCOVERED, DISCOVERY_SUFFIX, PROVIDER_TIMEOUT, OidcConfig

log = logging.getLogger(__name__)

class SignInFailed(Exception):
    """The provider's answer could not be trusted, or the person is not a recruiter."""

    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class _NoTokens(msal.TokenCache):  # type: ignore[misc]  # msal ships no type information
    """The tracker only needs to know who signed in: msal keeps none of the tokens it gets."""

    def add(self, event: Any, **kwargs: Any) -> None:
        return None


class _ProviderHttp(requests.Session):
    """The HTTP client msal (and our discovery read) use: a timeout and the CA bundle on every
    call. A session's own `verify` loses to ``REQUESTS_CA_BUNDLE`` in requests (psf/requests#3829),
    so the bundle is passed per request, where it wins."""

    def __init__(self, ca_file: str | None) -> None:
        super().__init__()
        self._ca_file = ca_file

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", PROVIDER_TIMEOUT)
        if self._ca_file:
            kwargs["verify"] = self._ca_file
        return super().request(*args, **kwargs)


class OidcClient:
    """The authorization code flow through msal, and the id_token's checks through PyJWT.

    Every method that may touch the network is synchronous and meant for `asyncio.to_thread`.
    The msal application, the discovery document and the key client are made once, on first
    use (a failure is retried on the next sign-in); PyJWKClient refreshes the keys once when an
    id_token names a key it has not seen (providers rotate them), with a cooldown.
    """

    def __init__(self, config: OidcConfig, clock: Callable[[], float] = time.time) -> None:
        if not config.metadata_url.endswith(DISCOVERY_SUFFIX):
            raise ValueError(f"the OpenID metadata URL must end with {DISCOVERY_SUFFIX}")
        self.config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._app: Any = None
        self._issuer: str | None = None
        self._keys: jwt.PyJWKClient | None = None
        self._http = _ProviderHttp(config.ca_file)

    @property
    def authority(self) -> str:
        return self.config.metadata_url.removesuffix(DISCOVERY_SUFFIX)

    def _application(self) -> Any:
        with self._lock:
            if self._app is None:
                options: dict[str, Any] = {
                    "oidc_authority": self.authority, "token_cache": _NoTokens(), "http_client": self._http,
                }
                secret = self.config.client_secret
                try:
                    self._app = (
                        msal.ConfidentialClientApplication(
                            self.config.client_id, client_credential=secret.get_secret_value(), **options
                        )
                        if secret is not None
                        else msal.PublicClientApplication(self.config.client_id, **options)
                    )
                    self._discover()
                except (ValueError, OSError) as error:  # msal's discovery; requests' errors are OSErrors
                    self._app = None
                    log.warning("OIDC provider unavailable: %s", type(error).__name__)
                    raise SignInFailed("the sign-in provider cannot be reached or is misconfigured",
                                       502) from None
            return self._app

    def _discover(self) -> None:
        answer = self._http.get(self.config.metadata_url)
        answer.raise_for_status()
        meta = answer.json()
        if not isinstance(meta, dict) or not all(isinstance(meta.get(k), str) for k in DISCOVERED):
            raise ValueError("the provider's metadata has no issuer or jwks_uri")
        context = ssl.create_default_context(cafile=self.config.ca_file) if self.config.ca_file else None
        self._issuer = meta["issuer"]
        self._keys = jwt.PyJWKClient(meta["jwks_uri"], lifespan=3600, timeout=PROVIDER_TIMEOUT,
                                     ssl_context=context)

    def close(self) -> None:
        """Close the connections kept open to the provider (at shutdown)."""
        self._http.close()

    def begin(self) -> dict[str, Any]:
        """msal's flow for a new sign-in; its `auth_uri` is where to send the browser.

        The answer comes back as a GET with the code in the query (msal's default, which it warns
        about): a form_post answer is a cross-site POST, which would not carry the SameSite=Lax
        flow cookie. The code in the address is worth nothing alone: it is good once, only with
        the PKCE verifier that stays in the HttpOnly cookie, and only with the client secret."""
        flow: dict[str, Any] = self._application().initiate_auth_code_flow(
            scopes=list(self.config.scopes), redirect_uri=self.config.redirect_uri
        )
        return flow

    def finish(self, flow: dict[str, Any], answer: Mapping[str, str]) -> dict[str, Any]:
        """The id_token's claims, once msal has checked state and nonce and redeemed the code with
        the PKCE verifier, and the token's signature, issuer, audience, expiry and tenant hold."""
        application = self._application()
        try:
            result = application.acquire_token_by_auth_code_flow(flow, dict(answer))
        except ValueError:  # msal: the state does not match the flow
            raise SignInFailed("that sign-in was not started here (state)") from None
        except RuntimeError:  # msal: the nonce in the id_token is not this flow's
            raise SignInFailed("the id_token does not belong to this sign-in (nonce)") from None
        except OSError:
            raise SignInFailed("the sign-in provider cannot be reached", 502) from None
        if "error" in result:
            log.warning("OIDC code redemption refused: %s", result.get("error"))
            detail = result.get("error_description") or result.get("error")
            raise SignInFailed(f"the sign-in provider refused the code ({detail})")
        id_token = result.get("id_token")
        if not isinstance(id_token, str):
            raise SignInFailed("the sign-in provider sent no id_token")
        return self.validate(id_token)

    def validate(self, id_token: str) -> dict[str, Any]:
        assert self._keys is not None and self._issuer is not None  # _application() made them
        try:
            key = self._keys.get_signing_key_from_jwt(id_token)
        except jwt.PyJWKClientConnectionError:
            raise SignInFailed("the sign-in provider's keys cannot be fetched", 502) from None
        except jwt.PyJWTError:
            raise SignInFailed("the id_token is signed with a key the provider does not publish") from None
        issuer = self._issuer
        try:
            if "{tenantid}" in issuer:  # Entra's multi-tenant metadata names the tenant per token
                unverified = jwt.decode(id_token, options={"verify_signature": False})
                issuer = issuer.replace("{tenantid}", str(unverified.get("tid", "")))
            claims: dict[str, Any] = jwt.decode(
                id_token, key=key, algorithms=["RS256", "RS384", "RS512", "ES256", "PS256"],
                audience=self.config.client_id, issuer=issuer, leeway=60,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise SignInFailed(f"the id_token was refused ({error})") from None
        if self.config.tenant_id and claims.get("tid") != self.config.tenant_id:
            raise SignInFailed("the id_token is from another tenant", 403)
        return claims

    def is_recruiter(self, claims: Mapping[str, Any]) -> bool:
        ids = {
            str(claims.get(name, "")).strip().lower()
            for name in ("oid", "email", "preferred_username", "upn")
            if claims.get(name)
        }
        if ids & self.config.allowed:
            return True
        groups = claims.get("groups")
        return bool(self.config.group_id and isinstance(groups, list) and self.config.group_id in groups)


def flow_for_cookie(flow: Mapping[str, Any]) -> dict[str, Any]:
    """msal's flow without its `auth_uri` (the browser is sent there; the cookie need not hold it)."""
    return {k: v for k, v in flow.items() if k != "auth_uri"}




__all__ = ["OidcClient", "SignInFailed", "flow_for_cookie"]
