"""The chat page (bot/web/chat.py): opening an invitation link changes nothing, a wrong or expired
invitation is refused with a reason, a flood of failed exchanges gets 429, and Web Chat's bundle is
served from node_modules or its absence explained."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.app import RUNTIME
from scheduling.interview import Role
from storage.directline import DirectLineConversation
from tests.helpers.directline import make_invitation, open_session
from tests.helpers.http import call


async def test_get_chat_changes_nothing_and_a_wrong_invitation_is_refused_with_a_reason(
    dl_client: Any,
) -> None:
    client = await dl_client()
    invite = await make_invitation(client.app, Role.CLIENT)
    response = await client.get(f"/chat?t={invite.token}")
    assert response.status == 200
    page = await response.text()
    assert "askARSAN" in page and "/static/vendor/webchat.js" in page
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert invite.token not in page  # the page reads its token from the URL, never echoes it
    async with client.app[RUNTIME].sessions() as db:
        assert await db.scalar(select(func.count()).select_from(DirectLineConversation)) == 0

    status, answer = await call(client, "POST", "/chat/session", None, {"invitation": "nope"})
    assert status == 403 and "not valid" in answer["error"]
    expired = await make_invitation(
        client.app, ttl=timedelta(hours=1), now=datetime.now(UTC) - timedelta(hours=2)
    )
    status, answer = await call(client, "POST", "/chat/session", None, {"invitation": expired.token})
    assert status == 403 and "expired" in answer["error"]
    status, answer = await call(client, "POST", "/chat/session", None, "not json")
    assert status == 400

    first = await open_session(client, invite)
    again = await open_session(client, invite)
    assert first["conversationId"] == again["conversationId"]  # reopening the link resumes
    assert first["userId"] == invite.user_id


async def test_a_flood_of_failed_exchanges_gets_429(dl_client: Any) -> None:
    client = await dl_client()
    invite = await make_invitation(client.app)
    for attempt in range(10):
        status, _ = await call(client, "POST", "/chat/session", None, {"invitation": f"guess-{attempt}"})
        assert status == 403
    response = await client.post("/chat/session", json={"invitation": invite.token})
    assert response.status == 429  # even a right token, until the minute has passed
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many" in (await response.json())["error"]
    async with client.app[RUNTIME].sessions() as db:
        assert await db.scalar(select(func.count()).select_from(DirectLineConversation)) == 0


async def test_the_page_says_how_to_install_web_chat_when_the_bundle_is_missing(
    dl_client: Any, tmp_path: Any
) -> None:
    client = await dl_client(chat={"bundle": tmp_path / "missing" / "webchat.js"})
    response = await client.get("/chat?t=whatever")
    page = await response.text()
    assert response.status == 200
    assert "make install" in page and "Node.js" in page
    assert (await client.get("/static/vendor/webchat.js")).status == 404


async def test_the_bundle_is_served_from_node_modules(dl_client: Any, tmp_path: Any) -> None:
    bundle = tmp_path / "webchat.js"
    bundle.write_text("window.WebChat = {};")
    client = await dl_client(chat={"bundle": bundle})
    response = await client.get("/static/vendor/webchat.js")
    assert response.status == 200
    assert "javascript" in response.headers["Content-Type"]
    assert await response.text() == "window.WebChat = {};"
