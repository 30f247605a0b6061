"""Recruiter sign-in for the tracker: server-side sessions, CSRF tokens, and two ways in.

- `local`: a password (``ASKARSAN_TRACKER_PASSWORD``, generated at start when not set and printed
  by the CLI).
- production: Microsoft Entra ID over OpenID Connect, through msal's authorization code flow
  (msal makes and checks the state, the PKCE pair and the nonce, and redeems the code). msal
  speaks blocking HTTP, so every call into it runs on a worker thread. msal 1.38+ decodes the
  id_token without validating it and leaves that to the application: its signature is checked
  here with PyJWT against the provider's published keys (`PyJWKClient`), and its issuer,
  audience, expiry and tenant too. Who counts as a recruiter comes from settings: a list of
  e-mail addresses / object ids, or a group id that must appear in the token's ``groups`` claim.

Cookies (HttpOnly, SameSite=Lax, path /tracker) are JWTs signed by PyJWT (HS256), each kind under
its own key derived from ``ASKARSAN_SECRET_KEY``:

- the session cookie. Before sign-in it is an anonymous session that carries only a CSRF token (an
  hour, nothing on the server), so that the login form is protected too. Signing in replaces it
  with a random session id and a fresh CSRF token; the id's SHA-256 names a `tracker_sessions` row
  holding who signed in and until when (storage/tracker_sessions.py). Signing out revokes the row,
  so a copy of the cookie taken before stops working; an expired or revoked row is no session,
  whatever the cookie says.
- the OIDC flow cookie: msal's flow (state, nonce, PKCE verifier) and where to go after; 10 minutes.

Every POST form sends its CSRF token back. Failed sign-ins are counted per client address and,
for the one shared password, per account; over either limit the answer is 429 with Retry-After,
before the password is looked at (so a lucky guess during the wait learns nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import jwt
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from bot.web.http import FailureLimiter, client_address
from bot.web.http import read_form as http_read_form
from storage.tracker_sessions import SessionHolder, live_session, open_session, revoke_session

log = logging.getLogger(__name__)

SESSION_COOKIE = "askarsan_tracker"
FLOW_COOKIE = "askarsan_tracker_oidc"
COOKIE_PATH = "/tracker"
CSRF_FIELD = "csrf"
ENTRA_METADATA = "https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"
DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
MAX_COOKIE_CHARS = 4096
ANONYMOUS_TTL = 3600
FLOW_TTL = 600
PROVIDER_TIMEOUT = 10
DISCOVERED = ("issuer", "jwks_uri")  # what the id_token's checks need from the discovery document


@dataclass(frozen=True)
class OidcConfig:
    metadata_url: str
    client_id: str
    client_secret: SecretStr | None
    redirect_uri: str
    allowed: frozenset[str] = frozenset()  # e-mail addresses (lower case) and object ids
    group_id: str | None = None
    tenant_id: str | None = None  # the `tid` the token must carry, when set
    # msal always asks for openid, profile and offline_access itself (and refuses them here).
    scopes: tuple[str, ...] = ("email",)
    ca_file: str | None = None  # the CA bundle trusted for the provider's TLS; None: the system's


@dataclass(frozen=True)
class TrackerAuthConfig:
    """How recruiters sign in. `mode` "closed" refuses everyone (production without Entra ID).

    `failures_per_address` / `failures_per_account`: at most N failed sign-ins in W seconds.
    """

    secret_key: bytes
    mode: Literal["password", "oidc", "closed"]
    password: SecretStr | None = None
    oidc: OidcConfig | None = None
    secure_cookies: bool = False
    session_ttl: int = 8 * 3600
    default_zone: str = "Europe/London"
    clock: Callable[[], float] = field(default=time.time)
    failures_per_address: tuple[int, float] = (10, 600.0)
    failures_per_account: tuple[int, float] = (30, 600.0)

    @classmethod
    def from_settings(cls, settings: Settings) -> TrackerAuthConfig:
        """Read the tracker's settings: ``ASKARSAN_TRACKER_PASSWORD`` (local), and for Entra ID
        ``ASKARSAN_OIDC_CLIENT_ID``, ``ASKARSAN_OIDC_CLIENT_SECRET``, ``ASKARSAN_OIDC_METADATA_URL``
        (default: the tenant's v2.0 metadata), ``ASKARSAN_TRACKER_RECRUITERS`` (e-mails / object
        ids, comma separated) and ``ASKARSAN_TRACKER_GROUP_ID``."""
        assert settings.secret_key is not None  # check() / with_local_secrets() guarantee it
        secret = settings.secret_key.get_secret_value().encode()
        secure = settings.public_url.startswith("https://")
        if settings.oidc_client_id:
            tenant = settings.app_tenant_id or "organizations"
            oidc = OidcConfig(
                metadata_url=settings.oidc_metadata_url or ENTRA_METADATA.format(tenant=tenant),
                client_id=settings.oidc_client_id,
                client_secret=settings.oidc_client_secret,
                redirect_uri=f"{settings.public_url}/tracker/auth/callback",
                allowed=frozenset(a.strip().lower() for a in settings.tracker_recruiters if a.strip()),
                group_id=settings.tracker_group_id or None,
                tenant_id=settings.app_tenant_id or None,
            )
            return cls(secret, "oidc", oidc=oidc, secure_cookies=secure)
        password = settings.tracker_password
        if settings.is_local:
            if password is None:
                password = SecretStr(secrets.token_urlsafe(12))
            return cls(secret, "password", password=password, secure_cookies=secure)
        if password is not None:
            return cls(secret, "password", password=password, secure_cookies=secure)
        return cls(secret, "closed", secure_cookies=secure)


# Signed cookies ---------------------------------------------------------------------------------


def _purpose_key(secret_key: bytes, purpose: str) -> bytes:
    # Derived as the hand-written signer did; its cookies were not JWTs, though, so a recruiter
    # signed in before this release signs in once more.
    return hmac.new(secret_key, f"askarsan-tracker:{purpose}".encode(), hashlib.sha256).digest()


class _CookieSigner:
    """A JWT (HS256) with an expiry, under a key of its own purpose (session vs OIDC flow)."""

    def __init__(self, secret_key: bytes, purpose: str, clock: Callable[[], float]) -> None:
        self._key = _purpose_key(secret_key, purpose)
        self._clock = clock

    def dumps(self, payload: Mapping[str, Any], *, ttl: int) -> str:
        now = int(self._clock())
        return jwt.encode({**payload, "iat": now, "exp": now + ttl}, self._key, algorithm="HS256")

    def loads(self, value: str | None) -> dict[str, Any] | None:
        """The payload, or None if the value is missing, malformed, tampered with or expired."""
        # A Cookie header may carry any bytes: only a short ASCII value can be ours.
        if not value or len(value) > MAX_COOKIE_CHARS or not value.isascii():
            return None
        try:
            payload: dict[str, Any] = jwt.decode(
                value, self._key, algorithms=["HS256"],
                # Expiry is checked below against the injected clock, never skipped.
                options={"require": ["exp", "iat"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            return None
        expires = payload["exp"]
        if type(expires) is not int or expires <= self._clock():
            return None
        return payload


# Sessions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Who is looking at the tracker; `user` is None for a visitor who has not signed in."""

    csrf: str
    user: str | None = None  # display name
    email: str | None = None
    object_id: str | None = None
    party_id: str | None = None  # the recruiter's party, when our records know them
    zone: str | None = None
    session_id: str | None = field(default=None, repr=False)  # the server-side session's id

    @property
    def signed_in(self) -> bool:
        return self.user is not None


