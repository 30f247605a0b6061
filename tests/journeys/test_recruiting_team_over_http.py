"""The recruiting team through the real app: activities over HTTP to /api/messages, proactive
cards at the loopback Bot Connector, the job runner on a clock the test sets. A co-recruiter in
Teams gets the interview's updates and decides like its owner; a recruiter hands an interview over
from the pipeline card and the next message goes to the new owner; a candidate replaying the
handover changes nothing; ``pipeline team`` and ``upcoming team`` cover the recruiter's team."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.dev.loopback import FakeConnector
from scheduling.interview import Stage
from services import PartyInput
from tests.helpers.cards import inputs_of, submits
from tests.helpers.interviews import ENDED, NOW, a_request, booked, stage
from tests.helpers.journeys import start
from tests.helpers.teams import recruiter, recruiters_of, team

RITA_IN_TEAMS = PartyInput("Rita Recruiter", "rita@agency.example", "Europe/London", teams_user_id="rita")
SAM_IN_TEAMS = PartyInput("Sam Second", "sam@agency.example", "America/New_York", teams_user_id="sam")
TESS_IN_TEAMS = PartyInput("Tess Teammate", "tess@agency.example", "Europe/London", teams_user_id="tess")
LATER = ENDED + timedelta(days=30)  # the feedback window has closed: the summary is out


def everything(cards: list[dict[str, Any]]) -> str:
    return json.dumps(cards)


async def test_a_co_recruiter_in_teams_gets_the_updates_and_decides(
    app_client: Any, connector: FakeConnector
) -> None:
    request = replace(a_request(recruiter=RITA_IN_TEAMS), co_recruiters=(SAM_IN_TEAMS,))
    j, p = await start(app_client, connector, request)
    await j.say("sam-conv", "sam", channel="emulator", text="help")  # Sam's Teams conversation
    await j.run_jobs(ENDED)
    await j.run_jobs(LATER)

    summary_rita = [c for c in j.cards("rec") if any(d.get("action") == "decide" for d in submits(c))]
    summary_sam = [c for c in j.cards("sam-conv") if any(d.get("action") == "decide" for d in submits(c))]
    assert len(summary_rita) == 1 and len(summary_sam) == 1  # each their own, once
    assert summary_sam == summary_rita

    [offer] = [d for d in submits(summary_sam[0]) if d.get("decision") == "offer"]
    await j.say("sam-conv", "sam", channel="emulator", value=offer)
    assert "Recorded" in j.texts("sam-conv")[-1]
    assert await stage(j.runtime.sessions, p.interview_id) == Stage.DECIDED.value


async def test_a_handover_from_the_pipeline_card_and_the_next_message_goes_to_the_new_owner(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector, a_request(recruiter=RITA_IN_TEAMS))
    sessions = j.runtime.sessions
    sam = await recruiter(sessions, SAM_IN_TEAMS, NOW)
    await j.say("sam-conv", "sam", channel="emulator", text="help")
    assert not any(p.interview_id in json.dumps(c) for c in j.cards("sam-conv"))

    await j.say("rec", "rita", channel="emulator", text="pipeline")
    [open_form] = [d for d in submits(j.cards("rec")[-1]) if d["action"] == "handover_form"]
    assert open_form["interview_id"] == p.interview_id
    await j.say("rec", "rita", channel="emulator", value=open_form)
    form = j.cards("rec")[-1]
    choices = inputs_of(form)["to"]["choices"]
    assert {"title": "Sam Second (sam@agency.example)", "value": "sam@agency.example"} in choices
    [hand_over] = submits(form)

    # A candidate replaying the handover from their web chat: not theirs, nothing changes.
    await j.say("cand-chat", j.candidate_user, value={**hand_over, "to": "sam@agency.example"})
    assert "isn't for you" in j.texts("cand-chat")[-1]
    assert (await recruiters_of(sessions, p.interview_id))[0] == p.recruiter.party_id

    await j.say("rec", "rita", channel="emulator", value={**hand_over, "to": "sam@agency.example"})
    assert "Done: Sam Second owns this interview now" in j.texts("rec")[-1]
    assert "You stay on it as a co-recruiter." in j.texts("rec")[-1]
    assert await recruiters_of(sessions, p.interview_id) == (sam, [p.recruiter.party_id])
    # Pressed again (a second click): nothing changes, and it says so.
    await j.say("rec", "rita", channel="emulator", value={**hand_over, "to": "sam@agency.example"})
    assert "owns this interview already" in j.texts("rec")[-1]

    await j.run_jobs(NOW + timedelta(minutes=1))
    assert "Rita Recruiter handed this interview over to Sam Second" in everything(j.cards("sam-conv"))
    # The next proactive message about the interview (its summary) reaches the new owner.
    await j.run_jobs(ENDED)
    await j.run_jobs(LATER)
    assert any(
        any(d.get("action") == "decide" and d["interview_id"] == p.interview_id for d in submits(c))
        for c in j.cards("sam-conv")
    )


async def test_pipeline_team_and_upcoming_team_cover_the_recruiters_team(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector, a_request(recruiter=RITA_IN_TEAMS))
    sessions = j.runtime.sessions
    tess_booked = await booked(
        sessions, a_request("tm@other.example", "tina@example.org", "Tina Teamcase", recruiter=TESS_IN_TEAMS)
    )
    outsider = await booked(
        sessions, a_request("x@third.example", "olga@example.org", "Olga Outside",
                            recruiter=PartyInput("Ollie Other", "ollie@agency.example", "Europe/London"))
    )
    tess = await recruiter(sessions, TESS_IN_TEAMS, NOW)
    await team(sessions, "Data recruiting", [p.recruiter.party_id, tess], NOW)

    await j.say("rec", "rita", channel="emulator", text="pipeline")
    own = json.dumps(j.cards("rec")[-1])
    assert "Your pipeline" in own and "Asha Candidate" in own and "Tina Teamcase" not in own

    await j.say("rec", "rita", channel="emulator", text="pipeline team")
    ours = json.dumps(j.cards("rec")[-1])
    assert "Your team's pipeline" in ours and "Asha Candidate" in ours and "Tina Teamcase" in ours
    assert "Owner: Tess Teammate" in ours and "Olga Outside" not in ours

    await j.say("rec", "rita", channel="emulator", text="upcoming team")
    upcoming = json.dumps(j.cards("rec")[-1])
    assert "Your team's upcoming interviews" in upcoming
    assert "Tina Teamcase" in upcoming and "Olga Outside" not in upcoming
    assert tess_booked.interview_id in upcoming and outsider.interview_id not in upcoming
