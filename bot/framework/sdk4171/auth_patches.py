"""Fixes to the Bot Framework SDK's authentication code (botframework-connector 4.17.1).

`install()` patches the SDK once, at start-up (`bot.framework.adapter.create_adapter` calls it); calling it
again does nothing. Each patch names the trap it fixes (``docs/architecture.md``, "SDK traps"):

1. `_OpenIdMetadata` (jwt_token_extractor.py) fetches the OpenID metadata document and the JWKS
   with the synchronous `requests.get`, without a timeout, from inside `async` code: while it waits
   the event loop stands still and no other request is answered. Its `_find` raises `IndexError`
   for a key id it does not know, so its "refresh when a key is not found" branch never runs, and
   a token without `kid` is looked up as `None`.
   -> `AsyncOpenIdMetadata` replaces it: aiohttp with a timeout, keys parsed once per fetch, kept
   for the SDK's 24 h; a periodic refresh that fails keeps the old keys. An unknown `kid` forces one
   refresh, at most one per 5 minutes whatever the number of bad tokens (so a flood of made-up kids
   cannot make us hammer the metadata endpoint), then the token is refused
   (`UnknownSigningKey`, a `PermissionError` -> 401). No keys at all -> `SigningKeysUnavailable`
   (the adapter answers 503: it is our outage, not the caller's fault).

2. `JwtTokenExtractor._validate_token` checks the channel endorsement only when the key happens to
   carry endorsements and the activity names a channel, accepts a token without `exp` forever,
   and checks the issuer only on the unverified token. -> `_validate_token` below: `alg` must be
   RS256 and `kid` present; a Bot Connector key must endorse the activity's (non-empty) channel;
   the signature, `iss` (the SDK's list), `exp` (required, 5 min skew) and `nbf` are checked by
   PyJWT on the verified token. The audience is checked after the SDK by `verify_claims`.

3. The Emulator path (`EmulatorValidation`) never looks at `aud`: it accepts any token from the
   listed AAD issuers whose `appid`/`azp` is ours -- including the bot's own outgoing Bot Connector
   token (aud `https://api.botframework.com`), which would let whoever sees it post activities as
   "the Emulator". -> `verify_claims` (called by `CachingAuthentication.authenticate_request` when
   an app id is set) requires `aud` to be our app id on every path, the `serviceurl` claim to equal
   the activity's `serviceUrl` on the channel path, and `appid`/`azp` to be ours on the Emulator
   path.

4. `MicrosoftAppCredentials.get_access_token` (MSAL, synchronous HTTP to Azure AD) is called by
   `signed_session` from msrest's `AsyncRequestsCredentialsPolicy.send`, i.e. on the event loop,
   for every outgoing reply. -> The policy's `send` first awaits `ensure_access_token`, which runs
   MSAL in a worker thread (`asyncio.to_thread`) and keeps the token on the credentials until 5
   minutes before it expires; the patched `get_access_token` then answers from that copy without
   any I/O. (The skills client, `_BotFrameworkClientImpl`, still calls MSAL on the loop: we do not
   use skills.)

How tests inject their own signing keys: the metadata URLs are read at call time from
`ChannelValidation.open_id_metadata_endpoint` (a class attribute meant for this; empty means the
public `AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL`) and
`AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL`; point both at a loopback
server and clear `JwtTokenExtractor.metadataCache` (see `tests/security/conftest.py`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import jwt
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticationConstants,
    ClaimsIdentity,
    EmulatorValidation,
    GovernmentConstants,
    MicrosoftAppCredentials,
)
from botframework.connector.auth import jwt_token_extractor as _extractor_module
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from jwt.algorithms import RSAAlgorithm
from msrest.pipeline.async_requests import AsyncRequestsCredentialsPolicy

log = logging.getLogger(__name__)

REFRESH_INTERVAL = 24 * 3600.0  # the SDK's: signing keys are re-read once a day
UNKNOWN_KID_REFRESH_INTERVAL = 5 * 60.0  # at most one forced refresh per 5 minutes
FAILED_FETCH_BACKOFF = 10.0  # with no keys at all, do not retry a failed fetch more often
FETCH_TIMEOUT = 10.0
MAX_DOCUMENT_BYTES = 1024 * 1024
CLOCK_SKEW = 5 * 60  # seconds of leeway on exp / nbf
TOKEN_RENEW_MARGIN = 5 * 60.0  # renew the bot's own token this long before it expires
DEFAULT_TOKEN_LIFETIME = 10 * 60.0  # when the bot's token is not a JWT we can read

CHANNEL_ISSUERS = frozenset(
    {
        AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
        GovernmentConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
    }
)


class UnknownSigningKey(PermissionError):
    """The token names no key, or a key the metadata endpoint does not publish."""


class SigningKeysUnavailable(RuntimeError):
    """We could not read any signing keys: our outage (503), not the caller's fault (401)."""


class TokenRefused(PermissionError):
    """A token that is well signed but not for us, this channel or this activity."""


def _issuers(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value or []]


