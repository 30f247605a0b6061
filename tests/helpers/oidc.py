"""A loopback OpenID Connect provider speaking the wire format of Entra ID's v2.0 endpoints:
discovery, authorize (consents at once and redirects back with a code), token (checks the client
secret, the redirect URI and the PKCE verifier), JWKS. id_tokens are RS256-signed with a key made
for the test.

It serves HTTPS, as a real provider does and as msal insists (an authority must be https://), with
a certificate for 127.0.0.1 issued by a CA made for the test: `ca_file` is the bundle to trust."""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import json
import secrets
import ssl
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def loopback_certificate(folder: Path) -> tuple[Path, Path, Path]:
    """(CA bundle, server certificate, server key) for https://127.0.0.1, written to `folder`."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "askARSAN test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


@dataclass
class FakeOidc:
    client_id: str = "tracker-client-id"
    client_secret: str = "tracker-client-secret"
    tenant: str = "tenant-1"
    claims: dict[str, Any] = field(default_factory=dict)  # the next sign-in's user
    tamper: str | None = None  # "signature" | "nonce" | "audience"
    key: Any = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)  # method and path of every request served
    server: TestServer | None = None
    folder: tempfile.TemporaryDirectory[str] | None = None
    ca_file: str = ""

    def browser_ssl(self) -> ssl.SSLContext:
        """What a browser trusting the test CA would check the provider's certificate with."""
        return ssl.create_default_context(cafile=self.ca_file)

    @property
    def issuer(self) -> str:
        assert self.server is not None
        return str(self.server.make_url(f"/{self.tenant}/v2.0"))

    @property
    def metadata_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    async def start(self) -> FakeOidc:
        @web.middleware
        async def record(request: web.Request, handler: Any) -> web.StreamResponse:
            self.requests.append(f"{request.method} {request.path}")
            response: web.StreamResponse = await handler(request)
            return response

        app = web.Application(middlewares=[record])
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._metadata)
        app.router.add_get("/authorize", self._authorize)
        app.router.add_post("/token", self._token)
        app.router.add_get("/keys", self._keys)
        self.folder = tempfile.TemporaryDirectory(prefix="askarsan-oidc-")
        ca, cert, key = loopback_certificate(Path(self.folder.name))
        self.ca_file = str(ca)
        served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        served.load_cert_chain(cert, key)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server(ssl=served)
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()
        if self.folder is not None:
            self.folder.cleanup()

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
