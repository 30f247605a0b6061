"""Recruiter sign-in for the tracker: signed-cookie sessions, CSRF tokens, and two ways in.

- `local`: a password (``ASKARSAN_TRACKER_PASSWORD``, generated at start when not set and printed
  by the CLI).
- production: Microsoft Entra ID over OpenID Connect — the authorization code flow with PKCE
  (RFC 7636, S256) against the tenant's metadata URL; the id_token's signature is checked against
  the provider's JWKS, and its issuer, audience, expiry and nonce are checked too. Who counts as a
  recruiter comes from settings: a list of e-mail addresses / object ids, or a group id that must
  appear in the token's ``groups`` claim.

A session is ``base64url(json) "." base64url(HMAC-SHA256)`` in an HttpOnly, SameSite=Lax cookie,
keyed by a key derived from ``ASKARSAN_SECRET_KEY``; it carries its expiry and a CSRF token that
every POST form must send back (a visitor who is not signed in gets an anonymous session so that
the login form is protected too). Nothing about sessions is kept on the server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

import aiohttp
import jwt
from aiohttp import web
from pydantic import SecretStr

from bot.settings import Settings

log = logging.getLogger(__name__)

SESSION_COOKIE = "askarsan_tracker"
FLOW_COOKIE = "askarsan_tracker_oidc"
COOKIE_PATH = "/tracker"
CSRF_FIELD = "csrf"
ENTRA_METADATA = "https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"


@dataclass(frozen=True)
class OidcConfig:
    metadata_url: str
    client_id: str
    client_secret: SecretStr | None
    redirect_uri: str
    allowed: frozenset[str] = frozenset()  # e-mail addresses (lower case) and object ids
    group_id: str | None = None
    tenant_id: str | None = None  # the `tid` the token must carry, when set
    scopes: str = "openid profile email"


@dataclass(frozen=True)
class TrackerAuthConfig:
    """How recruiters sign in. `mode` "closed" refuses everyone (production without Entra ID)."""

    secret_key: bytes
    mode: Literal["password", "oidc", "closed"]
    password: SecretStr | None = None
    oidc: OidcConfig | None = None
    secure_cookies: bool = False
    session_ttl: int = 8 * 3600
    default_zone: str = "Europe/London"
    clock: Callable[[], float] = field(default=time.time)

    @classmethod
    def from_settings(cls, settings: Settings) -> TrackerAuthConfig:
        """Read the tracker's settings; those not in `Settings` yet are read with defaults.

        ``ASKARSAN_TRACKER_PASSWORD`` (local), and for Entra ID ``ASKARSAN_OIDC_CLIENT_ID``,
        ``ASKARSAN_OIDC_CLIENT_SECRET``, ``ASKARSAN_OIDC_METADATA_URL`` (default: the tenant's
        v2.0 metadata), ``ASKARSAN_TRACKER_RECRUITERS`` (e-mails / object ids, comma separated)
        and ``ASKARSAN_TRACKER_GROUP_ID``.
        """
        assert settings.secret_key is not None  # check() / with_local_secrets() guarantee it
        secret = settings.secret_key.get_secret_value().encode()
        secure = settings.public_url.startswith("https://")
        client_id = str(getattr(settings, "oidc_client_id", "") or "")
        if client_id:
            tenant = settings.app_tenant_id or "organizations"
            allowed = getattr(settings, "tracker_recruiters", None) or []
            oidc = OidcConfig(
                metadata_url=str(getattr(settings, "oidc_metadata_url", "") or "")
                or ENTRA_METADATA.format(tenant=tenant),
                client_id=client_id,
                client_secret=getattr(settings, "oidc_client_secret", None),
                redirect_uri=f"{settings.public_url}/tracker/auth/callback",
                allowed=frozenset(a.strip().lower() for a in allowed if a.strip()),
                group_id=getattr(settings, "tracker_group_id", None) or None,
                tenant_id=settings.app_tenant_id or None,
            )
            return cls(secret, "oidc", oidc=oidc, secure_cookies=secure)
        password = getattr(settings, "tracker_password", None)
        if settings.is_local:
            if password is None:
                password = SecretStr(secrets.token_urlsafe(12))
            return cls(secret, "password", password=password, secure_cookies=secure)
        if password is not None:
            return cls(secret, "password", password=password, secure_cookies=secure)
        return cls(secret, "closed", secure_cookies=secure)


# Signed values ---------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """HMAC-SHA256 signed JSON with an expiry; `purpose` separates keys (session vs OIDC flow)."""

    def __init__(self, secret_key: bytes, purpose: str) -> None:
        self._key = hmac.new(secret_key, f"askarsan-tracker:{purpose}".encode(), hashlib.sha256).digest()

    def dumps(self, payload: Mapping[str, Any], *, expires_at: float) -> str:
        body = _b64(json.dumps({**payload, "exp": int(expires_at)}, separators=(",", ":")).encode())
        return f"{body}.{_b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())}"

    def loads(self, value: str | None, *, now: float) -> dict[str, Any] | None:
        """The payload, or None if the value is missing, tampered with or expired."""
        if not value or value.count(".") != 1 or len(value) > 4096:
            return None
        body, signature = value.split(".")
        expected = _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(signature, expected):
            return None
        try:
            payload = json.loads(_unb64(body))
        except ValueError:
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int) or payload["exp"] <= now:
            return None
        return payload


# Sessions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Who is looking at the tracker; `user` is None for a visitor who has not signed in."""

    csrf: str
    user: str | None = None  # display name
    email: str | None = None
    object_id: str | None = None
    party_id: str | None = None  # the recruiter's party, when our records know them
    zone: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.user is not None