VIEWER = web.RequestKey("tracker_viewer", Viewer)


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _wait_text(seconds: int) -> str:
    return f"{seconds} seconds" if seconds < 120 else f"{(seconds + 59) // 60} minutes"


@dataclass(frozen=True)
class Throttled:
    retry_after: int
    message: str


class Sessions:
    def __init__(
        self, config: TrackerAuthConfig, store: async_sessionmaker[AsyncSession],
        reads: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        """`store` writes sessions; `reads` looks them up on every page (the reports' engine: on
        SQLite its statements run off the event loop, and a read takes no write lock)."""
        self.config = config
        self._store = store
        self._reads = reads or store
        self._session = _CookieSigner(config.secret_key, "session", config.clock)
        self._flow = _CookieSigner(config.secret_key, "oidc-flow", config.clock)
        self._by_address = FailureLimiter(*config.failures_per_address)
        self._by_account = FailureLimiter(*config.failures_per_account)

    def now(self) -> float:
        return self.config.clock()

    def middleware(self) -> Middleware:
        """Before a handler under /tracker runs: resolve the request's session (a database read
        for a signed-in cookie), so that handlers read `viewer()` synchronously; and read a POST's
        form, so that a body that is no form is a 400 with a reason for every handler alike
        (aiohttp keeps what it read for the handler's own `request.post()`)."""

        @web.middleware
        async def tracker_sessions(request: web.Request, handler: Handler) -> web.StreamResponse:
            if request.path == COOKIE_PATH or request.path.startswith(COOKIE_PATH + "/"):
                if request.method == "POST":
                    await _read_form_or_400(request)
                viewer = await self._resolve(request)
                if viewer is not None:
                    request[VIEWER] = viewer
            return await handler(request)

        return tracker_sessions

    async def _resolve(self, request: web.Request) -> Viewer | None:
        payload = self._session.loads(request.cookies.get(SESSION_COOKIE))
        if payload is None or not isinstance(payload.get("csrf"), str):
            return None
        session_id = payload.get("sid")
        if session_id is None:
            return Viewer(csrf=payload["csrf"])  # anonymous: only the login form's CSRF token
        if not isinstance(session_id, str):
            return None
        holder = await live_session(self._reads, session_id, now=_utc(self.now()))
        if holder is None:
            return None  # signed out, expired, or never ours
        return Viewer(
            csrf=payload["csrf"], user=holder.display_name, email=holder.email,
            object_id=holder.object_id, party_id=holder.party_id, zone=holder.zone,
            session_id=session_id,
        )

    def viewer(self, request: web.Request) -> Viewer | None:
        """The session the middleware found for this request (None without one)."""
        return request.get(VIEWER)

    def anonymous(self, request: web.Request, response: web.StreamResponse, *, fresh: bool = False) -> Viewer:
        """The visitor's session, creating an anonymous one (for the login form's CSRF token).
        `fresh`: a new anonymous session (and CSRF token) even if there is one."""
        current = self.viewer(request)
        if current is not None and (current.signed_in or not fresh):
            return current
        viewer = Viewer(csrf=secrets.token_urlsafe(24))
        self._set(response, {"csrf": viewer.csrf}, ttl=ANONYMOUS_TTL)
        return viewer

    async def sign_in(self, response: web.StreamResponse, viewer: Viewer) -> Viewer:
        """A new server-side session and a fresh CSRF token: nothing from before sign-in is trusted."""
        session_id = secrets.token_urlsafe(32)
        now = self.now()
        await open_session(
            self._store, session_id,
            SessionHolder(viewer.user or "Recruiter", viewer.email, viewer.object_id, viewer.party_id,
                          viewer.zone),
            now=_utc(now), expires_at=_utc(now + self.config.session_ttl),
        )
        fresh = Viewer(
            csrf=secrets.token_urlsafe(24), user=viewer.user or "Recruiter", email=viewer.email,
            object_id=viewer.object_id, party_id=viewer.party_id, zone=viewer.zone,
            session_id=session_id,
        )
        self._set(response, {"sid": session_id, "csrf": fresh.csrf}, ttl=self.config.session_ttl)
        return fresh

    async def sign_out(self, request: web.Request, response: web.StreamResponse) -> None:
        """End the session on the server (a copy of the cookie no longer works) and drop the cookie."""
        viewer = self.viewer(request)
        if viewer is not None and viewer.session_id is not None:
            await revoke_session(self._store, viewer.session_id, now=_utc(self.now()))
        response.del_cookie(SESSION_COOKIE, path=COOKIE_PATH)

    def _set(self, response: web.StreamResponse, payload: Mapping[str, str], *, ttl: int) -> None:
        response.set_cookie(
            SESSION_COOKIE, self._session.dumps(payload, ttl=ttl), path=COOKIE_PATH, httponly=True,
            samesite="Lax", secure=self.config.secure_cookies, max_age=ttl,
        )

    def check_csrf(self, request: web.Request, form: Mapping[str, Any]) -> Viewer:
        """The session of a POST whose form carries its CSRF token; 403 with a reason otherwise."""
        viewer = self.viewer(request)
        sent = form.get(CSRF_FIELD)
        if viewer is None:
            raise forbidden("Your session has expired or cookies are blocked: reload the page and try again.")
        if not isinstance(sent, str) or not sent.isascii() or not hmac.compare_digest(
            sent.encode("ascii"), viewer.csrf.encode("ascii")
        ):
            raise forbidden("The form's security token is missing or wrong: reload the page and try again.")
        return viewer

    def password_ok(self, given: str) -> bool:
        password = self.config.password
        if self.config.mode != "password" or password is None or not given:
            return False
        # surrogatepass: a form may decode to any code point; none of them may raise here.
        expected = password.get_secret_value()
        return hmac.compare_digest(given.encode("utf-8", "surrogatepass"),
                                   expected.encode("utf-8", "surrogatepass"))

    # Failed sign-ins: per client address always, per account where there is one to guess at.
    def throttled(self, request: web.Request, account: str | None = None) -> Throttled | None:
        now = self.now()
        wait = self._by_address.retry_after(client_address(request), now)
        if wait is not None:
            return Throttled(wait, f"Too many failed sign-ins from your address: wait {_wait_text(wait)} "
                                   "and try again.")
        if account is not None:
            wait = self._by_account.retry_after(account, now)
            if wait is not None:
                return Throttled(wait, f"Too many failed sign-ins to this account, from anywhere: wait "
                                       f"{_wait_text(wait)} and try again.")
        return None

    def failed(self, request: web.Request, account: str | None = None) -> None:
        now = self.now()
        self._by_address.record(client_address(request), now)
        if account is not None:
            self._by_account.record(account, now)

    # The OIDC flow's own short-lived cookie: msal's flow and where to go after.
    def start_flow(self, response: web.StreamResponse, flow: Mapping[str, Any], next_path: str) -> None:
        response.set_cookie(
            FLOW_COOKIE, self._flow.dumps({"flow": dict(flow), "next": next_path}, ttl=FLOW_TTL),
            path=COOKIE_PATH, httponly=True, samesite="Lax", secure=self.config.secure_cookies,
            max_age=FLOW_TTL,
        )

    def flow(self, request: web.Request) -> tuple[dict[str, Any], str] | None:
        """(msal's flow, the path to go to after) of the sign-in this browser started, else None."""
        payload = self._flow.loads(request.cookies.get(FLOW_COOKIE))
        if payload is None or not isinstance(payload.get("flow"), dict):
            return None
        return payload["flow"], safe_next(payload.get("next"))

    def end_flow(self, response: web.StreamResponse) -> None:
        response.del_cookie(FLOW_COOKIE, path=COOKIE_PATH)


def forbidden(reason: str) -> web.HTTPForbidden:
    return web.HTTPForbidden(text=reason, content_type="text/plain")


async def _read_form_or_400(request: web.Request) -> None:
    await http_read_form(request)


async def read_form(request: web.Request) -> dict[str, str]:
    """A POST's form fields (text only); the middleware has already refused a body that is no form."""
    return {k: v for k, v in (await request.post()).items() if isinstance(v, str)}


def safe_next(value: object) -> str:
    """Only a path inside the tracker: no open redirect to another site, and nothing a Location
    header cannot carry (control characters such as CR/LF, spaces, non-ASCII)."""
    if not isinstance(value, str) or not value.startswith("/tracker") or value.startswith("//"):
        return "/tracker"
    if "\\" in value or any(not ("\x21" <= c <= "\x7e") for c in value):
        return "/tracker"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/tracker"
    return value


__all__ = [
    "CSRF_FIELD",
    "OidcConfig",
    "Sessions",
    "Throttled",
    "TrackerAuthConfig",
    "Viewer",
    "forbidden",
    "read_form",
    "safe_next",
]
