"""A loopback OpenID Connect provider speaking the wire format of Entra ID's v2.0 endpoints:
discovery, authorize (consents at once and redirects back with a code), token (checks the PKCE
verifier), JWKS. id_tokens are RS256-signed with a key made for the test."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass
class FakeOidc:
    client_id: str = "tracker-client-id"
    client_secret: str = "tracker-client-secret"
    tenant: str = "tenant-1"
    claims: dict[str, Any] = field(default_factory=dict)  # the next sign-in's user
    tamper: str | None = None  # "signature" | "nonce" | "audience"
    key: Any = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    server: TestServer | None = None

    @property
    def issuer(self) -> str:
        assert self.server is not None
        return str(self.server.make_url(f"/{self.tenant}/v2.0"))

    @property
    def metadata_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    async def start(self) -> FakeOidc:
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._metadata)
        app.router.add_get("/authorize", self._authorize)
        app.router.add_post("/token", self._token)
        app.router.add_get("/keys", self._keys)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    async def _metadata(self, request: web.Request) -> web.Response:
        assert self.server is not None
        return web.json_response({
            "issuer": self.issuer,
            "authorization_endpoint": str(self.server.make_url("/authorize")),
            "token_endpoint": str(self.server.make_url("/token")),
            "jwks_uri": str(self.server.make_url("/keys")),
            "id_token_signing_alg_values_supported": ["RS256"],
        })

    async def _keys(self, request: web.Request) -> web.Response:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return web.json_response({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]})

    async def _authorize(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("client_id") != self.client_id or q.get("code_challenge_method") != "S256":
            return web.Response(status=400, text="bad authorize request")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": q["code_challenge"], "nonce": q["nonce"],
                            "redirect_uri": q["redirect_uri"]}
        location = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q["state"]})
        return web.Response(status=302, headers={"Location": location})

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        grant = self.codes.pop(str(form.get("code")), None)
        if grant is None or form.get("client_secret") != self.client_secret:
            return web.json_response({"error": "invalid_grant"}, status=400)
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(str(form.get("code_verifier")).encode()).digest()
        ).rstrip(b"=").decode()
        if challenge != grant["challenge"] or form.get("redirect_uri") != grant["redirect_uri"]:
            return web.json_response({"error": "invalid_grant", "error_description": "PKCE failed"},
                                     status=400)
        now = int(time.time())
        claims = {
            "iss": self.issuer, "aud": self.client_id, "sub": "subject-1", "iat": now, "nbf": now,
            "exp": now + 3600, "nonce": grant["nonce"], "tid": self.tenant, **self.claims,
        }
        if self.tamper == "nonce":
            claims["nonce"] = "another"
        if self.tamper == "audience":
            claims["aud"] = "someone-else"
        key = self.key
        if self.tamper == "signature":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
        return web.json_response({"id_token": token, "token_type": "Bearer"})
