"""Small pieces every dialog uses: who sent this turn, how to reply with a card."""

from __future__ import annotations

from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity, Attachment

from services import PartyInput, Sender


def sender_of(activity: Activity) -> Sender:
    who = activity.from_property
    return Sender(
        channel_id=activity.channel_id or "",
        user_id=who.id if who else None,
        aad_object_id=who.aad_object_id if who else None,
        name=who.name if who else None,
        # The adapter's tenant middleware has already put channelData.tenant.id here (§6).
        tenant_id=activity.conversation.tenant_id if activity.conversation is not None else None,
        locale=activity.locale,
    )


def recruiter_input(activity: Activity) -> PartyInput:
    """The recruiter talking to the bot in Teams (or the Emulator), as a party."""
    who = activity.from_property
    return PartyInput(
        name=(who.name if who and who.name else "Recruiter"),
        email=None,
        zone=activity.local_timezone or "UTC",
        aad_object_id=who.aad_object_id if who else None,
        teams_user_id=who.id if who else None,
    )


def attachment(card: dict[str, Any]) -> Attachment:
    """A card from cards/ (a plain Adaptive Card dict) as the Bot Framework attachment that carries it."""
    return CardFactory.adaptive_card(card)


async def send_card(turn_context: TurnContext, card: dict[str, Any], text: str | None = None) -> None:
    activity = MessageFactory.attachment(attachment(card))
    if text:
        activity.text = text
    await turn_context.send_activity(activity)
