"""With an app id set, /api/messages serves only Bot Connector (or Emulator) tokens that pass every
check; everything else is refused before the bot runs (nothing sent, nothing stored)."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from bot.dev.loopback import FakeConnector
from bot.framework.sdk4171.auth_patches import AsyncOpenIdMetadata
from tests.helpers.activities import activity
from tests.helpers.bot_tokens import (
    APP_ID,
    APP_TENANT,
    CHANNEL_KID,
    EMULATOR_ISSUER_V2,
    EMULATOR_KID,
    FakeMsal,
    OpenIdServer,
    channel_claims,
    emulator_claims,
    jwk,
    private_key,
    sign,
)
from tests.helpers.http import counts, post


async def send(client: Any, connector: FakeConnector, token: str | None, **fields: Any) -> tuple[int, Any]:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return await post(client, activity(connector.url, **fields), **headers)


async def assert_refused(
    client: Any, connector: FakeConnector, status: int, got: Any, allowed: tuple[int, ...] = (401, 403)
) -> None:
    assert status in allowed, (status, got)
    assert isinstance(got, dict) and got["error"]
    assert connector.received == []
    assert (await counts(client))["state"] == 0


async def test_a_valid_bot_connector_token_is_served_and_the_reply_carries_the_bots_token(
    auth_client: Any, connector: FakeConnector, fake_msal: FakeMsal
) -> None:
    status, _ = await send(auth_client, connector, sign(channel_claims(connector.url)))
    assert status in (200, 201)
    [reply] = connector.received
    assert reply.authorization == "Bearer tok-1"
    assert fake_msal.calls[0]["client_id"] == APP_ID


def _expired(url: str) -> dict[str, Any]:
    return channel_claims(url, exp=int(time.time()) - 6 * 60)


REFUSED: dict[str, Any] = {
    "missing": lambda url: None,
    "expired beyond the 5 min skew": lambda url: sign(_expired(url)),
    "not yet valid beyond the skew": lambda url: sign(channel_claims(url, nbf=int(time.time()) + 6 * 60)),
    "no expiry": lambda url: sign(channel_claims(url, exp=None)),
    "wrongly signed": lambda url: sign(channel_claims(url), key="attacker"),
    "wrong audience": lambda url: sign(channel_claims(url, aud="some-other-bot")),
    "audience list": lambda url: sign(channel_claims(url, aud=[APP_ID, "x"])),
    "no audience": lambda url: sign(channel_claims(url, aud=None)),
    "wrong issuer": lambda url: sign(channel_claims(url, iss="https://api.botframework.com.evil")),
    "no issuer": lambda url: sign(channel_claims(url, iss=None)),
    "wrong serviceurl": lambda url: sign(channel_claims("https://smba.trafficmanager.net/emea/")),
    "no serviceurl": lambda url: sign(channel_claims(url, serviceurl=None)),
    "no kid": lambda url: sign(channel_claims(url), kid=None),
    "RS384 (not RS256)": lambda url: sign(channel_claims(url), algorithm="RS384"),
    "alg none": lambda url: jwt.encode(channel_claims(url), None, algorithm="none",
                                       headers={"kid": CHANNEL_KID}),
    "HS256 keyed with the public JWK": lambda url: jwt.encode(
        channel_claims(url), "public-key-as-secret-" + "x" * 32, algorithm="HS256",
        headers={"kid": CHANNEL_KID}),
    "malformed: not a JWT": lambda url: "not-a-jwt",
    "malformed: three junk parts": lambda url: "a.b.c",
    "malformed: bad base64 header": lambda url: "!!!." + sign(channel_claims(url)).split(".", 1)[1],
    "malformed: payload not JSON": lambda url: ".".join(
        [sign(channel_claims(url)).split(".")[0], "bm90IGpzb24", "c2ln"]),
    "Emulator key used as a channel token": lambda url: sign(channel_claims(url), key="emulator",
                                                            kid=EMULATOR_KID),
    "skill token (no claims validator)": lambda url: sign(
        emulator_claims(aud=APP_ID, appid="another-bot", ver="1.0"), key="emulator", kid=EMULATOR_KID),
    "Emulator: the bot's own outgoing token (aud api.botframework.com)": lambda url: sign(
        emulator_claims(aud="https://api.botframework.com"), key="emulator", kid=EMULATOR_KID),
    "Emulator: another app's token": lambda url: sign(
        emulator_claims(appid="another-app", aud="another-app"), key="emulator", kid=EMULATOR_KID),
    "Emulator: expired": lambda url: sign(
        emulator_claims(exp=int(time.time()) - 6 * 60), key="emulator", kid=EMULATOR_KID),
    "Emulator: signed by a Bot Connector key": lambda url: sign(emulator_claims()),
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
async def test_a_bad_token_is_refused_and_the_bot_never_runs(
    auth_client: Any, connector: FakeConnector, fake_msal: FakeMsal, case: str
) -> None:
    status, got = await send(auth_client, connector, REFUSED[case](connector.url))
    await assert_refused(auth_client, connector, status, got)
    assert fake_msal.calls == []  # not even a token was fetched for a reply


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "bearer {t}", "Basic {t}", "Bearer  {t}", "Bearer {t} extra", "{t}",
     "Bearer {t}\u00a0"],
)
async def test_a_mangled_authorization_header_is_refused(
    auth_client: Any, connector: FakeConnector, header: str
) -> None:
    token = sign(channel_claims(connector.url))
    value = header.format(t=token)
    try:
        status, got = await post(auth_client, activity(connector.url), Authorization=value)
    except ValueError:  # aiohttp itself refuses to send some header values
        return
    await assert_refused(auth_client, connector, status, got)


async def test_expiry_allows_five_minutes_of_clock_skew(
    auth_client: Any, connector: FakeConnector
) -> None:
    token = sign(channel_claims(connector.url, exp=int(time.time()) - 4 * 60))
    status, _ = await send(auth_client, connector, token)
    assert status in (200, 201)
    assert len(connector.received) == 1


async def test_a_key_not_endorsed_for_the_activitys_channel_is_refused(
    auth_client: Any, connector: FakeConnector, openid: OpenIdServer
) -> None:
    openid.channel_keys = [jwk("channel", CHANNEL_KID, ["webchat"])]
    token = sign(channel_claims(connector.url))
    for fields in ({"channelId": "msteams"}, {"channelId": "slack"}):
        status, got = await send(auth_client, connector, token, **fields)
        await assert_refused(auth_client, connector, status, got)
    # Without a channel there is nothing to endorse (the stock SDK lets it through): 400.
    for fields in ({"channelId": None}, {"channelId": ""}):
        status, got = await send(auth_client, connector, token, **fields)
        await assert_refused(auth_client, connector, status, got, allowed=(400,))
    # The same token is good for the channel its key is endorsed for.
    status, _ = await send(auth_client, connector, token, channelId="webchat")
    assert status in (200, 201)


async def test_a_bot_connector_key_without_endorsements_is_refused(
    auth_client: Any, connector: FakeConnector, openid: OpenIdServer
) -> None:
    # The stock SDK skips the endorsement check when the key carries none.
    openid.channel_keys = [jwk("channel", CHANNEL_KID)]
    status, got = await send(auth_client, connector, sign(channel_claims(connector.url)))
    await assert_refused(auth_client, connector, status, got)


async def test_an_emulator_token_for_this_bot_is_served(
    auth_client: Any, connector: FakeConnector
) -> None:
    v1 = sign(emulator_claims(), key="emulator", kid=EMULATOR_KID)
    status, _ = await send(auth_client, connector, v1, channelId="emulator")
    assert status in (200, 201)
    v2 = sign(emulator_claims(iss=EMULATOR_ISSUER_V2, ver="2.0", appid=None, azp=APP_ID),
              key="emulator", kid=EMULATOR_KID)
    status, _ = await send(auth_client, connector, v2, channelId="emulator", id="act-2")
    assert status in (200, 201)
    assert len(connector.received) == 2


async def test_where_emulator_tokens_are_off_a_valid_one_is_refused_and_channel_tokens_still_work(
    app_client: Any, openid: OpenIdServer, fake_msal: FakeMsal, connector: FakeConnector
) -> None:
    """Production refuses the Emulator's tokens (ASKARSAN_EMULATOR_TOKENS overrides either way)."""
    client = await app_client(
        MicrosoftAppId=APP_ID, MicrosoftAppPassword="app-secret", MicrosoftAppTenantId=APP_TENANT,
        ASKARSAN_RUN_JOBS="false", ASKARSAN_EMULATOR_TOKENS="false",
    )
    token = sign(emulator_claims(), key="emulator", kid=EMULATOR_KID)
    status, got = await send(client, connector, token, channelId="emulator")
    await assert_refused(client, connector, status, got, allowed=(401,))
    status, _ = await send(client, connector, sign(channel_claims(connector.url)), id="act-2")
    assert status in (200, 201) and len(connector.received) == 1


