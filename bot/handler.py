"""The activity handler: Teams-aware, thin. It greets, answers `help`, and hands the rest on."""

from __future__ import annotations

import logging
import re

from botbuilder.core import ConversationState, MessageFactory, TurnContext, UserState
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import (
    Activity,
    AdaptiveCardInvokeResponse,
    AdaptiveCardInvokeValue,
    ChannelAccount,
)

log = logging.getLogger(__name__)

HELP_TEXT = (
    "I'm askARSAN. I get clients and candidates to agree on an interview time and collect "
    "their feedback afterwards.\n\n"
    "- **schedule**: ask for an interview (recruiters)\n"
    "- **pipeline** / **upcoming**: see interviews on the tracker\n"
    "- **help**: this message\n\n"
    "Clients and candidates: open the link in your invitation, or use the buttons on my cards."
)

WELCOME_TEXT = "Hello! I'm askARSAN, the agency's scheduling assistant. Type **help** to see what I can do."


class AskarsanBot(TeamsActivityHandler):  # type: ignore[misc]
    def __init__(self, conversation_state: ConversationState, user_state: UserState) -> None:
        self.conversation_state = conversation_state
        self.user_state = user_state

    async def on_turn(self, turn_context: TurnContext) -> None:
        await super().on_turn(turn_context)
        # State is read lazily and written once, at the end of the turn.
        await self.conversation_state.save_changes(turn_context)
        await self.user_state.save_changes(turn_context)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        for member in members_added:
            if member.id != bot_id:
                await turn_context.send_activity(MessageFactory.text(WELCOME_TEXT))

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        text = normalise_command(turn_context.activity)
        if text in ("help", "?", "hi", "hello", ""):
            await turn_context.send_activity(MessageFactory.text(HELP_TEXT))
            return
        await turn_context.send_activity(
            MessageFactory.text(
                "Sorry, I didn't understand that. Type **help** to see what I can do."
            )
        )


    async def on_adaptive_card_invoke(
        self, turn_context: TurnContext, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        """Teams' Universal Actions (Action.Execute). Our cards use Action.Submit, which both Teams
        and Web Chat support; an Action.Execute from an older card gets a plain answer."""
        action = invoke_value.action
        # 4.17.1 leaves `action` as a plain dict; newer schemas make it a model.
        verb = str((action.get("verb") if isinstance(action, dict) else action.verb) or "")
        text = HELP_TEXT if verb == "help" else "That button is no longer active. Type **help**."
        card = {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.5",
            "body": [{"type": "TextBlock", "text": text, "wrap": True}],
        }
        return AdaptiveCardInvokeResponse(
            status_code=200, type="application/vnd.microsoft.card.adaptive", value=card
        )


_MENTION = re.compile(r"<at[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)


def normalise_command(activity: Activity) -> str:
    """The message text without @mentions (Teams group chats), trimmed, lower-case.

    Not `TurnContext.remove_recipient_mention`: in 4.17.1 it fails on a mention entity without
    `mentioned` and uses the bot's display name as a regular expression.
    """
    return _MENTION.sub("", activity.text or "").strip().lower()


def make_turn_error_handler(conversation_state: ConversationState):  # type: ignore[no-untyped-def]
    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        activity = context.activity
        # Ids only: no names, no e-mail addresses, no message text.
        log.exception(
            "turn failed: %s",
            type(error).__name__,
            exc_info=error,
            extra={
                "activity_id": activity.id,
                "activity_type": activity.type,
                "channel_id": activity.channel_id,
            },
        )
        try:
            await context.send_activity(
                "Sorry, something went wrong on our side and nothing was changed. "
                "Please try again in a moment; if it keeps happening, tell your recruiter."
            )
        finally:
            # Start the next turn from a clean dialog stack rather than repeat the failure.
            await conversation_state.load(context)
            await conversation_state.delete(context)

    return on_turn_error