class AsyncOpenIdMetadata:
    """Drop-in for the SDK's `_OpenIdMetadata` (same constructor, same `get(kid)` coroutine)."""

    clock: Callable[[], float] = staticmethod(time.monotonic)

    def __init__(self, url: str) -> None:
        self.url = url
        self.keys: dict[str, Any] = {}
        self.last_updated = datetime.min  # kept for the SDK's attribute; we use the clock below
        self._fetched_at: float | None = None
        self._forced_at: float | None = None
        self._failed_at: float | None = None
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def get(self, key_id: Any) -> Any:
        if not isinstance(key_id, str) or not key_id:
            raise UnknownSigningKey("the token does not name its signing key (no 'kid')")
        async with self._lock():
            now = self.clock()
            if self._fetched_at is None or now - self._fetched_at >= REFRESH_INTERVAL:
                await self._refresh(keep_old=True)
            key = self.keys.get(key_id)
            if key is None and (
                self._forced_at is None or self.clock() - self._forced_at >= UNKNOWN_KID_REFRESH_INTERVAL
            ):
                self._forced_at = self.clock()
                log.info("unknown signing key id: refreshing the keys of %s once", self.url)
                await self._refresh(keep_old=True)
                key = self.keys.get(key_id)
        if key is None:
            raise UnknownSigningKey("the token is signed with a key we do not know")
        return key

    async def _refresh(self, keep_old: bool) -> None:
        now = self.clock()
        if not self.keys and self._failed_at is not None and now - self._failed_at < FAILED_FETCH_BACKOFF:
            raise SigningKeysUnavailable("the signing keys could not be read (retrying shortly)")
        try:
            keys = await self._fetch()
        except Exception as error:
            self._failed_at = self.clock()
            if self.keys and keep_old:
                # Keep serving with the keys we have; try again in a few minutes, not per request.
                log.warning("could not refresh the signing keys (%s); keeping the old ones",
                            type(error).__name__)
                self._fetched_at = self.clock() - REFRESH_INTERVAL + UNKNOWN_KID_REFRESH_INTERVAL
                return
            raise SigningKeysUnavailable(
                f"the signing keys could not be read: {type(error).__name__}"
            ) from error
        self.keys = keys
        self._fetched_at = self.clock()
        self._failed_at = None
        self.last_updated = datetime.now()

    async def _fetch(self) -> dict[str, Any]:
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            metadata = await _get_json(session, self.url)
            jwks_uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
            if not isinstance(jwks_uri, str) or not _may_fetch_keys_from(jwks_uri, self.url):
                raise ValueError("the OpenID metadata has no acceptable jwks_uri")
            document = await _get_json(session, jwks_uri)
        raw_keys = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(raw_keys, list):
            raise ValueError("the JWKS has no key list")
        return _parse_keys(raw_keys)


def _may_fetch_keys_from(jwks_uri: str, metadata_url: str) -> bool:
    keys, meta = urlsplit(jwks_uri), urlsplit(metadata_url)
    if keys.scheme == "https" and keys.hostname:
        return True
    # Plain http only where the metadata itself came from (a loopback server in tests).
    return (keys.scheme, keys.netloc) == (meta.scheme, meta.netloc) and bool(keys.hostname)


async def _get_json(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url, allow_redirects=False) as response:
        response.raise_for_status()
        body = await response.content.read(MAX_DOCUMENT_BYTES + 1)
        if len(body) > MAX_DOCUMENT_BYTES:
            raise ValueError("the document is too large")
        return json.loads(body)


def _parse_keys(raw_keys: Iterable[Any]) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    for raw in raw_keys:
        if not isinstance(raw, dict) or not isinstance(raw.get("kid"), str) or raw.get("kty") != "RSA":
            continue
        try:
            public_key = RSAAlgorithm.from_jwk(json.dumps(raw))
        except Exception:  # noqa: BLE001 - one bad key must not hide the others
            log.warning("skipped an unreadable signing key")
            continue
        endorsements = raw.get("endorsements") or []
        if not isinstance(endorsements, list):
            endorsements = []
        keys[raw["kid"]] = _extractor_module._OpenIdConfig(
            public_key, [e for e in endorsements if isinstance(e, str)]
        )
    return keys


async def _validate_token(
    self: JwtTokenExtractor,
    jwt_token: str,
    channel_id: str,
    required_endorsements: list[str] | None = None,
) -> ClaimsIdentity:
    """Replaces `JwtTokenExtractor._validate_token` (see the module docstring, patch 2)."""
    header = jwt.get_unverified_header(jwt_token)  # DecodeError on a malformed token -> 401
    if header.get("alg") != "RS256":
        raise TokenRefused("the token is not signed with RS256")
    metadata = await self.open_id_metadata.get(header.get("kid"))
    params = self.validation_parameters
    issuers = _issuers(params.issuer)
    if CHANNEL_ISSUERS.intersection(issuers) or metadata.endorsements:
        # A Bot Connector key says which channels it may sign for; the activity must name one.
        if not isinstance(channel_id, str) or not channel_id:
            raise TokenRefused("the activity names no channel, so the key's endorsement cannot hold")
        for endorsement in [channel_id, *(required_endorsements or [])]:
            if endorsement not in metadata.endorsements:
                raise TokenRefused("the signing key is not endorsed for this channel")
    payload = jwt.decode(
        jwt_token,
        metadata.public_key,
        algorithms=["RS256"],
        issuer=issuers,
        leeway=CLOCK_SKEW,
        options={
            "verify_signature": True,
            "verify_aud": False,  # checked against our app id by verify_claims
            "verify_exp": True,
            "verify_nbf": True,
            "verify_iss": True,
            "require": ["exp", "iss"],
        },
    )
    return ClaimsIdentity(payload, True)