class Sessions:
    def __init__(self, config: TrackerAuthConfig) -> None:
        self.config = config
        self._session = Signer(config.secret_key, "session")
        self._flow = Signer(config.secret_key, "oidc-flow")

    def now(self) -> float:
        return self.config.clock()

    def viewer(self, request: web.Request) -> Viewer | None:
        payload = self._session.loads(request.cookies.get(SESSION_COOKIE), now=self.now())
        if payload is None or not isinstance(payload.get("csrf"), str):
            return None
        return Viewer(
            csrf=payload["csrf"],
            user=payload.get("user"),
            email=payload.get("email"),
            object_id=payload.get("oid"),
            party_id=payload.get("party"),
            zone=payload.get("zone"),
        )

    def anonymous(self, request: web.Request, response: web.StreamResponse) -> Viewer:
        """The visitor's session, creating an anonymous one (for the login form's CSRF token)."""
        current = self.viewer(request)
        if current is not None:
            return current
        viewer = Viewer(csrf=secrets.token_urlsafe(24))
        self._set(response, viewer, ttl=3600)
        return viewer

    def sign_in(self, response: web.StreamResponse, viewer: Viewer) -> Viewer:
        """A fresh session (and a fresh CSRF token: nothing from before sign-in is trusted)."""
        fresh = Viewer(
            csrf=secrets.token_urlsafe(24), user=viewer.user, email=viewer.email,
            object_id=viewer.object_id, party_id=viewer.party_id, zone=viewer.zone,
        )
        self._set(response, fresh, ttl=self.config.session_ttl)
        return fresh

    def sign_out(self, response: web.StreamResponse) -> None:
        response.del_cookie(SESSION_COOKIE, path=COOKIE_PATH)

    def _set(self, response: web.StreamResponse, viewer: Viewer, *, ttl: int) -> None:
        payload = {
            "csrf": viewer.csrf, "user": viewer.user, "email": viewer.email, "oid": viewer.object_id,
            "party": viewer.party_id, "zone": viewer.zone,
        }
        value = self._session.dumps({k: v for k, v in payload.items() if v is not None},
                                    expires_at=self.now() + ttl)
        response.set_cookie(
            SESSION_COOKIE, value, path=COOKIE_PATH, httponly=True, samesite="Lax",
            secure=self.config.secure_cookies, max_age=ttl,
        )

    def check_csrf(self, request: web.Request, form: Mapping[str, Any]) -> Viewer:
        """The session of a POST whose form carries its CSRF token; 403 with a reason otherwise."""
        viewer = self.viewer(request)
        sent = form.get(CSRF_FIELD)
        if viewer is None:
            raise forbidden("Your session has expired or cookies are blocked: reload the page and try again.")
        if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), viewer.csrf.encode()):
            raise forbidden("The form's security token is missing or wrong: reload the page and try again.")
        return viewer

    def password_ok(self, given: str) -> bool:
        password = self.config.password
        if self.config.mode != "password" or password is None or not given:
            return False
        return hmac.compare_digest(given.encode(), password.get_secret_value().encode())

    # The OIDC flow's own short-lived cookie: state, nonce, PKCE verifier, where to go after.
    def start_flow(self, response: web.StreamResponse, flow: Mapping[str, str]) -> None:
        response.set_cookie(
            FLOW_COOKIE, self._flow.dumps(flow, expires_at=self.now() + 600), path=COOKIE_PATH,
            httponly=True, samesite="Lax", secure=self.config.secure_cookies, max_age=600,
        )

    def flow(self, request: web.Request) -> dict[str, Any] | None:
        return self._flow.loads(request.cookies.get(FLOW_COOKIE), now=self.now())

    def end_flow(self, response: web.StreamResponse) -> None:
        response.del_cookie(FLOW_COOKIE, path=COOKIE_PATH)

    def dumps_session_for_tests(self, viewer: Viewer, *, expires_at: float) -> str:
        """A session cookie value with a chosen expiry (tests of expired sessions)."""
        return self._session.dumps({"csrf": viewer.csrf, "user": viewer.user}, expires_at=expires_at)


