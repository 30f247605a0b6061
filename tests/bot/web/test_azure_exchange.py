"""With DIRECTLINE_SECRET set, the invitation is exchanged with Azure Direct Line for a token:
tested against a loopback fake of `POST /v3/directline/tokens/generate`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.web.chat import AZURE_DIRECTLINE_BASE_URL
from tests.helpers.directline import make_invitation
from tests.helpers.http import call

SECRET = "azure-directline-secret"


@pytest.fixture
async def fake_azure() -> AsyncIterator[dict[str, Any]]:
    state: dict[str, Any] = {"calls": [], "fail": False}

    async def generate(request: web.Request) -> web.Response:
        body = await request.json()
        state["calls"].append({"authorization": request.headers.get("Authorization"), "body": body})
        if state["fail"]:
            return web.json_response({"error": {"code": "ServiceError"}}, status=500)
        if request.headers.get("Authorization") != f"Bearer {SECRET}":
            return web.json_response({"error": {"code": "BadArgument"}}, status=403)
        return web.json_response(
            {"conversationId": "AzConv-123", "token": "azure-token-for-" + body["user"]["id"],
             "expires_in": 3600}
        )

    app = web.Application()
    app.router.add_post("/v3/directline/tokens/generate", generate)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    state["base"] = str(server.make_url("/v3/directline"))
    yield state
    await server.close()


async def test_the_secret_is_exchanged_for_a_per_invitation_token(dl_client: Any, fake_azure: Any) -> None:
    client = await dl_client(chat={"directline_secret": SECRET, "directline_base_url": fake_azure["base"]})
    invite = await make_invitation(client.app)
    status, answer = await call(client, "POST", "/chat/session", None, {"invitation": invite.token})
    assert status == 200, answer
    assert answer == {
        "token": f"azure-token-for-{invite.user_id}",
        "conversationId": "AzConv-123",
        "domain": fake_azure["base"],
        "userId": invite.user_id,
        "expires_in": 3600,
    }
    [sent] = fake_azure["calls"]
    assert sent == {"authorization": f"Bearer {SECRET}", "body": {"user": {"id": invite.user_id}}}


async def test_azure_failing_is_a_502_with_a_reason_and_a_bad_invitation_never_reaches_azure(
    dl_client: Any, fake_azure: Any
) -> None:
    client = await dl_client(chat={"directline_secret": SECRET, "directline_base_url": fake_azure["base"]})
    status, answer = await call(client, "POST", "/chat/session", None, {"invitation": "wrong"})
    assert status == 403
    assert fake_azure["calls"] == []
    fake_azure["fail"] = True
    invite = await make_invitation(client.app)
    status, answer = await call(client, "POST", "/chat/session", None, {"invitation": invite.token})
    assert status == 502 and "not reachable" in answer["error"]


def test_the_default_base_url_is_azures_documented_one() -> None:
    assert AZURE_DIRECTLINE_BASE_URL == "https://directline.botframework.com/v3/directline"
