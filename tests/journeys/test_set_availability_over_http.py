"""A client sets their availability from the conversation, through the real app on SQLite and
PostgreSQL: they type "set my availability" in their web chat (or press a card's button in Teams),
get the availability card, and save a page, which is stored as the next version (read back through
the JSON API) and answered with its next open times; a bad form comes back with the reason and
stores nothing; a stale card is refused; a candidate's submit is not theirs and stores nothing.

The interview is booked Wednesday 25 November 2026 10:00–11:00 UTC (London is on UTC then), and
the app's clock is Monday 23 November 09:00 (tests/helpers/interviews.py)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.dev.loopback import FakeConnector
from cards.availability_cards import AVAILABILITY_SAVED, AVAILABILITY_STALE, availability_lead
from cards.replies import RECRUITER_AVAILABILITY
from dialogs.actions import NOT_YOURS
from integrations.mail import MemoryMail
from scheduling.intervals import Interval
from scheduling.zones import format_local_range
from services import PartyInput
from storage.models import BookingPageRow
from tests.helpers.cards import all_text, inputs_of, submits
from tests.helpers.clock import Clock
from tests.helpers.databases import count
from tests.helpers.http import AUTH
from tests.helpers.interviews import ENDS, NOW, STARTS, Parties, a_request, booked
from tests.helpers.journeys import Journey, invitation_user

BOOKED = Interval(STARTS, ENDS)
# Wednesdays 09:00–12:00 and 13:00–17:00 London, hour-long interviews, no notice: the booked
# Wednesday 10:00 is inside these hours, so the open times must go round it.
FORM = {
    "days": "wed", "window_1_start": "09:00", "window_1_end": "12:00", "window_2_start": "13:00",
    "window_2_end": "17:00", "durations": "60", "buffer_minutes": "0", "notice_hours": "0",
    "horizon_days": "14", "max_per_day": "", "zone": "Europe/London",
}


async def started(app_client: Any, connector: FakeConnector, database_url: str) -> tuple[Journey, Parties]:
    """The booked interview with both web chats open (as tests/helpers/journeys.py's ``start``),
    on `database_url`; the client is also known in Teams as "harry"."""
    clock = Clock(NOW)
    client: TestClient = await app_client(mail=MemoryMail(), clock=clock, ASKARSAN_RUN_JOBS="false",
                                          DATABASE_URL=database_url)
    j = Journey(client, connector, clock)
    request = a_request(recruiter=PartyInput("Rita Recruiter", None, "Europe/London", teams_user_id="rita"))
    request = dataclasses.replace(request, client=dataclasses.replace(request.client, teams_user_id="harry"))
    parties = await booked(j.runtime.sessions, request)
    await j.say("rec", "rita", channel="emulator", text="help")
    j.client_user = await invitation_user(client, parties.client_token)
    j.candidate_user = await invitation_user(client, parties.candidate_token)
    await j.opens_chat("client-chat", j.client_user)
    await j.opens_chat("cand-chat", j.candidate_user)
    await j.run_jobs(NOW)
    return j, parties


async def turn(j: Journey, conversation: str, user: str, channel: str = "directline", **fields: Any) -> tuple[str, list[dict[str, Any]]]:
    """The bot's answer to one activity: its texts joined, and the cards it sent."""
    before = len(j.connector.activities(conversation))
    await j.say(conversation, user, channel=channel, **fields)
    answer = j.connector.activities(conversation)[before:]
    texts = "\n".join(a.get("text") or "" for a in answer)
    cards = [a["content"] for activity in answer for a in activity.get("attachments") or []
             if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]
    return texts, cards


def save(card: dict[str, Any], **inputs: str) -> dict[str, Any]:
    """Pressing the card's save button with `inputs` typed: the button's data merged with them."""
    [button] = [d for d in submits(card) if d["action"] == "set_availability"]
    return {**button, **inputs}


async def stored(j: Journey, client_id: str) -> Any:
    response = await j.client.get(f"/api/v1/clients/{client_id}/availability", headers=AUTH)
    return response.status, await response.json()


async def test_a_client_types_set_my_availability_and_saves_a_page_that_is_stored_and_previewed(
    app_client: Any, connector: FakeConnector, database_url: str
) -> None:
    j, p = await started(app_client, connector, database_url)
    text, [card] = await turn(j, "client-chat", j.client_user, text="Set my availability")
    assert text == availability_lead(None) and "no booking page yet" in all_text(card)
    assert save(card)["interview_id"] == p.interview_id and save(card)["version"] == "0"
    assert await count(j.runtime.sessions, BookingPageRow) == 0  # typing alone stores nothing

    text, [answer] = await turn(j, "client-chat", j.client_user, value=save(card, **FORM))
    assert text == AVAILABILITY_SAVED

    status, page = await stored(j, p.client.party_id)
    assert status == 200 and page["version"] == 1
    assert page["page"]["weekly"]["wed"] == [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
    assert page["page"]["weekly"]["mon"] == [] and page["page"]["zone"] == "Europe/London"
    assert page["page"]["rules"]["durations_minutes"] == [60]
    async with j.runtime.sessions() as session:
        assert list(await session.scalars(select(BookingPageRow.created_by))) == ["chat"]

    # The answer shows the new page and its open times, in the client's zone, around the booking.
    shown = all_text(answer)
    assert "version 1" in shown and "Wed 09:00–12:00 and 13:00–17:00" in shown
    for start in page["next_open_times"]:
        assert start[11:16] in shown  # London is UTC in November: the same wall time
    assert page["next_open_times"][0].startswith("2026-11-25T09:00")
    assert not any(t.startswith("2026-11-25T10:00") for t in page["next_open_times"])
    assert format_local_range(BOOKED, "Europe/London") not in shown
    assert save(answer)["version"] == "1"  # the card shown now is of the version just stored


async def test_a_window_that_ends_before_it_starts_is_refused_with_the_reason_and_nothing_is_stored(
    app_client: Any, connector: FakeConnector, database_url: str
) -> None:
    j, p = await started(app_client, connector, database_url)
    _, [card] = await turn(j, "client-chat", j.client_user, text="my hours")
    text, [again] = await turn(j, "client-chat", j.client_user,
                               value=save(card, **{**FORM, "window_1_start": "17:00", "window_1_end": "09:00"}))
    assert text.startswith("Nothing was saved.") and "Window 1:" in text and "not after its start" in text
    assert "not after its start at 17:00" in all_text(again)  # under its field, on the card again
    kept = inputs_of(again)
    assert (kept["window_1_start"]["value"], kept["window_1_end"]["value"]) == ("17:00", "09:00")
    assert await count(j.runtime.sessions, BookingPageRow) == 0

    # Refused by the booking page's own rules: named on the card's field all the same.
    text, [again] = await turn(j, "client-chat", j.client_user,
                               value=save(again, **{**FORM, "notice_hours": "48", "horizon_days": "1"}))
    assert text.startswith("Nothing was saved.") and "Horizon (days):" in text
    assert "beyond the minimum notice" in all_text(again)
    assert await count(j.runtime.sessions, BookingPageRow) == 0
    assert (await stored(j, p.client.party_id))[0] == 404


async def test_a_card_of_an_older_version_is_refused_and_the_page_shown_as_it_is_now(
    app_client: Any, connector: FakeConnector, database_url: str
) -> None:
    j, p = await started(app_client, connector, database_url)
    _, [old] = await turn(j, "client-chat", j.client_user, text="my availability")
    ats_page = {"zone": "Europe/London", "weekly": {"thu": [{"start": "10:00", "end": "16:00"}]},
                "overrides": {"2026-12-24": []}, "rules": {"durations_minutes": [30], "min_notice_minutes": 0}}
    put = await j.client.put(f"/api/v1/clients/{p.client.party_id}/availability",
                             data=json.dumps(ats_page), headers={**AUTH, "Content-Type": "application/json"})
    assert put.status == 200, await put.text()

    text, [now] = await turn(j, "client-chat", j.client_user, value=save(old, **FORM))
    assert text == AVAILABILITY_STALE
    assert await count(j.runtime.sessions, BookingPageRow) == 1
    # The page as it is now above the form as typed, now against version 1: saving is a choice.
    assert "version 1" in all_text(now) and "Thu 10:00–16:00" in all_text(now)
    assert inputs_of(now)["days"]["value"] == "wed" and save(now)["version"] == "1"

    text, _ = await turn(j, "client-chat", j.client_user, value=save(now, **FORM))
    assert text == AVAILABILITY_SAVED
    status, page = await stored(j, p.client.party_id)
    assert status == 200 and page["version"] == 2 and page["page"]["weekly"]["thu"] == []
    assert page["page"]["overrides"] == {"2026-12-24": []}  # not on the form, so kept


async def test_a_candidate_submitting_the_verb_gets_not_yours_and_nothing_is_stored(
    app_client: Any, connector: FakeConnector, database_url: str
) -> None:
    j, p = await started(app_client, connector, database_url)
    verb = {"action": "set_availability", "interview_id": p.interview_id, "version": "0", **FORM}
    text, cards = await turn(j, "cand-chat", j.candidate_user, value=verb)
    assert text == NOT_YOURS and not cards
    text, cards = await turn(j, "cand-chat", j.candidate_user,
                             value={"action": "show_availability", "interview_id": p.interview_id})
    assert text == NOT_YOURS and not cards
    assert await count(j.runtime.sessions, BookingPageRow) == 0

    # Typed, the candidate and the recruiter are told whose hours those are instead of a card.
    text, cards = await turn(j, "cand-chat", j.candidate_user, text="set my availability")
    assert text.startswith("Booking hours are set by the interviewer, Harry Manager") and not cards
    assert "**reschedule**" in text  # booked: what the candidate can do instead
    text, cards = await turn(j, "rec", "rita", channel="emulator", text="set my availability")
    assert text == RECRUITER_AVAILABILITY and not cards
    assert await count(j.runtime.sessions, BookingPageRow) == 0


async def test_in_teams_the_client_gets_the_card_from_its_button_and_saves_it(
    app_client: Any, connector: FakeConnector, database_url: str
) -> None:
    j, p = await started(app_client, connector, database_url)
    show = {"action": "show_availability", "interview_id": p.interview_id}
    text, [card] = await turn(j, "harry-teams", "harry", channel="emulator", value=show)
    assert text == availability_lead(None)
    text, _ = await turn(j, "harry-teams", "harry", channel="emulator", value=save(card, **FORM))
    assert text == AVAILABILITY_SAVED
    assert (await stored(j, p.client.party_id))[1]["version"] == 1
    # Someone else in Teams pressing the same button changes nothing.
    text, _ = await turn(j, "stranger-teams", "stranger", channel="emulator", value=save(card, **FORM))
    assert text == NOT_YOURS
    assert await count(j.runtime.sessions, BookingPageRow) == 1


async def test_a_client_types_their_weekly_hours_instead_of_filling_the_rows(
    app_client: Any, connector: FakeConnector, database_url: str
) -> None:
    j, p = await started(app_client, connector, database_url)
    await j.runtime.services.ctx.times.warm()  # as the server does at start-up
    _, [card] = await turn(j, "client-chat", j.client_user, text="Set my availability")
    typed = {**FORM, "typed_hours": "Mon–Fri 9–12 and 13–17"}
    text, [answer] = await turn(j, "client-chat", j.client_user, locale="en-GB", value=save(card, **typed))
    assert text == AVAILABILITY_SAVED
    status, page = await stored(j, p.client.party_id)
    assert status == 200
    hours = [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
    assert [page["page"]["weekly"][d] for d in ("mon", "tue", "wed", "thu", "fri")] == [hours] * 5
    assert page["page"]["weekly"]["sat"] == page["page"]["weekly"]["sun"] == []

    # Hours that differ from day to day do not fit this form: refused with the reason, nothing stored.
    odd = {**FORM, "typed_hours": "Monday 9-12, Tuesday 14-17"}
    text, [again] = await turn(j, "client-chat", j.client_user, locale="en-GB", value=save(answer, **odd))
    assert "the hours differ from day to day" in all_text(again)
    assert "Monday 9-12, Tuesday 14-17" in json.dumps(again, ensure_ascii=False)  # kept as typed
    assert (await stored(j, p.client.party_id))[1]["version"] == 1
