"""The recruiter's schedule dialog, turn by turn through the SDK's TestAdapter."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity, ActivityTypes, ChannelAccount
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Interview
from tests.helpers.databases import Sessions
from tests.helpers.dialogs import make_adapter, says

GOOD = {
    "action": "request_interview",
    "client_name": "Harry Manager", "client_email": "hm@client.example",
    "client_zone": "Europe/London", "candidate_name": "Asha Candidate",
    "candidate_email": "asha@example.org", "candidate_zone": "Asia/Kolkata",
    "role_title": "Data Engineer", "duration_minutes": "60", "format": "teams",
}






def submit(value: dict[str, Any]) -> Activity:
    return Activity(
        type=ActivityTypes.message, value=value, from_property=ChannelAccount(id="rita", name="Rita")
    )


def card_with(*fragments: str):
    def inspect(activity: Activity, description: str = "") -> None:
        assert activity.attachments, f"expected a card, got {activity.text!r}"
        text = str(activity.attachments[0].content)
        for fragment in fragments:
            assert fragment in text, f"{fragment!r} not on the card"

    return inspect




async def interviews(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Interview)) or 0)


async def test_schedule_shows_the_form_and_a_good_submit_requests_the_interview(sqlite_sessions: Sessions) -> None:
    adapter = make_adapter(sqlite_sessions)
    step = await (await adapter.send("schedule")).assert_reply(card_with("request_interview", "client_email"))
    step = await (await step.send(submit(GOOD))).assert_reply(says("Interview requested", "/chat?t="))
    assert await interviews(sqlite_sessions) == 1


async def test_a_bad_submit_comes_back_with_the_problems_and_the_values_kept(sqlite_sessions: Sessions) -> None:
    adapter = make_adapter(sqlite_sessions)
    bad = {**GOOD, "client_email": "nope", "candidate_zone": "Mars/Olympus"}
    step = await (await adapter.send("schedule")).assert_reply(card_with("request_interview"))
    step = await (await step.send(submit(bad))).assert_reply(says("Almost there", "e-mail", "Nothing was created"))
    step = await step.assert_reply(card_with("Mars/Olympus", "Harry Manager"))
    assert await interviews(sqlite_sessions) == 0
    await (await step.send(submit(GOOD))).assert_reply(says("Interview requested"))
    assert await interviews(sqlite_sessions) == 1


async def test_typing_while_the_form_is_open_asks_again_and_cancel_ends_it(sqlite_sessions: Sessions) -> None:
    adapter = make_adapter(sqlite_sessions)
    step = await (await adapter.send("schedule")).assert_reply(card_with("request_interview"))
    step = await (await step.send("the client is Harry")).assert_reply(says("fill in the form"))
    step = await (await step.send("cancel")).assert_reply(says("Cancelled"))
    await (await step.send("help")).assert_reply(says("schedule"))
    assert await interviews(sqlite_sessions) == 0


async def test_a_form_submitted_after_the_dialog_ended_still_works(sqlite_sessions: Sessions) -> None:
    adapter = make_adapter(sqlite_sessions)
    await (await adapter.send(submit(GOOD))).assert_reply(says("Interview requested"))
    assert await interviews(sqlite_sessions) == 1
