"""Fetching signing keys and the bot's own token never stalls the event loop: while the metadata
endpoint (or Azure AD) takes a second, /healthz is answered. We assert on the order of events --
/healthz answered before the slow dependency answered -- not on timings. (With the stock SDK the
loop stands still until the slow answer arrives, so /healthz can only complete after it.)"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from bot.dev.loopback import FakeConnector
from tests.helpers.activities import activity
from tests.helpers.bot_tokens import FakeMsal, OpenIdServer, channel_claims, sign
from tests.helpers.http import post


async def _race(
    client: Any, slow_started: threading.Event, done: list[str], body: dict[str, Any], token: str
) -> list[str]:
    async def message() -> int:
        status, _ = await post(client, body, Authorization=f"Bearer {token}")
        done.append("messages")
        return status

    task = asyncio.create_task(message())
    # Wait (off the loop) until the slow dependency has been reached, then ask for /healthz.
    assert await asyncio.to_thread(slow_started.wait, 10)
    response = await client.get("/healthz")
    assert response.status == 200
    done.append("healthz")
    assert await task in (200, 201)
    return done


async def test_a_slow_jwks_endpoint_does_not_block_other_requests(
    auth_client: Any, connector: FakeConnector, openid: OpenIdServer
) -> None:
    openid.jwks_delay = 1.0
    token = sign(channel_claims(connector.url))
    order = await _race(auth_client, openid.jwks_started, openid.timeline, activity(connector.url), token)
    assert order == ["healthz", "jwks-served", "messages"]
    assert len(connector.received) == 1


async def test_a_slow_token_endpoint_does_not_block_other_requests(
    auth_client: Any, connector: FakeConnector, openid: OpenIdServer, fake_msal: FakeMsal
) -> None:
    # Warm the signing keys and the connector client first, so only MSAL is slow.
    status, _ = await post(auth_client, activity(connector.url), Authorization=f"Bearer {sign(channel_claims(connector.url))}")
    assert status in (200, 201)
    assert len(fake_msal.calls) == 1
    assert fake_msal.calls[0]["thread"] != threading.get_ident()  # MSAL ran in a worker thread
    # Let the cached token go stale, and make Azure AD slow.
    for creds in _credentials(auth_client):
        creds.__dict__.pop("_askarsan_token", None)
    fake_msal.delay, fake_msal.started = 1.0, threading.Event()
    token = sign(channel_claims(connector.url))
    order = await _race(
        auth_client, fake_msal.started, fake_msal.timeline, activity(connector.url, id="act-2"), token
    )
    assert order == ["healthz", "token-issued", "messages"]
    assert len(fake_msal.calls) == 2 and fake_msal.calls[1]["thread"] != threading.get_ident()
    assert connector.received[-1].authorization == "Bearer tok-2"


async def test_the_bots_token_is_reused_not_fetched_per_reply(
    auth_client: Any, connector: FakeConnector, fake_msal: FakeMsal
) -> None:
    for n in range(5):
        token = sign(channel_claims(connector.url))
        status, _ = await post(auth_client, activity(connector.url, id=f"act-{n}"), Authorization=f"Bearer {token}")
        assert status in (200, 201)
    assert len(fake_msal.calls) == 1
    assert {r.authorization for r in connector.received} == {"Bearer tok-1"}


def _credentials(client: Any) -> list[Any]:
    from bot.app import RUNTIME

    return [c.config.credentials for c in client.app[RUNTIME].adapter.auth.connectors.values()]
