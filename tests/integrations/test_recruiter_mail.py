"""A recruiter askARSAN cannot reach in Teams still hears about their interviews: by e-mail, with the
interview's facts and the tracker link; one it reaches in Teams gets the card and no mail.

The real runtime (``build_runtime``), job runner and handlers; mail in memory; the Teams reference
points at the loopback connector, which takes the card."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import update

from bot.app import build_runtime
from bot.dev.loopback import FakeConnector
from bot.settings import Settings
from integrations.mail import MemoryMail
from storage.migrate import migrate
from storage.models import Interview, Party
from tests.helpers.clock import Clock
from tests.helpers.interviews import NOW, booked
from tests.helpers.jobs import run_jobs

RECRUITER = "rita@agency.example"


@pytest.mark.parametrize("in_teams", [False, True], ids=["no-teams", "teams"])
async def test_a_recruiter_outside_teams_gets_the_update_by_mail(
    in_teams: bool, make_settings: Callable[..., Settings], connector: FakeConnector
) -> None:
    mail = MemoryMail(sender="askarsan@agency.example")
    runtime = build_runtime(make_settings(), mail=mail, clock=Clock(NOW))
    await migrate(runtime.engine)
    try:
        sessions = runtime.sessions
        if in_teams:
            reference = {
                "channelId": "msteams", "serviceUrl": connector.url,
                "conversation": {"id": "a:rita-1to1"}, "user": {"id": "29:rita"},
                "bot": {"id": "28:bot"},
            }
            p = await booked(sessions)
            async with sessions.begin() as session:
                interview = await session.get_one(Interview, p.interview_id)
                await session.execute(
                    update(Party).where(Party.id == interview.recruiter_id)
                    .values(conversation_reference={"teams": reference})
                )
        else:
            p = await booked(sessions)
        await run_jobs(runtime.runner)
    finally:
        await runtime.engine.dispose()

    to_rita = mail.to(RECRUITER)
    if in_teams:
        # No update by mail; only the interview and the follow-up hold for Rita's own calendar
        # (tests/services/test_recruiter_calendar.py), which Teams cannot put there.
        assert [m.subject for m in to_rita if not m.subject.startswith("For your calendar")] == []
        assert any(r.conversation_id == "a:rita-1to1" for r in connector.received)  # the card went
        return
    booked_note = [m for m in to_rita if "booked" in m.subject.lower()]
    assert len(booked_note) == 1, [m.subject for m in to_rita]
    message = booked_note[0]
    assert message.subject == "Interview booked · Asha Candidate, Data Engineer"
    for text in (message.text, message.html):
        assert "Asha" in text and "Harry" in text and "Wed 25 Nov 2026" in text
        assert f"/tracker/interviews/{p.interview_id}" in text
        assert "cannot reach you in Teams" in text
    assert "on behalf of" not in message.text + message.html  # it is to the recruiter, not from them
