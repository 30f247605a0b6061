"""The app installed in a Teams team, through the real app over HTTP: the team is registered with
its General channel and the recruiters its roster names (read page by page at the loopback
connector); a roster Teams refuses does not fail the install; members who leave leave the team;
only the team's recruiters change its settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.app import RUNTIME
from bot.dev.loopback import FakeConnector
from services import PartyInput
from storage.models import Party, RecruitingTeam, TeamMember
from tests.helpers.interviews import NOW
from tests.helpers.teams import recruiter
from tests.helpers.teams_people import AGENCY, HARRY_AAD, OTHER
from tests.helpers.teams_team import OUTSIDER_AAD, TEAM, in_team, installed, rita_in_the_roster, send, typed

RITA = PartyInput("Rita Recruiter", "rita@agency.example", "Europe/London")
SAM = PartyInput("Sam Second", "sam@agency.example", "Europe/London")
SAM_AAD = "4d3c2b1a-0f9e-4d8c-b7a6-958473625140"


async def app(app_client: Any, connector: FakeConnector) -> Any:
    return await app_client(ASKARSAN_RUN_JOBS="false", MicrosoftAppTenantId=AGENCY,
                            TEAMS_SERVICE_URL=connector.url)


async def team_rows(client: Any) -> tuple[list[RecruitingTeam], list[str]]:
    async with client.app[RUNTIME].sessions() as session:
        teams = list(await session.scalars(select(RecruitingTeam)))
        emails = list(await session.scalars(
            select(Party.email).join(TeamMember, TeamMember.party_id == Party.id).order_by(Party.email)
        ))
    return teams, [e or "" for e in emails]


async def test_installing_in_a_team_registers_it_and_its_recruiters_from_the_roster(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await app(app_client, connector)
    sessions = client.app[RUNTIME].sessions
    for person in (RITA, SAM):
        await recruiter(sessions, person, NOW)
    connector.add_member("29:sam", name="Sam Second", aad_object_id=SAM_AAD, tenant_id=AGENCY,
                         email="sam@agency.example")
    # A client's manager in the team, and someone of another tenant claiming a recruiter's address.
    connector.add_member("29:harry", name="Harry Manager", aad_object_id=HARRY_AAD, tenant_id=AGENCY,
                         email="harry@client.example")
    connector.add_member("29:mallory", name="Mallory", aad_object_id=OUTSIDER_AAD, tenant_id=OTHER,
                         email="tess@agency.example")
    rita_in_the_roster(connector, "29:harry", "29:sam", "29:mallory")  # two pages of two

    await send(client, installed(connector.url))

    [team], members = await team_rows(client)
    assert (team.teams_team_id, team.channel_id, team.channel_name, team.tenant_id) == (
        TEAM, TEAM, "General", AGENCY)
    assert team.share_feedback_text is False and team.removed_at is None
    assert members == ["rita@agency.example", "sam@agency.example"]
    assert [lookup for lookup in connector.member_lookups if lookup[1] == "*"] == [(TEAM, "*")] * 2
    # Sam leaves the team: he is no longer one of its recruiters.
    await send(client, in_team(connector.url, type="conversationUpdate", text=None,
                               membersRemoved=[{"id": "29:sam", "aadObjectId": SAM_AAD}]))
    assert (await team_rows(client))[1] == ["rita@agency.example"]


async def test_a_roster_teams_refuses_does_not_fail_the_install(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await app(app_client, connector)
    await send(client, installed(connector.url))  # no roster at the connector: 404
    [team], members = await team_rows(client)
    assert team.teams_team_id == TEAM and members == []
    assert "thread here for each interview" in connector.texts(TEAM)[-1]


async def test_only_the_teams_recruiters_change_its_settings(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await app(app_client, connector)
    await recruiter(client.app[RUNTIME].sessions, RITA, NOW)
    rita_in_the_roster(connector)
    await send(client, installed(connector.url))

    await send(client, typed(connector.url, "feedback text on", user="29:harry", aad=HARRY_AAD))
    assert "Only the team's recruiters" in connector.texts(TEAM)[-1]
    assert (await team_rows(client))[0][0].share_feedback_text is False

    await send(client, typed(connector.url, "feedback text on"))
    assert (await team_rows(client))[0][0].share_feedback_text is True
    await send(client, typed(connector.url, "help"))
    assert "**post here**" in connector.texts(TEAM)[-1]