def test_production_refuses_emulator_tokens_unless_told_otherwise() -> None:
    from bot.settings import Settings

    def settings(**values: str) -> Settings:
        return Settings(_env_file=None, **values)

    assert settings().accepts_emulator_tokens
    assert not settings(ASKARSAN_ENV="production").accepts_emulator_tokens
    assert settings(ASKARSAN_ENV="production", ASKARSAN_EMULATOR_TOKENS="true").accepts_emulator_tokens
    assert not settings(ASKARSAN_EMULATOR_TOKENS="false").accepts_emulator_tokens


async def test_an_unknown_key_id_refreshes_the_keys_once_then_is_refused_with_401(
    auth_client: Any, connector: FakeConnector, openid: OpenIdServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(AsyncOpenIdMetadata, "clock", staticmethod(lambda: now[0]))
    status, _ = await send(auth_client, connector, sign(channel_claims(connector.url)))
    assert status in (200, 201)
    assert openid.jwks_requests() == 1
    connector.received.clear()
    rows = await counts(auth_client)

    status, got = await send(auth_client, connector, sign(channel_claims(connector.url), kid="unknown-1"))
    assert status == 401, got  # not a 500 from the SDK's IndexError
    assert openid.jwks_requests() == 2  # one forced refresh
    # A flood of made-up key ids within 5 minutes fetches nothing more.
    for n in range(20):
        now[0] += 10
        status, _ = await send(auth_client, connector, sign(channel_claims(connector.url), kid=f"bad-{n}"))
        assert status == 401
    assert openid.jwks_requests() == 2
    assert connector.received == [] and await counts(auth_client) == rows
    # After 5 minutes an unknown key may refresh again (once).
    now[0] += 5 * 60
    for n in range(3):
        status, _ = await send(auth_client, connector, sign(channel_claims(connector.url), kid=f"late-{n}"))
        assert status == 401
    assert openid.jwks_requests() == 3


async def test_a_rotated_key_is_picked_up_by_the_forced_refresh(
    auth_client: Any, connector: FakeConnector, openid: OpenIdServer
) -> None:
    status, _ = await send(auth_client, connector, sign(channel_claims(connector.url)))
    assert status in (200, 201)
    private_key("rotated")
    openid.channel_keys = [jwk("rotated", "bf-key-2", ["msteams"])]
    token = sign(channel_claims(connector.url), key="rotated", kid="bf-key-2")
    status, _ = await send(auth_client, connector, token, id="act-2")
    assert status in (200, 201)
    assert openid.jwks_requests() == 2
    assert len(connector.received) == 2


async def test_without_reachable_signing_keys_the_answer_is_503_not_500(
    auth_client: Any, connector: FakeConnector, openid: OpenIdServer
) -> None:
    openid.stop()
    status, got = await send(auth_client, connector, sign(channel_claims(connector.url)))
    assert status == 503, got
    assert connector.received == [] and (await counts(auth_client))["state"] == 0
    openid.start()  # the fixture stops it again
