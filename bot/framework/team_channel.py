"""The app in a Teams team: its install, roster and removal, the commands typed in a channel,
and posting the interviews' threads into the team's channel.

Teams says the app was installed in a team with a ``conversationUpdate`` whose ``membersAdded``
holds the bot and whose ``channelData`` names the team (``team.id``: also the General channel's
id), the channel and the tenant. The roster is read through the connector
(``TeamsInfo.get_paged_team_members``: ``GET /v3/conversations/{teamId}/pagedmembers``); a roster
that cannot be read (404, throttled) does not fail the turn: the team is registered and members
join as Teams tells of them. Members added or removed later, and the bot removed or the team
deleted or archived, keep ``services/channel.py`` in step.

Posts leave as Teams threads them: the first with ``POST /v3/conversations`` (``isGroup``,
``channelData.channel.id``, the ``activity``), whose answer names the new thread
(``<channel>;messageid=<root id>``); each later one is a reply into that conversation with
``replyToId`` the root's id.
"""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ConversationReference
from msrest.exceptions import HttpOperationError

from bot.framework.adapter import AskarsanAdapter, UntrustedServiceUrl
from bot.framework.member_profiles import read_member
from bot.framework.proactive import retry_after
from bot.framework.teams_reach import _TeamsConversationParameters
from integrations.directory import TeamsMember
from integrations.errors import PermanentError, TransientError
from services import Services
from services.channel import TeamInstall, TeamSender
from services.core import NotAllowed

__all__ = ["TEAM_HELP", "TeamChannelPoster", "TeamTurns", "in_team"]

log = logging.getLogger(__name__)

TEAM_HELP = (
    "I post one thread per interview of this team's recruiters here: requested, booked, moved, "
    "each feedback received, the summary and the decision. Type after @askARSAN:\n\n"
    "- **post here**: post the threads in this channel (the General channel until then)\n"
    "- **feedback text on** / **feedback text off**: quote the feedback's free text in the "
    "posts, or not (off unless a recruiter turns it on: it is personal data)\n"
    "- **help**: this message\n\n"
    "Only the team's recruiters can change these."
)
POSTING_HERE = "From now on I'll post this team's interview threads in this channel."
TEXT_ON = "Posts here will now quote the feedback's free text (ratings and verdicts are always shown)."
TEXT_OFF = "Posts here will show ratings and verdicts only, not the feedback's free text."
INSTALLED = (
    "Hello, team! I'll post a thread here for each interview of this team's recruiters. "
    "Type **@askARSAN help** to see what you can change."
)
ROSTER_PAGE = 200


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def in_team(activity: Activity) -> bool:
    """A turn in a Teams team (a channel post, or the team's own conversationUpdate)."""
    team = _channel_data(activity).get("team")
    return activity.channel_id == "msteams" and isinstance(team, dict) and bool(team.get("id"))


def _team_id(activity: Activity) -> str:
    return str(_channel_data(activity)["team"]["id"])


def _tenant(activity: Activity) -> str | None:
    tenant = _channel_data(activity).get("tenant")
    if isinstance(tenant, dict) and tenant.get("id"):
        return str(tenant["id"])
    return activity.conversation.tenant_id if activity.conversation else None


def _member(account: Any, tenant: str | None) -> TeamsMember:
    return TeamsMember(
        user_id=account.id, tenant_id=getattr(account, "tenant_id", None) or tenant,
        aad_object_id=getattr(account, "aad_object_id", None), email=getattr(account, "email", None),
        user_principal_name=getattr(account, "user_principal_name", None),
    )


