"""Co-recruiters in the recruiter's schedule form: an optional, comma-separated list of e-mail
addresses, checked with a clear message; a recruiter we know keeps the name our records have."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity, ActivityTypes, ChannelAccount
from sqlalchemy import select

from services.hosts import interviewers
from storage.models import Interview, Party
from tests.helpers.databases import Sessions
from tests.helpers.dialogs import make_adapter, says
from tests.helpers.interviews import NOW
from tests.helpers.teams import SAM, recruiter, recruiters_of

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


async def test_the_form_takes_co_recruiters_by_address_and_keeps_known_names(sqlite_sessions: Sessions) -> None:
    sam = await recruiter(sqlite_sessions, SAM, NOW)
    adapter = make_adapter(sqlite_sessions)
    step = await (await adapter.send("schedule")).assert_reply(card_with("co_recruiters", "Co-recruiters"))
    value = {**GOOD, "co_recruiters": " SAM@agency.example, lee@agency.example;sam@agency.example "}
    await (await step.send(submit(value))).assert_reply(says("Interview requested"))
    async with sqlite_sessions() as session:
        iid = await session.scalar(select(Interview.id))
    assert iid is not None
    _, co = await recruiters_of(sqlite_sessions, iid)
    async with sqlite_sessions() as session:
        names = {p.id: (p.display_name, p.email, p.timezone) for p in await session.scalars(select(Party))}
    assert sam in co and len(co) == 2  # Sam once, however often he was typed
    assert names[sam] == ("Sam Second", "sam@agency.example", "America/New_York")  # unchanged
    [lee] = [p for p in co if p != sam]
    assert names[lee][:2] == ("lee@agency.example", "lee@agency.example")


async def test_an_address_that_is_not_one_comes_back_with_a_clear_message(sqlite_sessions: Sessions) -> None:
    adapter = make_adapter(sqlite_sessions)
    step = await (await adapter.send("schedule")).assert_reply(card_with("request_interview"))
    step = await (await step.send(submit({**GOOD, "co_recruiters": "sam@agency.example, lee at agency"}))).assert_reply(
        says("Almost there", "lee at agency is not an e-mail address", "separated by commas", "Nothing was created")
    )
    await step.assert_reply(card_with("lee at agency", "Harry Manager"))
    async with sqlite_sessions() as session:
        assert await session.scalar(select(Interview.id)) is None


async def test_the_form_takes_a_panel_one_interviewer_per_line(sqlite_sessions: Sessions) -> None:
    adapter = make_adapter(sqlite_sessions)
    step = await (await adapter.send("schedule")).assert_reply(card_with("Other interviewers"))
    panel = "Sam Lee, Sam@Client.example, America/New_York\n\n Priya Rao , priya@client.example, Asia/Kolkata, optional "
    await (await step.send(submit({**GOOD, "panel": panel}))).assert_reply(says("Interview requested"))
    async with sqlite_sessions() as session:
        interview = await session.scalar(select(Interview))
        assert interview is not None
        seated = [(i.name, i.email, i.zone, i.required) for i in await interviewers(session, interview)]
    assert seated == [
        ("Harry Manager", "hm@client.example", "Europe/London", True),
        ("Sam Lee", "sam@client.example", "America/New_York", True),
        ("Priya Rao", "priya@client.example", "Asia/Kolkata", False),
    ]


async def test_a_panel_line_that_cannot_be_read_comes_back_saying_which_and_how(sqlite_sessions: Sessions) -> None:
    adapter = make_adapter(sqlite_sessions)
    step = await (await adapter.send("schedule")).assert_reply(card_with("request_interview"))
    panel = "Sam Lee, sam@client.example, America/New_York\nPriya Rao, priya@client.example, Mars/Olympus"
    step = await (await step.send(submit({**GOOD, "panel": panel}))).assert_reply(
        says("Almost there", "line 2", "Nothing was created")
    )
    await step.assert_reply(card_with("Other interviewers: line 2", "name, e-mail, time zone", "Mars/Olympus"))
    # The service's own check (the client's address twice) lands on the panel box too.
    step = await (await step.send(submit({**GOOD, "panel": "Harry Again, hm@client.example, UTC"}))).assert_reply(
        says("Almost there")
    )
    await step.assert_reply(card_with("Other interviewers: line 1", "already on the panel"))
    async with sqlite_sessions() as session:
        assert await session.scalar(select(Interview.id)) is None
