"""Migration 0009 moves each party's one stored web chat to the interview its chat is bound to
(the chat user is `inv-<invitation id>`), keeps their Teams reference where it was, and drops a
chat whose invitation is not theirs; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from storage.db import create_engine, session_factory
from storage.migrate import migrate
from storage.models import Interview, Invitation, Party, WebChatReference
from tests.helpers.databases import DATABASES, database

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
TEAMS = {"channelId": "msteams", "conversation": {"id": "a:teams-1"}, "user": {"id": "29:harry"}}


def chat(conversation: str, user: str) -> dict[str, object]:
    return {"channelId": "directline", "conversation": {"id": conversation}, "user": {"id": user},
            "serviceUrl": "http://localhost:3978/"}


@pytest.fixture(params=DATABASES)
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with database(request.param, tmp_path) as value:
        yield value


async def test_a_stored_web_chat_moves_to_the_interview_of_its_invitation(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine, "0008")
        async with engine.begin() as connection:
            people = [
                {"id": "harry", "kind": "client", "display_name": "Harry", "timezone": "Europe/London",
                 "created_at": NOW, "conversation_reference": None},
                {"id": "asha", "kind": "candidate", "display_name": "Asha", "timezone": "Asia/Kolkata",
                 "created_at": NOW, "conversation_reference": None},
                {"id": "rita", "kind": "recruiter", "display_name": "Rita", "timezone": "UTC",
                 "created_at": NOW, "conversation_reference": None},
            ]
            await connection.execute(insert(Party.__table__), people)
            await connection.execute(insert(Interview.__table__), [{
                "id": "iv-2", "role_title": "Data Engineer", "format": "teams", "stage": "awaiting_slots",
                "recruiter_id": "rita", "client_id": "harry", "candidate_id": "asha", "duration_minutes": 60,
                "rules": {}, "requested_at": NOW, "stage_changed_at": NOW, "round": 1, "ics_sequence": 0,
                "reschedule_count": 0, "version": 1,
            }])
            await connection.execute(insert(Invitation.__table__), [
                {"id": inv, "interview_id": "iv-2", "party_id": party, "role": role,
                 "token_hash": inv.ljust(64, "0"), "expires_at": NOW + timedelta(days=30), "created_at": NOW}
                for inv, party, role in (("inv0harry", "harry", "client"), ("inv0asha", "asha", "candidate"))
            ])
            # Harry: Teams and the chat of his invitation. Asha: a chat bound to Harry's invitation
            # (not hers: it could only ever reach the wrong person), so it is dropped.
            for party, refs in (
                ("harry", {"teams": TEAMS, "webchat": chat("dl-harry", "inv-inv0harry")}),
                ("asha", {"webchat": chat("dl-other", "inv-inv0harry")}),
            ):
                await connection.execute(
                    Party.__table__.update().where(Party.id == party).values(conversation_reference=refs)
                )

        await migrate(engine)

        async with session_factory(engine)() as session:
            rows = list(await session.scalars(select(WebChatReference)))
            harry = await session.get_one(Party, "harry")
            asha = await session.get_one(Party, "asha")
        assert [(r.interview_id, r.party_id, r.reference["conversation"]["id"]) for r in rows] == [
            ("iv-2", "harry", "dl-harry")
        ]
        assert harry.conversation_reference == {"teams": TEAMS}
        assert asha.conversation_reference is None
    finally:
        await engine.dispose()
