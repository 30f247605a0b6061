"""The built-in Direct Line channel and the chat page as the tests see them: the real app with both
mounted, real invitation rows in its database, and a session opened as Web Chat opens one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.app import RUNTIME, create_app
from bot.settings import Settings
from scheduling.interview import Role
from services.invitations import create_invitation
from storage.directline import DirectLineActivity
from storage.models import Interview, Party
from tests.helpers.http import call

# The endpoint polls the database often, so that what another instance stored shows quickly.
DIRECTLINE_OPTIONS = {"poll_seconds": 0.2}


def build_app(settings: Settings, **chat: Any) -> web.Application:
    return create_app(settings, directline=DIRECTLINE_OPTIONS, chat=chat)


@dataclass
class Invite:
    token: str
    interview_id: str
    party_id: str
    invitation_id: str

    @property
    def user_id(self) -> str:
        return f"inv-{self.invitation_id}"


async def make_invitation(
    app: web.Application,
    role: Role = Role.CANDIDATE,
    *,
    ttl: timedelta = timedelta(days=7),
    now: datetime | None = None,
) -> Invite:
    """A recruiter, a client, a candidate, an interview and an invitation for one of them."""
    from sqlalchemy import select

    from services.invitations import hash_token
    from storage.models import Invitation

    now = now or datetime.now(UTC)
    sessions = app[RUNTIME].sessions
    async with sessions() as session:
        recruiter = Party(kind="recruiter", display_name="Rita Recruiter", created_at=now)
        client = Party(kind="client", display_name="Carl Client", created_at=now)
        candidate = Party(kind="candidate", display_name="Cleo Candidate", created_at=now)
        session.add_all([recruiter, client, candidate])
        await session.flush()
        interview = Interview(
            role_title="Backend engineer",
            format="teams",
            stage="awaiting_pick",
            recruiter_id=recruiter.id,
            client_id=client.id,
            candidate_id=candidate.id,
            duration_minutes=45,
            rules={},
            requested_at=now,
            stage_changed_at=now,
        )
        session.add(interview)
        await session.flush()
        party = candidate if role is Role.CANDIDATE else client
        token = await create_invitation(
            session, interview_id=interview.id, party_id=party.id, role=role, now=now, ttl=ttl
        )
        await session.commit()
        invitation = await session.scalar(
            select(Invitation).where(Invitation.token_hash == hash_token(token))
        )
        assert invitation is not None
        return Invite(token, interview.id, party.id, invitation.id)


async def open_session(client: TestClient, invite: Invite) -> dict[str, Any]:
    response = await client.post("/chat/session", json={"invitation": invite.token})
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def wait_for(
    predicate: Callable[[], Any], *, timeout: float = 10.0, interval: float = 0.05
) -> Any:
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for a condition")
        await asyncio.sleep(interval)


async def frames_until(
    ws: aiohttp.ClientWebSocketResponse, done: Any, timeout: float = 10.0
) -> list[dict[str, Any]]:
    """Read frames until `done(activities so far)` holds; returns every activity received."""
    received: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while not done(received):
            message = await ws.receive()
            assert message.type == aiohttp.WSMsgType.TEXT, message
            if not message.data:
                continue  # keep-alive
            frame = json.loads(message.data)
            assert set(frame) == {"activities", "watermark"}
            received.extend(frame["activities"])
    return received


async def start_session(client: TestClient, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
    invite = await make_invitation(client.app, **kwargs)
    session = await open_session(client, invite)
    status, started = await call(client, "POST", "/v3/directline/conversations", session["token"])
    assert status in (200, 201), started
    session["streamUrl"] = started["streamUrl"]
    return invite, session


async def user_rows(client: TestClient, conversation_id: str | None = None) -> int:
    """How many user activities are stored (in one conversation, when given)."""
    query = select(func.count()).select_from(DirectLineActivity).where(DirectLineActivity.sender == "user")
    if conversation_id is not None:
        query = query.where(DirectLineActivity.conversation_id == conversation_id)
    async with client.app[RUNTIME].sessions() as session:
        count = await session.scalar(query)
    return int(count or 0)