class TeamTurns:
    """What the bot does in a Teams team (``AskarsanBot`` hands such turns here)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def conversation_update(self, turn_context: TurnContext) -> bool:
        """Handle a team's conversationUpdate; False when it is not a team's."""
        activity = turn_context.activity
        if not in_team(activity):
            return False
        channel = self._services.channel
        team_id = _team_id(activity)
        bot_id = activity.recipient.id if activity.recipient else None
        event = _channel_data(activity).get("eventType")
        added = activity.members_added or []
        removed = activity.members_removed or []
        gone_away = event in ("teamDeleted", "teamArchived", "teamHardDeleted")
        if gone_away or any(m.id == bot_id for m in removed):
            await channel.removed(team_id)
            return True
        if any(m.id == bot_id for m in added):
            await channel.install(self._install(activity), await self._roster(turn_context, team_id))
            await turn_context.send_activity(MessageFactory.text(INSTALLED))
            return True
        people = [m for m in added if m.id and m.id != bot_id]
        if people:
            tenant = _tenant(activity)
            members = []
            for person in people:
                found = await read_member(turn_context, person.id)
                aad = getattr(person, "aad_object_id", None)
                members.append(found or TeamsMember(person.id, tenant, aad))
            await channel.members_added(team_id, members)
        gone = [TeamSender(m.id, getattr(m, "aad_object_id", None)) for m in removed if m.id]
        if gone:
            await channel.members_removed(team_id, gone)
        return True

    def _install(self, activity: Activity) -> TeamInstall:
        data = _channel_data(activity)
        team = data.get("team") or {}
        chosen = data.get("channel") or {}
        return TeamInstall(
            teams_team_id=str(team["id"]), name=str(team.get("name") or "Team"), tenant_id=_tenant(activity),
            service_url=activity.service_url or "",
            # The General channel's id is the team's id: the team's posts go there until it chooses.
            channel_id=str(team["id"]),
            channel_name=str(chosen.get("name") or "General")
            if chosen.get("id") == team["id"] else "General",
        )

    async def _roster(self, turn_context: TurnContext, team_id: str) -> list[TeamsMember]:
        tenant = _tenant(turn_context.activity)
        members: list[TeamsMember] = []
        token: str | None = None
        try:
            while True:
                page = await TeamsInfo.get_paged_team_members(turn_context, team_id, token, ROSTER_PAGE)
                members.extend(_member(m, tenant) for m in page.members or [] if m.id)
                token = page.continuation_token
                if not token:
                    return members
        except Exception as error:  # noqa: BLE001 - a roster we cannot read must not fail the install
            response = getattr(error, "response", None)
            log.info("team roster not read: %s %s", type(error).__name__,
                     getattr(response, "status_code", ""))
            return members

    async def message(self, turn_context: TurnContext, text: str) -> bool:
        """A message typed in a team's channel; False when it is not one."""
        activity = turn_context.activity
        if not in_team(activity):
            return False
        team_id = _team_id(activity)
        sender = TeamSender(activity.from_property.id if activity.from_property else "",
                            activity.from_property.aad_object_id if activity.from_property else None)
        chosen = _channel_data(activity).get("channel") or {}
        try:
            if text == "post here":
                channel_id = str(chosen.get("id") or "")
                if not channel_id:
                    await turn_context.send_activity(
                        "Type **post here** in the channel you want the posts in."
                    )
                    return True
                name = chosen.get("name")
                await self._services.channel.post_here(
                    team_id, channel_id, str(name) if name else None, sender
                )
                reply = POSTING_HERE
            elif text in ("feedback text on", "feedback text off"):
                share = text.endswith("on")
                await self._services.channel.set_feedback_text(team_id, sender, share)
                reply = TEXT_ON if share else TEXT_OFF
            else:
                reply = TEAM_HELP
        except NotAllowed as refused:
            reply = refused.message
        await turn_context.send_activity(MessageFactory.text(reply))
        return True


class TeamChannelPoster:
    """``services.channel.ChannelPoster`` over the Bot Framework adapter."""

    def __init__(self, adapter: AskarsanAdapter, app_id: str) -> None:
        self._adapter = adapter
        self._app_id = app_id

    def _bot(self) -> ChannelAccount:
        return ChannelAccount(id=f"28:{self._app_id}" if self._app_id else "askarsan")

    async def create_thread(
        self, service_url: str, tenant_id: str | None, channel_id: str, activity: dict[str, Any]
    ) -> tuple[str, str]:
        parameters = _TeamsConversationParameters(
            is_group=True, bot=self._bot(), tenant_id=tenant_id,
            channel_data={"channel": {"id": channel_id},
                          **({"tenant": {"id": tenant_id}} if tenant_id else {})},
            activity=Activity().deserialize(activity),
        )
        created: list[tuple[str, str]] = []

        async def remember(turn_context: TurnContext) -> None:
            made = turn_context.activity
            if made.conversation is not None and made.conversation.id:
                created.append((made.conversation.id, made.id or ""))

        await _mapped(self._adapter.create_conversation(
            self._app_id, remember, parameters, "msteams", service_url, None
        ))
        if not created:
            raise PermanentError("the channel's thread was not made (a tenant we do not serve)")
        conversation_id, root_id = created[0]
        if ";messageid=" not in conversation_id:
            conversation_id = f"{conversation_id};messageid={root_id}"
        return conversation_id, root_id

    async def reply(
        self, service_url: str, tenant_id: str | None, conversation_id: str, root_id: str,
        activity: dict[str, Any],
    ) -> None:
        # The reference's activity id makes the SDK send a reply (``replyToId``) to the root.
        reference = ConversationReference(
            channel_id="msteams", service_url=service_url, bot=self._bot(), activity_id=root_id,
            conversation=ConversationAccount(id=conversation_id, is_group=True,
                                             conversation_type="channel", tenant_id=tenant_id),
        )
        outgoing = Activity().deserialize(activity)

        async def callback(turn_context: TurnContext) -> None:
            # The SDK replies to the turn's activity: a proactive turn's is made up, so name the root.
            turn_context.activity.id = root_id
            await turn_context.send_activity(outgoing)

        await _mapped(self._adapter.continue_conversation(reference, callback, self._app_id or None))


async def _mapped(call: Any) -> None:
    try:
        await call
    except UntrustedServiceUrl as error:
        raise PermanentError(str(error)) from error
    except HttpOperationError as error:
        status = getattr(error.response, "status_code", None)
        if status in (429, 503):
            after = retry_after(getattr(error.response, "headers", None))
            raise TransientError(str(status), after=after) from error
        if status in (401, 403, 404):
            raise PermanentError(f"the channel refused the post ({status})") from error
        raise
