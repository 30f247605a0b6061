"""Signed tokens of the built-in Direct Line channel: compact JWS (HS256), stdlib only.

Three kinds, each signed with its own key derived from `ASKARSAN_SECRET_KEY`, so that one kind can
never be replayed as another:

- `conversation`: what Web Chat holds (`Authorization: Bearer`). Binds one conversation id, one
  invitation id and the user id `inv-<invitation id>`; 30 minutes, refreshable.
- `stream`: the `t=` of a WebSocket `streamUrl`; a few minutes, one conversation.
- `connector`: what the bot sends to our own Bot-Connector-compatible endpoint when it replies.

The JWT shape keeps Microsoft's clients happy: directlinejs decodes a token to read its `user`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

ISSUER = "askarsan-directline"
KINDS = ("conversation", "stream", "connector")
_HEADER = {"alg": "HS256", "typ": "JWT"}
MAX_TOKEN_CHARS = 2048


class TokenInvalid(Exception):
    """A token that is malformed, tampered with, expired or of another kind."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class DirectLineClaims:
    kind: str
    conversation_id: str
    invitation_id: str
    user_id: str
    issued_at: int
    expires_at: int

    def expires_in(self, now: float | None = None) -> int:
        return max(0, self.expires_at - int(time.time() if now is None else now))


class TokenSigner:
    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("a signing key is required")
        master = secret_key.encode("utf-8")
        self._keys = {
            kind: hmac.new(master, f"askarsan/directline/{kind}".encode(), hashlib.sha256).digest()
            for kind in KINDS
        }

    def _sign(self, kind: str, payload: dict[str, Any]) -> str:
        head = _b64(json.dumps(_HEADER, separators=(",", ":")).encode())
        body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
        signing_input = f"{head}.{body}".encode("ascii")
        signature = hmac.new(self._keys[kind], signing_input, hashlib.sha256).digest()
        return f"{head}.{body}.{_b64(signature)}"

    def issue(
        self,
        kind: str,
        *,
        conversation_id: str = "",
        invitation_id: str = "",
        user_id: str = "",
        ttl_seconds: int,
        now: float | None = None,
    ) -> str:
        issued = int(time.time() if now is None else now)
        payload = {
            "iss": ISSUER,
            "knd": kind,
            "conv": conversation_id,
            "inv": invitation_id,
            "user": user_id,
            "iat": issued,
            "nbf": issued - 5,
            "exp": issued + ttl_seconds,
            "jti": secrets.token_urlsafe(9),
        }
        return self._sign(kind, payload)

    def verify(self, kind: str, token: str, now: float | None = None) -> DirectLineClaims:
        if not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
            raise TokenInvalid("malformed token")
        head, body, signature = token.split(".")
        expected = hmac.new(
            self._keys[kind], f"{head}.{body}".encode("ascii", "replace"), hashlib.sha256
        ).digest()
        try:
            given = _unb64(signature)
        except (ValueError, TypeError):
            raise TokenInvalid("malformed token") from None
        if not hmac.compare_digest(expected, given):
            raise TokenInvalid("bad signature")
        try:
            header = json.loads(_unb64(head))
            payload = json.loads(_unb64(body))
        except (ValueError, TypeError):
            raise TokenInvalid("malformed token") from None
        if not isinstance(header, dict) or header.get("alg") != "HS256":
            raise TokenInvalid("unexpected algorithm")
        if not isinstance(payload, dict) or payload.get("iss") != ISSUER or payload.get("knd") != kind:
            raise TokenInvalid("wrong kind of token")
        current = int(time.time() if now is None else now)
        try:
            expires_at = int(payload["exp"])
            not_before = int(payload.get("nbf", 0))
            claims = DirectLineClaims(
                kind=kind,
                conversation_id=str(payload.get("conv") or ""),
                invitation_id=str(payload.get("inv") or ""),
                user_id=str(payload.get("user") or ""),
                issued_at=int(payload.get("iat", 0)),
                expires_at=expires_at,
            )
        except (KeyError, TypeError, ValueError):
            raise TokenInvalid("malformed claims") from None
        if current >= expires_at:
            raise TokenInvalid("token expired")
        if current < not_before:
            raise TokenInvalid("token not yet valid")
        return claims
