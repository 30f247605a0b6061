"""Typing to askARSAN through the real app: a client or candidate in web chat types a request
("when is my interview?", "I can't make it", "cancel", "help", or anything else) and gets an
answer in the interview's state; the recruiter's commands in Teams/the Emulator keep working.
Booked: Wednesday 10:00–11:00 UTC, the candidate in Asia/Kolkata, the client in Europe/London."""

from __future__ import annotations

import json
from datetime import time, timedelta
from typing import Any

from bot.dev.loopback import FakeConnector
from scheduling.intervals import Interval
from scheduling.interview import Stage
from scheduling.rules import SlotRequest
from scheduling.zones import format_local_range
from services.changes import reschedule_interview
from services.scheduling import offer_slots
from storage.models import Interview
from tests.helpers.activities import sent_cards
from tests.helpers.cards import submits
from tests.helpers.interviews import ENDS, NOW, STARTS, WEDNESDAY
from tests.helpers.journeys import Journey, start

BOOKED = Interval(STARTS, ENDS)


async def types(j: Journey, conversation: str, user: str, text: str, channel: str = "directline") -> list[dict[str, Any]]:
    """What the bot answers to ``text``: the activities it sent to the conversation for this turn."""
    before = len(j.connector.activities(conversation))
    await j.say(conversation, user, channel=channel, text=text)
    return j.connector.activities(conversation)[before:]


def texts_of(answer: list[dict[str, Any]]) -> str:
    return "\n".join(a.get("text") or "" for a in answer)


def cards_of(answer: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        a["content"] for activity in answer for a in activity.get("attachments") or []
        if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
    ]


async def stage_of(j: Journey, interview_id: str) -> str:
    async with j.runtime.sessions() as session:
        return str((await session.get_one(Interview, interview_id)).stage)


async def test_gibberish_gets_didnt_catch_that_with_what_can_be_said_and_clicked(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector)
    answer = await types(j, "cand-chat", j.candidate_user, "asdf qwer")
    said = texts_of(answer)
    assert answer[0]["text"].startswith("Sorry, I didn't catch that.")
    for option in ("**when is my interview?**", "**reschedule**", "**cancel**", "**help**",
                   "**Reschedule** or **Cancel**"):
        assert option in said
    # The explanation comes first; the confirmation card it names follows it.
    assert [c for c in cards_of(answer) if "reschedule" in json.dumps(c)]
    assert await stage_of(j, p.interview_id) == Stage.SCHEDULED


async def test_when_is_my_interview_answers_in_the_readers_own_zone(
    app_client: Any, connector: FakeConnector
) -> None:
    j, _ = await start(app_client, connector)
    candidate = texts_of(await types(j, "cand-chat", j.candidate_user, "When is my interview?"))
    assert format_local_range(BOOKED, "Asia/Kolkata") in candidate
    assert candidate.startswith("Your **") and "is booked for" in candidate
    client = texts_of(await types(j, "client-chat", j.client_user, "what time is it booked for?"))
    assert format_local_range(BOOKED, "Europe/London") in client
    spanish = texts_of(await types(j, "cand-chat", j.candidate_user, "¿Cuándo es mi entrevista?"))
    assert format_local_range(BOOKED, "Asia/Kolkata") in spanish


async def test_i_cant_make_it_starts_the_same_reschedule_as_the_button(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector)
    iid = p.interview_id
    [typed_form] = cards_of(await types(j, "cand-chat", j.candidate_user, "I can't make it"))
    assert await stage_of(j, iid) == Stage.SCHEDULED  # a typed word alone changes nothing

    confirmation = next(c for c in sent_cards(connector, "cand-chat") if "reschedule" in json.dumps(c))
    [button] = [d for d in submits(confirmation) if d["action"] == "reschedule"]
    await j.say("cand-chat", j.candidate_user, value=button)
    assert j.cards("cand-chat")[-1] == typed_form  # the same form, the same way in

    [confirm] = [d for d in submits(typed_form) if d["action"] == "reschedule"]
    await j.say("cand-chat", j.candidate_user, value={**confirm, "reason": "Travelling; Thursday works"})
    assert j.texts("cand-chat")[-1].startswith("Done: the old time is released")
    assert await stage_of(j, iid) == Stage.AWAITING_SLOTS

    # Nothing booked now: "when" says what is awaited, "reschedule" why there is nothing to move.
    when = texts_of(await types(j, "cand-chat", j.candidate_user, "when is my interview?"))
    assert "not booked yet: waiting for" in when and "available times" in when
    again = texts_of(await types(j, "cand-chat", j.candidate_user, "can we move it"))
    assert again.startswith("Nothing is booked yet, so there is nothing to move")


