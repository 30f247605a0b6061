"""A Teams team as the channel tests drive it: the app installed in the team (Teams'
conversationUpdate with the bot in ``membersAdded`` and the team in ``channelData``), a message
typed in one of its channels with the bot @mentioned, and the app with the connector's roster."""

from __future__ import annotations

import uuid
from typing import Any

from bot.dev.loopback import FakeConnector
from tests.helpers.activities import activity
from tests.helpers.http import post
from tests.helpers.teams_people import AGENCY, RITA_AAD

TEAM = "19:recruiting-team@thread.tacv2"  # the team's id, which is also its General channel's
SHORTLIST = "19:shortlist@thread.tacv2"  # another channel of the team
OUTSIDER_AAD = "7a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9"


def in_team(service_url: str, channel: str = TEAM, team: str = TEAM, /, **fields: Any) -> dict[str, Any]:
    """An activity in `channel` of `team`, as Teams posts it."""
    return activity(service_url, channel, "29:rita", **{
        "id": uuid.uuid4().hex,
        "conversation": {"id": channel, "isGroup": True, "conversationType": "channel", "tenantId": AGENCY},
        "channelData": {
            "team": {"id": team, "name": "Recruiting"},
            "channel": {"id": channel, "name": "General" if channel == team else "Shortlist"},
            "tenant": {"id": AGENCY},
        },
        **fields,
    })


def installed(service_url: str, team: str = TEAM) -> dict[str, Any]:
    """The app added to `team`: the bot is the member added."""
    body = in_team(service_url, team, team, type="conversationUpdate", text=None,
                   membersAdded=[{"id": "28:bot"}])
    body["channelData"]["eventType"] = "teamMemberAdded"
    return body


def removed(service_url: str, team: str = TEAM) -> dict[str, Any]:
    body = in_team(service_url, team, team, type="conversationUpdate", text=None,
                   membersRemoved=[{"id": "28:bot"}])
    body["channelData"]["eventType"] = "teamMemberRemoved"
    return body


def typed(service_url: str, text: str, channel: str = TEAM, user: str = "29:rita",
          aad: str = RITA_AAD) -> dict[str, Any]:
    """`@askARSAN <text>` typed by `user` in `channel`."""
    return in_team(service_url, channel, TEAM, **{
        "text": f"<at>askARSAN</at> {text}",
        "from": {"id": user, "name": user, "aadObjectId": aad},
        "entities": [{"type": "mention", "text": "<at>askARSAN</at>",
                      "mentioned": {"id": "28:bot", "name": "askARSAN"}}],
    })


def rita_in_the_roster(connector: FakeConnector, *also: str) -> None:
    """Rita (a recruiter of the agency) and whoever else in the team's roster."""
    connector.add_member("29:rita", name="Rita Recruiter", aad_object_id=RITA_AAD, tenant_id=AGENCY,
                         email="rita@agency.example", user_principal_name="rita@agency.example")
    connector.add_team(TEAM, ["29:rita", *also])


async def send(client: Any, body: dict[str, Any]) -> None:
    status, answer = await post(client, body)
    assert status in (200, 201), answer


def headlines(posts: list[tuple[str, str | None, dict[str, Any]]]) -> list[str]:
    """Each channel post's card fallback text, in order."""
    return [
        str(a["content"].get("fallbackText", "")).split(":")[0]
        for _, _, act in posts for a in act.get("attachments") or []
    ]