def verify_claims(
    identity: ClaimsIdentity | None, activity: Activity, app_id: str, *, emulator: bool = True
) -> None:
    """With an app id set: the token must be for us and, from a channel, for this serviceUrl.
    Emulator tokens only when `emulator` (local; ``ASKARSAN_EMULATOR_TOKENS`` in production)."""
    if identity is None or not identity.is_authenticated:
        raise TokenRefused("no authenticated identity")
    claims = identity.claims or {}
    issuer = claims.get(AuthenticationConstants.ISSUER_CLAIM)
    audience = claims.get(AuthenticationConstants.AUDIENCE_CLAIM)
    if issuer in CHANNEL_ISSUERS:
        if audience != app_id:
            raise TokenRefused("the token is not for this bot (aud)")
        if claims.get(AuthenticationConstants.SERVICE_URL_CLAIM) != activity.service_url:
            raise TokenRefused("the token's serviceurl is not the activity's serviceUrl")
        return
    if issuer in _issuers(EmulatorValidation.TO_BOT_FROM_EMULATOR_TOKEN_VALIDATION_PARAMETERS.issuer):
        if not emulator:
            raise TokenRefused("Emulator tokens are not accepted here")
        if audience not in (app_id, f"api://{app_id}"):
            raise TokenRefused("the token is not for this bot (aud)")
        version = claims.get(AuthenticationConstants.VERSION_CLAIM)
        client = claims.get("azp") if version == "2.0" else claims.get("appid")
        if client != app_id:
            raise TokenRefused("the token was not requested by this bot (appid/azp)")
        return
    raise TokenRefused("the token's issuer is not accepted")


# --- the bot's own token (MSAL) off the event loop -------------------------------------------

_TOKEN_ATTR = "_askarsan_token"  # noqa: S105 - an attribute name, not a secret
_LOCK_ATTR = "_askarsan_token_lock"
_original_get_access_token: Any = MicrosoftAppCredentials.get_access_token
_original_policy_send: Any = AsyncRequestsCredentialsPolicy.send


def _token_lifetime(token: str) -> float:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return float(claims["exp"]) - time.time()
    except Exception:  # noqa: BLE001 - an opaque token: assume a short life
        return DEFAULT_TOKEN_LIFETIME


def _cached_token(creds: Any) -> str | None:
    cached = creds.__dict__.get(_TOKEN_ATTR)
    if cached is None:
        return None
    token, expires_at = cached
    return str(token) if time.monotonic() < expires_at - TOKEN_RENEW_MARGIN else None


async def ensure_access_token(creds: Any) -> None:
    """Get the bot's token for `creds` in a worker thread, unless a fresh copy is at hand."""
    if not isinstance(creds, MicrosoftAppCredentials) or not creds._should_set_token(None):
        return
    if _cached_token(creds) is not None:
        return
    lock = creds.__dict__.get(_LOCK_ATTR)
    if lock is None:
        lock = asyncio.Lock()
        creds.__dict__[_LOCK_ATTR] = lock
    async with lock:
        if _cached_token(creds) is not None:
            return
        token = await asyncio.to_thread(_original_get_access_token, creds)
        creds.__dict__[_TOKEN_ATTR] = (token, time.monotonic() + _token_lifetime(token))


def _get_access_token(self: MicrosoftAppCredentials, force_refresh: bool = False) -> str:
    if not force_refresh:
        token = _cached_token(self)
        if token is not None:
            return token
    return str(_original_get_access_token(self, force_refresh))


async def _policy_send(self: AsyncRequestsCredentialsPolicy, request: Any, **kwargs: Any) -> Any:
    await ensure_access_token(self._creds)
    return await _original_policy_send(self, request, **kwargs)


_installed = False


def install() -> None:
    """Apply the patches above to the SDK, once per process."""
    global _installed
    if _installed:
        return
    _extractor_module._OpenIdMetadata = AsyncOpenIdMetadata
    for url, metadata in list(JwtTokenExtractor.metadataCache.items()):
        if not isinstance(metadata, AsyncOpenIdMetadata):
            del JwtTokenExtractor.metadataCache[url]
    JwtTokenExtractor._validate_token = _validate_token
    MicrosoftAppCredentials.get_access_token = _get_access_token
    AsyncRequestsCredentialsPolicy.send = _policy_send  # type: ignore[method-assign]
    _installed = True


def installed() -> bool:
    return _installed


__all__ = [
    "SigningKeysUnavailable",
    "TokenRefused",
    "UnknownSigningKey",
    "ensure_access_token",
    "install",
    "installed",
    "verify_claims",
]
