"""Teams member profiles: who a person in a personal chat is, as the agency's directory says.

An activity from Teams names its sender by their Teams id and Entra object id only; the member
profile — ``TeamsInfo.get_member``, i.e. ``GET /v3/conversations/{conversationId}/members/{userId}``,
answered with Teams' ``TeamsChannelAccount`` (id, name, aadObjectId, email, userPrincipalName,
tenantId) — adds the e-mail address and user principal name. The bot reads it when a person
installs the app (``conversationUpdate`` with them in ``membersAdded``) and when someone whose
profile we do not keep writes to it, in a personal chat; ``services.identity`` keeps it and
attaches their Teams identity and that chat to the client contacts and recruiters it names
(docs/architecture.md, "Reaching people").

A profile that cannot be read (the connector refuses, throttles or is down) is not an error of
the turn: the turn goes on, and the profile is read on the person's next one.
"""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import ActivityTypes

from bot.framework.sdk4171.activity_codec import serialize_reference
from dialogs.common import sender_of
from integrations.directory import TeamsMember
from services.identity import People

__all__ = ["meet_teams_members", "read_member"]

log = logging.getLogger(__name__)

TEAMS = "msteams"
PERSONAL = "personal"


async def read_member(turn_context: TurnContext, user_id: str) -> TeamsMember | None:
    """The member profile of `user_id` in this turn's conversation, or None when Teams does not
    give it (an unknown member answers 404)."""
    activity = turn_context.activity
    if not isinstance(activity.channel_data, dict):
        return None  # TeamsInfo reads the team from channelData; Teams always sends one
    try:
        member = await TeamsInfo.get_member(turn_context, user_id)
    except Exception as error:  # noqa: BLE001 - a profile we cannot read must not fail the turn
        response = getattr(error, "response", None)
        log.info(
            "teams member profile not read: %s %s (activity %s)",
            type(error).__name__, getattr(response, "status_code", ""), activity.id,
        )
        return None
    tenant = member.tenant_id or (activity.conversation.tenant_id if activity.conversation else None)
    return TeamsMember(
        user_id=member.id or user_id,
        tenant_id=tenant,
        aad_object_id=member.aad_object_id,
        email=member.email,
        user_principal_name=member.user_principal_name,
    )


def _personal_teams_chat(turn_context: TurnContext) -> bool:
    activity = turn_context.activity
    conversation = activity.conversation
    return (
        activity.channel_id == TEAMS
        and conversation is not None
        and conversation.conversation_type == PERSONAL
    )


async def meet_teams_members(turn_context: TurnContext, people: People) -> None:
    """Read and keep the member profile of whoever installs the app, or writes to the bot in a
    personal chat without a kept profile; attach it to the parties it names."""
    if not _personal_teams_chat(turn_context):
        return
    activity = turn_context.activity
    bot_id = activity.recipient.id if activity.recipient else None
    if activity.type == ActivityTypes.conversation_update:
        user_ids = [m.id for m in activity.members_added or [] if m.id and m.id != bot_id]
    else:
        sender = sender_of(activity)
        user_ids = [] if await people.knows_teams_member(sender) else [sender.user_id or ""]
    reference: dict[str, Any] | None = None
    for user_id in filter(None, user_ids):
        member = await read_member(turn_context, user_id)
        if member is None:
            continue
        if reference is None:
            reference = serialize_reference(TurnContext.get_conversation_reference(activity))
        await people.learn_teams_member(member, reference)
