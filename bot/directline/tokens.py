"""Signed tokens of the built-in Direct Line channel: JWTs (HS256) made and checked by PyJWT.

Three kinds, each signed with its own key derived from `ASKARSAN_SECRET_KEY`, so that one kind can
never be replayed as another (the signature of one kind never verifies under another's key):

- `conversation`: what Web Chat holds (`Authorization: Bearer`). Binds one conversation id, one
  invitation id and the user id `inv-<invitation id>`; 30 minutes, refreshable.
- `stream`: the `t=` of a WebSocket `streamUrl`; a few minutes, one conversation.
- `connector`: what the bot sends to our own Bot-Connector-compatible endpoint when it replies.

The JWT shape keeps Microsoft's clients happy: directlinejs decodes a token's payload (without
checking it) to read its `user`, so the payload stays plain JSON with that claim.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt

ISSUER = "askarsan-directline"
KINDS = ("conversation", "stream", "connector")
ALGORITHM = "HS256"
MAX_TOKEN_CHARS = 2048
# Claims every token must carry; PyJWT refuses a token missing one of them.
REQUIRED = ["iss", "knd", "iat", "nbf", "exp"]


class TokenInvalid(Exception):
    """A token that is malformed, tampered with, expired or of another kind."""


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
        # The same derivation as before PyJWT signed these, so tokens already handed out stay valid.
        self._keys = {
            kind: hmac.new(master, f"askarsan/directline/{kind}".encode(), hashlib.sha256).digest()
            for kind in KINDS
        }

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
        return jwt.encode(payload, self._keys[kind], algorithm=ALGORITHM)

    def verify(self, kind: str, token: str, now: float | None = None) -> DirectLineClaims:
        # A header may carry any bytes (aiohttp hands them on as surrogate escapes): only a short
        # ASCII string can be a token, and anything else is refused before PyJWT sees it.
        if not token or len(token) > MAX_TOKEN_CHARS or not token.isascii():
            raise TokenInvalid("malformed token")
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                self._keys[kind],
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                # Expiry is checked below against `now` (the tests' clock), never skipped.
                options={"require": REQUIRED, "verify_exp": False, "verify_nbf": False,
                         "verify_iat": False},
            )
        except jwt.InvalidSignatureError:
            raise TokenInvalid("bad signature") from None
        except jwt.InvalidIssuerError:
            raise TokenInvalid("wrong kind of token") from None
        except jwt.PyJWTError:
            raise TokenInvalid("malformed token") from None
        if payload.get("knd") != kind:
            raise TokenInvalid("wrong kind of token")
        expires_at, not_before, issued_at = payload["exp"], payload["nbf"], payload["iat"]
        if not all(type(value) is int for value in (expires_at, not_before, issued_at)):
            raise TokenInvalid("malformed claims")
        current = int(time.time() if now is None else now)
        if current >= expires_at:
            raise TokenInvalid("token expired")
        if current < not_before:
            raise TokenInvalid("token not yet valid")
        return DirectLineClaims(
            kind=kind,
            conversation_id=str(payload.get("conv") or ""),
            invitation_id=str(payload.get("inv") or ""),
            user_id=str(payload.get("user") or ""),
            issued_at=issued_at,
            expires_at=expires_at,
        )