async def test_past_the_cutoff_i_cant_make_it_and_the_button_both_say_why_at_once(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector)
    j.clock.set(STARTS - timedelta(hours=3))
    answer = await types(j, "cand-chat", j.candidate_user, "I can't make it")
    said = texts_of(answer)
    assert said.startswith("It's too late to reschedule this interview yourself")
    assert "Nothing was changed" in said and not cards_of(answer)  # no form that would be refused
    before = len(connector.activities("cand-chat"))
    await j.say("cand-chat", j.candidate_user, value={"action": "reschedule", "interview_id": p.interview_id})
    [button] = connector.activities("cand-chat")[before:]
    assert button["text"] == said  # the Reschedule button: the same refusal, the same way in
    assert await stage_of(j, p.interview_id) == Stage.SCHEDULED


async def test_a_typed_cancel_asks_for_confirmation_on_the_cancel_card(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector)
    iid = p.interview_id
    answer = await types(j, "client-chat", j.client_user, "I want to cancel the interview")
    assert "**Cancel the interview**" in texts_of(answer)
    [form] = cards_of(answer)
    assert await stage_of(j, iid) == Stage.SCHEDULED
    [cancel] = [d for d in submits(form) if d["action"] == "cancel"]
    assert cancel == {"action": "cancel", "interview_id": iid}  # the confirmation's own button
    await j.say("client-chat", j.client_user, value={**cancel, "reason": "The role is filled"})
    assert "cancelled" in j.texts("client-chat")[-1]
    assert await stage_of(j, iid) == Stage.CANCELLED

    after = texts_of(await types(j, "client-chat", j.client_user, "cancel"))
    assert after == "This interview was already cancelled."


async def test_help_says_what_can_be_said_and_clicked_in_this_state(
    app_client: Any, connector: FakeConnector
) -> None:
    j, _ = await start(app_client, connector)
    said = texts_of(await types(j, "cand-chat", j.candidate_user, "help"))
    assert said.startswith("I'm askARSAN")
    assert "**when is my interview?**" in said and "**Reschedule** or **Cancel**" in said
    assert "didn't catch" not in said


async def test_the_recruiters_text_commands_are_unchanged_and_other_text_is_answered(
    app_client: Any, connector: FakeConnector
) -> None:
    j, _ = await start(app_client, connector)
    for command, title in (("pipeline", "Your pipeline"), ("upcoming", "Upcoming interviews")):
        [card] = cards_of(await types(j, "rec", "rita", command, channel="emulator"))
        assert card["body"][0]["text"] == title
    [card] = cards_of(await types(j, "rec", "rita", "when is the interview?", channel="emulator"))
    assert card["body"][0]["text"] == "Upcoming interviews"
    help_text = texts_of(await types(j, "rec", "rita", "help", channel="emulator"))
    assert "**schedule**" in help_text and "**pipeline**" in help_text
    gibberish = texts_of(await types(j, "rec", "rita", "asdf qwer", channel="emulator"))
    assert gibberish.startswith("Sorry, I didn't catch that.") and "**upcoming**" in gibberish
    moving = texts_of(await types(j, "rec", "rita", "reschedule", channel="emulator"))
    assert "from a typed message yet" in moving and "**upcoming**" in moving


async def test_while_the_candidate_chooses_the_answers_name_the_pick_cards_buttons(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector)
    sessions, iid = j.runtime.sessions, p.interview_id
    await reschedule_interview(sessions, p.candidate, iid, "Travelling", NOW)
    thursday = SlotRequest(WEDNESDAY + timedelta(days=1), time(11), "Europe/London")
    await offer_slots(sessions, p.client, iid, [thursday], NOW)
    assert await stage_of(j, iid) == Stage.AWAITING_PICK

    answer = await types(j, "cand-chat", j.candidate_user, "hmm")
    assert answer[0]["text"].startswith("Sorry, I didn't catch that.")
    assert "**Book this time**" in answer[0]["text"] and "**None of these work**" in answer[0]["text"]
    [pick] = cards_of(answer)  # the card it names, after the explanation
    assert [d for d in submits(pick) if d["action"] == "pick_slot"]

    when = texts_of(await types(j, "cand-chat", j.candidate_user, "when is it?"))
    assert "not booked yet: Harry Manager has offered times; please pick one" in when
    client = texts_of(await types(j, "client-chat", j.client_user, "when is the interview"))
    assert "not booked yet: waiting for Asha Candidate to pick" in client
    move = texts_of(await types(j, "cand-chat", j.candidate_user, "another day please"))
    assert move.startswith("Nothing is booked yet") and "**None of these work**" in move