def forbidden(reason: str) -> web.HTTPForbidden:
    return web.HTTPForbidden(text=reason, content_type="text/plain")


def safe_next(value: str | None) -> str:
    """Only a path inside the tracker: no open redirect to another site."""
    if not value or not value.startswith("/tracker") or value.startswith("//") or "\\" in value:
        return "/tracker"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/tracker"
    return value


# OpenID Connect --------------------------------------------------------------------------------


class SignInFailed(Exception):
    """The provider's answer could not be trusted, or the person is not a recruiter."""

    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge) — RFC 7636 §4.1/§4.2."""
    verifier = secrets.token_urlsafe(48)
    return verifier, _b64(hashlib.sha256(verifier.encode("ascii")).digest())


class OidcClient:
    """The authorization code flow with PKCE against a provider's discovery document.

    The discovery document and keys are cached for an hour; an id_token signed with a key we
    have not seen makes one refresh of the keys (providers rotate them).
    """

    CACHE_SECONDS = 3600

    def __init__(self, config: OidcConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self._clock = clock
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._jwks: tuple[float, dict[str, Any]] | None = None

    async def _get_json(self, url: str) -> dict[str, Any]:
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as response:
            if response.status != 200:
                raise SignInFailed(f"the sign-in provider answered {response.status} for {url}", 502)
            data = await response.json(content_type=None)
        if not isinstance(data, dict):
            raise SignInFailed("the sign-in provider sent something that is not JSON", 502)
        return data

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None or self._metadata[0] < self._clock():
            data = await self._get_json(self.config.metadata_url)
            for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(data.get(key), str):
                    raise SignInFailed(f"the provider's metadata has no {key}", 502)
            self._metadata = (self._clock() + self.CACHE_SECONDS, data)
        return self._metadata[1]

    async def _keys(self, refresh: bool = False) -> dict[str, Any]:
        if refresh or self._jwks is None or self._jwks[0] < self._clock():
            data = await self._get_json((await self.metadata())["jwks_uri"])
            self._jwks = (self._clock() + self.CACHE_SECONDS, data)
        return self._jwks[1]

    async def authorization_url(self, *, state: str, nonce: str, challenge: str) -> str:
        meta = await self.metadata()
        query = urlencode(
            {
                "client_id": self.config.client_id,
                "response_type": "code",
                "redirect_uri": self.config.redirect_uri,
                "response_mode": "query",
                "scope": self.config.scopes,
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        endpoint = meta["authorization_endpoint"]
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    async def redeem(self, code: str, verifier: str) -> str:
        """The id_token for an authorization code (the token endpoint, with the PKCE verifier)."""
        meta = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.config.redirect_uri,
            "client_id": self.config.client_id,
            "code_verifier": verifier,
        }
        if self.config.client_secret is not None:
            form["client_secret"] = self.config.client_secret.get_secret_value()
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as http, http.post(
            meta["token_endpoint"], data=form
        ) as response:
            body = await response.json(content_type=None)
        if response.status != 200 or not isinstance(body, dict) or not isinstance(body.get("id_token"), str):
            error = body.get("error_description") or body.get("error") if isinstance(body, dict) else None
            log.warning("OIDC code redemption refused: %s", response.status)
            raise SignInFailed(f"the sign-in provider refused the code ({error or response.status})")
        return str(body["id_token"])

    async def validate(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """The id_token's claims after checking signature, issuer, audience, expiry and nonce."""
        meta = await self.metadata()
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as error:
            raise SignInFailed(f"the id_token is malformed ({error})") from None
        if header.get("alg") not in ("RS256", "RS384", "RS512", "ES256", "PS256"):
            raise SignInFailed("the id_token uses an algorithm we do not accept")
        key = await self._key(header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key,
                algorithms=[header["alg"]],
                audience=self.config.client_id,
                issuer=meta["issuer"],
                leeway=60,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise SignInFailed(f"the id_token was refused ({error})") from None
        if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"], nonce):
            raise SignInFailed("the id_token does not belong to this sign-in (nonce)")
        if self.config.tenant_id and claims.get("tid") not in (None, self.config.tenant_id):
            raise SignInFailed("the id_token is from another tenant", 403)
        return claims

    async def _key(self, kid: Any) -> Any:
        for refresh in (False, True):
            for jwk in (await self._keys(refresh)).get("keys", []):
                if isinstance(jwk, dict) and (kid is None or jwk.get("kid") == kid):
                    try:
                        return jwt.PyJWK(jwk).key
                    except jwt.PyJWTError:
                        continue
        raise SignInFailed("the id_token is signed with a key the provider does not publish")

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


__all__ = [
    "CSRF_FIELD",
    "OidcClient",
    "OidcConfig",
    "Sessions",
    "SignInFailed",
    "TrackerAuthConfig",
    "Viewer",
    "forbidden",
    "pkce_pair",
    "safe_next",
]
