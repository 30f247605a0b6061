"""The recruiting team's channel through the real app: the app installed in a Teams team over
HTTP (Teams' conversationUpdate, the roster at the loopback connector), one interview's stages
through the use cases, and the channel's thread as the connector received it: a root post made
with ``POST /v3/conversations``, each later stage once, in order, as a reply into
``<channel>;messageid=<root>`` with ``replyToId`` the root."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.app import RUNTIME
from bot.dev.loopback import FakeConnector
from scheduling.interview import Decision
from services import PartyInput
from services.changes import reschedule_interview
from services.feedback import decide, submit_feedback
from tests.helpers.clock import Clock
from tests.helpers.interviews import CANDIDATE_ANSWER, CLIENT_ANSWER, NOW, a_request, booked, rebook
from tests.helpers.jobs import run_jobs
from tests.helpers.teams import recruiter
from tests.helpers.teams_people import AGENCY
from tests.helpers.teams_team import (
    SHORTLIST,
    TEAM,
    headlines,
    installed,
    removed,
    rita_in_the_roster,
    send,
    typed,
)

MINUTE = timedelta(minutes=1)
# The agency's recruiter, known by her address until Teams' roster names her.
RITA = PartyInput("Rita Recruiter", "rita@agency.example", "Europe/London")


def card_posts(connector: FakeConnector, channel: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    """The interview posts of a channel (not the bot's answers to what was typed there)."""
    return [post for post in connector.channel_posts(channel) if post[2].get("attachments")]


async def team_app(app_client: Any, connector: FakeConnector) -> tuple[Any, Clock[Any]]:
    clock = Clock(NOW)
    client = await app_client(clock=clock, ASKARSAN_RUN_JOBS="false", MicrosoftAppTenantId=AGENCY,
                              TEAMS_SERVICE_URL=connector.url)
    rita_in_the_roster(connector)
    await recruiter(client.app[RUNTIME].sessions, RITA, NOW)  # Rita is one of the agency's recruiters
    await send(client, installed(connector.url))
    return client, clock


async def jobs_at(client: Any, clock: Clock[Any], when: Any) -> None:
    clock.set(when)
    await run_jobs(client.app[RUNTIME].runner)
    clock.set(when + MINUTE)  # a post that waited for the one before it goes now
    await run_jobs(client.app[RUNTIME].runner)


async def test_one_interview_gives_one_thread_with_every_stage_once_in_order(
    app_client: Any, connector: FakeConnector
) -> None:
    client, clock = await team_app(app_client, connector)
    sessions = client.app[RUNTIME].sessions
    p = await booked(sessions, a_request())
    await jobs_at(client, clock, NOW)
    await reschedule_interview(sessions, p.recruiter, p.interview_id, "the client is travelling", NOW)
    await jobs_at(client, clock, NOW + 2 * MINUTE)
    await rebook(sessions, p, 14)
    await jobs_at(client, clock, NOW + 4 * MINUTE)
    ended = NOW + timedelta(days=2, hours=7)  # Wednesday 16:00 UTC, after the new time
    await jobs_at(client, clock, ended)
    await submit_feedback(sessions, p.client, p.interview_id, CLIENT_ANSWER, ended + MINUTE)
    await jobs_at(client, clock, ended + 2 * MINUTE)
    await submit_feedback(sessions, p.candidate, p.interview_id, CANDIDATE_ANSWER, ended + 3 * MINUTE)
    await jobs_at(client, clock, ended + 4 * MINUTE)
    await decide(sessions, p.recruiter, p.interview_id, Decision.OFFER, ended + 5 * MINUTE)
    await jobs_at(client, clock, ended + 6 * MINUTE)
    await jobs_at(client, clock, ended + timedelta(days=9))  # reminders and windows: nothing new

    posts = card_posts(connector, TEAM)
    assert headlines(posts) == [
        "Interview requested", "Interview booked", "Interview being moved", "Interview booked",
        "Feedback received", "Feedback received", "Feedback summary ready", "Decision made",
    ]
    root_conversation, root_reply_to, _ = posts[0]
    root_id = root_conversation.split(";messageid=")[1]
    assert root_reply_to is None and root_conversation == f"{TEAM};messageid={root_id}"
    assert [(c, r) for c, r, _ in posts[1:]] == [(root_conversation, root_id)] * 7
    everything = json.dumps([activity["attachments"] for _, _, activity in posts])
    # The candidate by initials, no addresses, and no feedback text by default.
    assert "A. C." in everything and "Asha" not in everything and "@" not in everything
    assert CLIENT_ANSWER["impressions"] not in everything
    assert "4/5" in everything and "5/5" in everything


async def test_feedback_text_shows_once_the_team_switches_it_on(
    app_client: Any, connector: FakeConnector
) -> None:
    client, clock = await team_app(app_client, connector)
    await send(client, typed(connector.url, "feedback text on"))
    assert "quote the feedback" in connector.texts(TEAM)[-1]
    sessions = client.app[RUNTIME].sessions
    p = await booked(sessions, a_request())
    ended = NOW + timedelta(days=2, hours=3)
    await jobs_at(client, clock, ended)
    await submit_feedback(sessions, p.client, p.interview_id, CLIENT_ANSWER, ended + MINUTE)
    await jobs_at(client, clock, ended + 2 * MINUTE)
    everything = json.dumps([activity["attachments"] for _, _, activity in card_posts(connector, TEAM)])
    assert CLIENT_ANSWER["impressions"] in everything


async def test_post_here_moves_the_threads_to_the_chosen_channel(
    app_client: Any, connector: FakeConnector
) -> None:
    client, clock = await team_app(app_client, connector)
    await send(client, typed(connector.url, "post here", channel=SHORTLIST))
    assert "this channel" in connector.texts(SHORTLIST)[-1]
    await booked(client.app[RUNTIME].sessions, a_request())
    await jobs_at(client, clock, NOW)
    assert card_posts(connector, TEAM) == []
    assert headlines(card_posts(connector, SHORTLIST)) == ["Interview requested", "Interview booked"]


async def test_a_team_that_removed_the_bot_gets_no_posts(
    app_client: Any, connector: FakeConnector
) -> None:
    client, clock = await team_app(app_client, connector)
    await send(client, removed(connector.url))
    await booked(client.app[RUNTIME].sessions, a_request())
    await jobs_at(client, clock, NOW)
    assert headlines(card_posts(connector, TEAM)) == []
