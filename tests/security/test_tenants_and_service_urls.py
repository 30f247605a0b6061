"""Only the configured Teams tenants are served (and a dropped activity is logged with ids only);
the bot's token only ever goes to allow-listed service URLs, also from a tampered stored
conversation reference, and the allow-list reads a URL the way the HTTP client will."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from urllib3.util import parse_url

from bot.app import RUNTIME
from bot.dev.loopback import FakeConnector
from bot.framework.adapter import ServiceUrlPolicy
from bot.settings import DEFAULT_TRUSTED_SERVICE_HOSTS
from integrations.errors import PermanentError
from tests.helpers.activities import activity
from tests.helpers.bot_tokens import FakeMsal, channel_claims, sign
from tests.helpers.http import counts, post

PERSONAL = ("Alice Secretname", "alice.secretname@example.com", "Secretname")


async def test_a_dropped_activity_from_another_tenant_is_logged_with_ids_only(
    app_client: Any, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    client = await app_client(ASKARSAN_ALLOWED_TENANTS="tenant-ours")
    caplog.set_level(logging.DEBUG)
    body = activity(
        connector.url,
        id="act-foreign",
        text=f"hello, I am {PERSONAL[0]} <{PERSONAL[1]}>",
        channelData={"tenant": {"id": "tenant-other"}},
        conversation={"id": "conv-x", "tenantId": "tenant-other", "name": PERSONAL[0]},
        **{"from": {"id": "29:alice", "name": PERSONAL[0], "aadObjectId": "aad-alice"}},
    )
    status, _ = await post(client, body)
    assert status in (200, 201)
    assert connector.received == [] and (await counts(client))["state"] == 0
    [dropped] = [r for r in caplog.records if "tenant" in r.getMessage()]
    assert dropped.levelno == logging.WARNING
    assert dropped.__dict__["activity_id"] == "act-foreign"
    assert dropped.__dict__["tenant_id"] == "tenant-other"
    for record in caplog.records:
        everything = record.getMessage() + " " + " ".join(repr(v) for v in record.__dict__.values())
        for secret in PERSONAL:
            assert secret not in everything, (record.name, record.getMessage())


async def test_an_activity_from_an_unknown_tenant_is_dropped_even_with_a_valid_token(
    app_client: Any, connector: FakeConnector, openid: Any, fake_msal: FakeMsal
) -> None:
    from tests.helpers.bot_tokens import APP_ID, APP_TENANT

    client = await app_client(
        MicrosoftAppId=APP_ID, MicrosoftAppPassword="s", MicrosoftAppTenantId=APP_TENANT,
        ASKARSAN_ALLOWED_TENANTS="tenant-ours", ASKARSAN_RUN_JOBS="false",
    )
    token = sign(channel_claims(connector.url))
    for data in ({"tenant": {"id": "tenant-other"}}, None, {"tenant": "tenant-ours"}, {"tenant": {"id": ""}}):
        status, _ = await post(client, activity(connector.url, channelData=data), Authorization=f"Bearer {token}")
        assert status in (200, 201)
    assert connector.received == [] and fake_msal.calls == []
    status, _ = await post(
        client, activity(connector.url, channelData={"tenant": {"id": "TENANT-OURS"}}),
        Authorization=f"Bearer {token}",
    )
    assert status in (200, 201) and len(connector.received) == 1


def tampered_urls(attacker: FakeConnector) -> list[str]:
    port = attacker.url.rsplit(":", 1)[1].rstrip("/")
    return [
        "https://attacker.example.net/",
        f"http://127.1:{port}/",  # the attacker on loopback, under a name that is not "loopback"
        f"http://0x7f000001:{port}/",
        "https://attacker.example.net\\@smba.trafficmanager.net/",  # requests goes to attacker
        "https://smba.trafficmanager.net@attacker.example.net/",
        "https://smba.trafficmanager.net.attacker.example.net/",
        "https://attacker.example.net/#@smba.trafficmanager.net/",
        "http://smba.trafficmanager.net/",  # plain http: the token would travel in clear
        "https://smba.trafficmanager.net%2eattacker.example.net/",
        "javascript:alert(1)//smba.trafficmanager.net/",
        "",
    ]


async def test_a_tampered_conversation_reference_never_gets_the_bots_token(
    app_client: Any, connector: FakeConnector, fake_msal: FakeMsal
) -> None:
    from tests.helpers.bot_tokens import APP_ID, APP_TENANT

    attacker = await FakeConnector().start()
    try:
        client = await app_client(
            MicrosoftAppId=APP_ID, MicrosoftAppPassword="s", MicrosoftAppTenantId=APP_TENANT,
            ASKARSAN_RUN_JOBS="false",
        )
        messenger = client.app[RUNTIME].messenger
        for url in tampered_urls(attacker):
            reference = {
                "serviceUrl": url, "channelId": "msteams", "conversation": {"id": "conv-t"},
                "bot": {"id": "28:bot"}, "user": {"id": "29:user"},
            }
            with pytest.raises(PermanentError):
                await messenger.send(reference, {"type": "message", "text": "hi"})
        assert attacker.received == []
        assert fake_msal.calls == []  # no token was even minted for them
        # Control: the same path to the allow-listed connector carries the token, so a leak
        # would have been seen.
        reference = {
            "serviceUrl": connector.url, "channelId": "msteams", "conversation": {"id": "conv-t"},
            "bot": {"id": "28:bot"}, "user": {"id": "29:user"},
        }
        await messenger.send(reference, {"type": "message", "text": "hi"})
        [sent] = connector.received
        assert sent.authorization == "Bearer tok-1"
        assert attacker.received == []
    finally:
        await attacker.close()


POLICY = ServiceUrlPolicy(list(DEFAULT_TRUSTED_SERVICE_HOSTS), allow_loopback=False)
TRUSTED = ["smba.trafficmanager.net", "europe.webchat.botframework.com", "directline.botframework.com"]
pieces = st.sampled_from(
    ["https://", "http://", "//", "@", "\\", "/", "#", "?", ":", ":443", "%40", "%2e", ".", "evil.example",
     "attacker.net", "\t", "\n", " ", "[::1]", "127.0.0.1", "smba.trafficmanager.net", "botframework.com",
     "x.botframework.com", "user:pass@", "\u3002", "ｅvil", "\x00", "%00", "javascript:", "@@"]
) | st.text(max_size=6)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(parts=st.lists(pieces, min_size=1, max_size=8), trusted=st.sampled_from(TRUSTED))
def test_an_allowed_service_url_is_sent_to_an_allowed_host(parts: list[str], trusted: str) -> None:
    for url in ("".join(parts), f"https://{trusted}/" + "".join(parts), f"https://{''.join(parts)}{trusted}/"):
        if not POLICY.is_allowed(url):
            continue
        # What requests (msrest's sender) will connect to must itself be allowed.
        try:
            prepared = requests.Request("POST", url.rstrip("/") + "/v3/conversations/c/activities").prepare()
        except requests.exceptions.RequestException:
            continue  # requests refuses to send it at all
        host = (parse_url(prepared.url).host or "").lower()
        assert POLICY.is_allowed(f"https://{host}/"), (url, prepared.url)
        assert prepared.url.startswith("https://")


def test_configured_service_hosts_are_added_to_microsofts_never_replacing_them(
    make_settings: Any,
) -> None:
    from bot.framework.adapter import create_adapter

    adapter = create_adapter(
        make_settings(ASKARSAN_ENV="local", ASKARSAN_TRUSTED_SERVICE_HOSTS="bots.agency.example")
    )
    policy = adapter.auth.policy
    assert policy.is_allowed("https://bots.agency.example/teams/")
    assert policy.is_allowed("https://smba.trafficmanager.net/emea/")
    assert policy.is_allowed("https://directline.botframework.com/")
    assert not policy.is_allowed("https://evil.example/")
