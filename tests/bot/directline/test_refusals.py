"""The Direct Line endpoint refuses what it must: wrong, expired, tampered and misused tokens;
unknown conversations; bad bodies: the right 4xx, nothing stored. (The chat page's own refusals
are in tests/bot/web/test_chat.py.)"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from bot.app import RUNTIME
from bot.directline.server import DIRECTLINE
from storage.directline import DirectLineActivity
from storage.models import Invitation
from tests.helpers.directline import start_session, user_rows
from tests.helpers.http import call


def tamper(token: str) -> str:
    head, body, signature = token.split(".")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    return f"{head}.{flipped}.{signature}"


async def test_tokens_that_must_not_work_get_403(dl_client: Any) -> None:
    client = await dl_client()
    _, session = await start_session(client)
    _, other = await start_session(client)
    cid = session["conversationId"]
    service = client.app[DIRECTLINE]
    expired = service.signer.issue(
        "conversation", conversation_id=cid, invitation_id="x", user_id="inv-x",
        ttl_seconds=60, now=time.time() - 3600,
    )
    stream_token = session["streamUrl"].split("t=")[1].split("&")[0]
    cases = {
        "none": None,
        "garbage": "not-a-token",
        "tampered": tamper(session["token"]),
        "expired": expired,
        "another conversation's": other["token"],
        "a stream token": stream_token,
    }
    paths = [
        ("GET", f"/v3/directline/conversations/{cid}"),
        ("GET", f"/v3/directline/conversations/{cid}/activities"),
        ("POST", f"/v3/directline/conversations/{cid}/activities"),
    ]
    for name, token in cases.items():
        for method, path in paths:
            body = {"type": "message", "text": "hi"} if method == "POST" else None
            status, answer = await call(client, method, path, token, body)
            assert status == 403, (name, method, path, answer)
            assert answer["error"]
        if name != "another conversation's":
            status, _ = await call(client, "POST", "/v3/directline/tokens/refresh", token)
            assert status == 403, name
    assert await user_rows(client) == 0


async def test_an_unknown_conversation_is_404(dl_client: Any) -> None:
    client = await dl_client()
    invite, session = await start_session(client)
    service = client.app[DIRECTLINE]
    ghost = service.conversation_token("no-such-conversation", invite.invitation_id, invite.user_id)
    for method, path in [
        ("GET", "/v3/directline/conversations/no-such-conversation"),
        ("GET", "/v3/directline/conversations/no-such-conversation/activities"),
        ("POST", "/v3/directline/conversations"),
    ]:
        status, answer = await call(client, method, path, ghost)
        assert status == 404, (method, path, answer)
    stream = service.signer.issue("stream", conversation_id="no-such-conversation", ttl_seconds=60)
    response = await client.get(f"/v3/directline/conversations/no-such-conversation/stream?t={stream}")
    assert response.status == 404
    response = await client.get(
        f"/v3/directline/conversations/{session['conversationId']}/stream?t={tamper(stream)}"
    )
    assert response.status == 403


async def test_a_revoked_invitation_ends_the_chat_and_refresh(dl_client: Any) -> None:
    client = await dl_client()
    invite, session = await start_session(client)
    cid = session["conversationId"]
    status, fresh = await call(client, "POST", "/v3/directline/tokens/refresh", session["token"])
    assert status == 200 and fresh["token"] != session["token"] and fresh["expires_in"] > 0
    status, _ = await call(client, "GET", f"/v3/directline/conversations/{cid}/activities", fresh["token"])
    assert status == 200
    async with client.app[RUNTIME].sessions() as db:
        await db.execute(
            update(Invitation).where(Invitation.id == invite.invitation_id).values(
                revoked_at=datetime.now(UTC)
            )
        )
        await db.commit()
    for token in (session["token"], fresh["token"]):
        status, answer = await call(client, "POST", "/v3/directline/tokens/refresh", token)
        assert status == 403 and "withdrawn" in answer["error"]
        status, _ = await call(
            client, "POST", f"/v3/directline/conversations/{cid}/activities", token,
            {"type": "message", "text": "still there?"},
        )
        assert status == 403
    assert await user_rows(client) == 0


@pytest.mark.parametrize(
    ("body", "headers", "status", "reason"),
    [
        ("not json", {}, 400, "not valid JSON"),
        ("[1, 2]", {}, 400, "JSON object"),
        ('{"type": "message", "text": NaN}', {}, 400, "not valid JSON"),
        ('{"text": "hi"}', {}, 400, "activity type"),
        ('{"type": "conversationUpdate"}', {}, 400, "activity type"),
        ('{"type": "message", "text": 5}', {}, 400, "text"),
        ('{"type": "message", "channelData": [1]}', {}, 400, "channelData"),
        ('{"type": "message", "attachments": [{"contentType": "image/png"}]}', {}, 400, "attachments"),
        ('{"type": "message", "text": "a\\u0000b"}', {}, 400, "invalid characters"),
        ('{"type": "message", "text": "\\ud800"}', {}, 400, "invalid characters"),
        ('{"type": "message"}', {"Content-Type": "text/plain"}, 415, "Content-Type"),
        (json.dumps({"type": "message", "text": "x" * 100_000}), {}, 413, "too large"),
        (json.dumps({"type": "message", "text": "x" * 30_000}), {}, 400, "longer than"),
    ],
)
async def test_bad_bodies_get_a_4xx_and_store_nothing(
    dl_client: Any, body: str, headers: dict[str, str], status: int, reason: str
) -> None:
    client = await dl_client()
    _, session = await start_session(client)
    cid = session["conversationId"]
    got, answer = await call(
        client, "POST", f"/v3/directline/conversations/{cid}/activities", session["token"],
        body, headers={"Content-Type": "application/json", **headers},
    )
    assert got == status, answer
    assert reason in answer["error"]
    assert await user_rows(client) == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
activity_like = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["message", "event", "typing", "invoke", "", "conversationUpdate"]) | json_values,
        "text": st.text(max_size=50) | json_values,
        "value": json_values,
        "channelData": st.dictionaries(st.text(max_size=10), json_values, max_size=3) | json_values,
        "from": json_values,
        "entities": json_values,
        "attachments": json_values,
        "locale": json_values,
        "name": json_values,
        "conversation": json_values,
        "id": json_values,
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=activity_like | json_values | st.binary(max_size=200))
async def test_fuzzed_activities_never_500_and_store_all_or_nothing(dl_client: Any, body: Any) -> None:
    client = await dl_client()
    _, session = await start_session(client)
    cid = session["conversationId"]
    data = body if isinstance(body, bytes) else json.dumps(body)
    status, answer = await call(
        client, "POST", f"/v3/directline/conversations/{cid}/activities", session["token"], data,
    )
    assert status in (200, 400, 413, 415), (status, answer)
    if status == 200:
        assert answer["id"].startswith(cid + "|")
        assert await user_rows(client, cid) == 1
        async with client.app[RUNTIME].sessions() as db:
            stored = await db.scalar(
                select(DirectLineActivity.body).where(DirectLineActivity.activity_id == answer["id"])
            )
        assert stored["from"] == {"id": session["userId"], "role": "user"}
        assert stored["conversation"] == {"id": cid}
    else:
        assert isinstance(answer, dict) and answer["error"]
        assert await user_rows(client, cid) == 0
    await client.app[DIRECTLINE].drain()
    await client.close()
