"""The Bot Connector's side of authentication, on this machine: our own signing keys and tokens,
a loopback OpenID metadata server, and a stand-in for MSAL (the fixtures `openid`, `fake_msal`
and `auth_client` in tests/conftest.py put them in place).

How the published keys are replaced: the SDK reads the metadata URLs at call time from
`ChannelValidation.open_id_metadata_endpoint` (a class attribute the SDK offers for this; empty
means the public Bot Connector URL) and `AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL`.
The `openid` fixture points both at `OpenIdServer` (below) and clears
`JwtTokenExtractor.metadataCache`, the SDK's process-wide cache of key sets, before and after each
test.

The OpenID server runs on its own thread and event loop, like a remote service: if fetching the
keys blocked our event loop (the stock SDK does), the test server would still answer, and the
tests that watch the loop's responsiveness would see the block instead of hanging.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

APP_ID = "00000000-0000-0000-0000-00000000a991"
APP_TENANT = "00000000-0000-0000-0000-0000000000aa"
BF_ISSUER = "https://api.botframework.com"
EMULATOR_ISSUER_V1 = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"
EMULATOR_ISSUER_V2 = "https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0"
CHANNEL_KID = "bf-key-1"
EMULATOR_KID = "aad-key-1"

_KEYS: dict[str, rsa.RSAPrivateKey] = {}


def private_key(name: str) -> rsa.RSAPrivateKey:
    """RSA keys generated once per test session (2048 bits, like the published ones)."""
    if name not in _KEYS:
        _KEYS[name] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _KEYS[name]


def jwk(name: str, kid: str, endorsements: list[str] | None = None) -> dict[str, Any]:
    key = RSAAlgorithm.to_jwk(private_key(name).public_key(), as_dict=True)
    key.update(kid=kid, use="sig", alg="RS256")
    if endorsements is not None:
        key["endorsements"] = endorsements
    return key


def sign(claims: dict[str, Any], key: str = "channel", kid: str | None = CHANNEL_KID,
         algorithm: str = "RS256", headers: dict[str, Any] | None = None) -> str:
    extra = dict(headers or {})
    if kid is not None:
        extra["kid"] = kid
    return jwt.encode(claims, private_key(key), algorithm=algorithm, headers=extra)


def channel_claims(service_url: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": BF_ISSUER, "aud": APP_ID, "exp": now + 3600, "nbf": now - 60, "serviceurl": service_url,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def emulator_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": EMULATOR_ISSUER_V1, "aud": APP_ID, "appid": APP_ID, "ver": "1.0",
        "exp": now + 3600, "nbf": now - 60, "iat": now - 60,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


@dataclass
class OpenIdServer:
    """OpenID metadata + JWKS for the Bot Connector (`/channel`) and the Emulator's AAD (`/aad`)."""

    channel_keys: list[dict[str, Any]] = field(default_factory=list)
    emulator_keys: list[dict[str, Any]] = field(default_factory=list)
    jwks_delay: float = 0.0
    requests: list[str] = field(default_factory=list)
    jwks_started: threading.Event = field(default_factory=threading.Event)
    timeline: list[str] = field(default_factory=list)  # "jwks-served" when a slow answer is sent
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _runner: web.AppRunner | None = None
    _thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def channel_metadata_url(self) -> str:
        return f"{self.base}/channel/.well-known/openidconfiguration"

    @property
    def emulator_metadata_url(self) -> str:
        return f"{self.base}/aad/.well-known/openid-configuration"

    def jwks_requests(self, which: str = "channel") -> int:
        return self.requests.count(f"/{which}/keys")

    def _app(self) -> web.Application:
        async def metadata(request: web.Request) -> web.Response:
            which = request.match_info["which"]
            self.requests.append(request.path)
            issuer = BF_ISSUER if which == "channel" else EMULATOR_ISSUER_V2
            return web.json_response({"issuer": issuer, "jwks_uri": f"{self.base}/{which}/keys"})

        async def keys(request: web.Request) -> web.Response:
            which = request.match_info["which"]
            self.requests.append(request.path)
            self.jwks_started.set()
            if self.jwks_delay:
                await asyncio.sleep(self.jwks_delay)
                self.timeline.append("jwks-served")
            keys = self.channel_keys if which == "channel" else self.emulator_keys
            return web.Response(text=json.dumps({"keys": keys}), content_type="application/json")

        app = web.Application()
        app.router.add_get("/{which}/.well-known/{name}", metadata)
        app.router.add_get("/{which}/keys", keys)
        return app

    def start(self) -> OpenIdServer:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop

            async def serve() -> None:
                self._runner = web.AppRunner(self._app())
                await self._runner.setup()
                site = web.TCPSite(self._runner, "127.0.0.1", 0)
                await site.start()
                self.port = site._server.sockets[0].getsockname()[1]
                ready.set()

            loop.run_until_complete(serve())
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="openid-server", daemon=True)
        self._thread.start()
        assert ready.wait(10), "the OpenID server did not start"
        return self

    def stop(self) -> None:
        assert self._loop is not None and self._runner is not None and self._thread is not None
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@dataclass
class FakeMsal:
    """Stands in for MSAL's ConfidentialClientApplication: the Azure AD token endpoint.

    MSAL only talks to https authorities, so it cannot be pointed at a loopback HTTP server; this
    fake records every token request (with the thread it ran on) and answers `tok-<n>`.
    """

    delay: float = 0.0
    calls: list[dict[str, Any]] = field(default_factory=list)
    started: threading.Event = field(default_factory=threading.Event)
    timeline: list[str] = field(default_factory=list)  # "token-issued" when a slow answer is given

    def factory(self) -> Callable[..., Any]:
        fake = self

        class App:
            def __init__(self, client_id: str, client_credential: str, authority: str, **_: Any) -> None:
                self.client_id, self.authority = client_id, authority

            def acquire_token_silent(self, scopes: list[str], account: Any = None) -> None:
                return None

            def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
                fake.started.set()
                if fake.delay:
                    time.sleep(fake.delay)
                    fake.timeline.append("token-issued")
                fake.calls.append({"client_id": self.client_id, "scopes": scopes,
                                   "thread": threading.get_ident()})
                return {"access_token": f"tok-{len(fake.calls)}", "expires_in": 3600}

        return App
