"""The Direct Line tokens' contract, checked from outside with PyJWT: standard HS256 JWTs under one
key per kind, with an issuer and an expiry that must be there, refused when anything is off."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import warnings
from typing import Any

import jwt
import pytest

from bot.directline.tokens import ISSUER, KINDS, MAX_TOKEN_CHARS, TokenInvalid, TokenSigner

SECRET = "directline-token-test-" + "s" * 32
NOW = 1_900_000_000


def kind_key(kind: str) -> bytes:
    return hmac.new(SECRET.encode(), f"askarsan/directline/{kind}".encode(), hashlib.sha256).digest()


def claims(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"iss": ISSUER, "knd": "conversation", "conv": "c1", "inv": "i1", "user": "inv-i1",
                              "iat": NOW, "nbf": NOW - 5, "exp": NOW + 60, "jti": "j"}
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_token_is_a_jwt_whose_payload_names_the_user_for_directlinejs() -> None:
    token = TokenSigner(SECRET).issue("conversation", conversation_id="c1", invitation_id="i1",
                                      user_id="inv-i1", ttl_seconds=60, now=NOW)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    # directlinejs reads `user` from the payload without the key; the signature holds under the kind's key.
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert payload["user"] == "inv-i1"
    checked = jwt.decode(token, kind_key("conversation"), algorithms=["HS256"], issuer=ISSUER,
                         options={"verify_exp": False, "verify_iat": False, "verify_nbf": False})
    assert checked["conv"] == "c1" and checked["exp"] == NOW + 60


@pytest.mark.parametrize("issued", KINDS)
@pytest.mark.parametrize("checked", KINDS)
def test_a_token_of_one_kind_never_verifies_as_another(issued: str, checked: str) -> None:
    signer = TokenSigner(SECRET)
    token = signer.issue(issued, conversation_id="c1", ttl_seconds=60, now=NOW)
    if issued == checked:
        assert signer.verify(checked, token, now=NOW).conversation_id == "c1"
    else:
        with pytest.raises(TokenInvalid):
            signer.verify(checked, token, now=NOW)
    # Even with the claimed kind rewritten, the other kind's key does not sign it.
    forged = jwt.encode(claims(knd=checked), kind_key(issued), algorithm="HS256")
    if issued != checked:
        with pytest.raises(TokenInvalid):
            signer.verify(checked, forged, now=NOW)


def hs512(payload: dict[str, Any], key: bytes) -> str:
    with warnings.catch_warnings():  # PyJWT warns that a 32-byte key is short for HS512: the point here
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return jwt.encode(payload, key, algorithm="HS512")


FORGED = {
    "no expiry": jwt.encode(claims(exp=None), kind_key("conversation"), algorithm="HS256"),
    "expiry not a number": jwt.encode(claims(exp="soon"), kind_key("conversation"), algorithm="HS256"),
    "another issuer": jwt.encode(claims(iss="someone-else"), kind_key("conversation"), algorithm="HS256"),
    "no issuer": jwt.encode(claims(iss=None), kind_key("conversation"), algorithm="HS256"),
    "expired": jwt.encode(claims(exp=NOW), kind_key("conversation"), algorithm="HS256"),
    "not yet valid": jwt.encode(claims(nbf=NOW + 30), kind_key("conversation"), algorithm="HS256"),
    "another secret": jwt.encode(claims(), b"k" * 32, algorithm="HS256"),
    "HS512 with the right key": hs512(claims(), kind_key("conversation")),
    "alg none": b64(b'{"alg":"none","typ":"JWT"}') + "." + b64(json.dumps(claims()).encode()) + ".",
    "too long": jwt.encode(claims(pad="x" * MAX_TOKEN_CHARS), kind_key("conversation"), algorithm="HS256"),
    "not ASCII": "é.é.é",
    "surrogate escapes": "\udcff\udcfe.\udcff.\udcff",
    "two parts": "abc.def",
    "empty": "",
}


@pytest.mark.parametrize("token", FORGED.values(), ids=FORGED.keys())
def test_a_token_that_is_off_in_any_way_is_refused(token: str) -> None:
    with pytest.raises(TokenInvalid):
        TokenSigner(SECRET).verify("conversation", token, now=NOW)


def test_tokens_expire_by_the_clock_they_are_checked_with() -> None:
    signer = TokenSigner(SECRET)
    token = signer.issue("stream", conversation_id="c1", ttl_seconds=60, now=NOW)
    assert signer.verify("stream", token, now=NOW + 59).expires_in(NOW + 59) == 1
    with pytest.raises(TokenInvalid, match="expired"):
        signer.verify("stream", token, now=NOW + 60)
    assert signer.verify("stream", signer.issue("stream", ttl_seconds=60)).expires_in(time.time()) <= 60
