"""The activity handler: Teams-aware and thin. It routes each turn to a card action, the active
dialog, or a command; everything else lives in dialogs/ and services/."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from botbuilder.core import ConversationState, MessageFactory, TurnContext, UserState
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.dialogs import DialogSet, DialogTurnStatus
from botbuilder.schema import (
    Activity,
    AdaptiveCardInvokeResponse,
    AdaptiveCardInvokeValue,
    ChannelAccount,
)

from bot.framework.adapter import AskarsanAdapter
from bot.framework.member_profiles import meet_teams_members
from bot.framework.sdk4171.activity_codec import serialize_reference
from bot.framework.team_channel import TeamTurns, in_team
from cards import notice_card
from cards.replies import RECRUITER_AVAILABILITY, RECRUITER_CHANGES, RECRUITER_NOT_UNDERSTOOD
from dialogs.actions import CardActions
from dialogs.common import sender_of
from dialogs.schedule import ScheduleInterviewDialog
from dialogs.talk import TypedRequests
from scheduling.phrases.intents import Intent, read_intent
from services import InvitationInvalid, Services
from storage.turn_order import begin_turn

log = logging.getLogger(__name__)

HELP_TEXT = (
    "I'm askARSAN. I get clients and candidates to agree on an interview time and collect "
    "their feedback afterwards.\n\n"
    "- **schedule**: ask for an interview (recruiters)\n"
    "- **pipeline** / **upcoming**: see your interviews (add **team** for your team's)\n"
    "- **help**: this message\n\n"
    "Clients and candidates: open the link in your invitation and use the buttons on my cards, "
    "or type **when is my interview?**, **reschedule**, **cancel** or **help** there; clients "
    "can type **set my availability** to set the hours candidates book from."
)

WELCOME_TEXT = (
    "Hello! I'm askARSAN, the agency's scheduling assistant. Type **help** to see what I can do."
)


class AskarsanBot(TeamsActivityHandler):  # type: ignore[misc]
    def __init__(
        self, conversation_state: ConversationState, user_state: UserState, services: Services
    ) -> None:
        self.conversation_state = conversation_state
        self.user_state = user_state
        self.services = services
        self.dialogs = DialogSet(conversation_state.create_property("DialogState"))
        self.dialogs.add(ScheduleInterviewDialog(services))
        self.actions = CardActions(services)
        self.typed = TypedRequests(services, self.actions)
        self.team_turns = TeamTurns(services)  # the app in a Teams team (bot/framework/team_channel.py)
        self.commands: dict[str, Callable[[TurnContext], Awaitable[None]]] = {
            "help": self._help,
            "schedule": self._schedule,
            "pipeline": self._pipeline,
            "upcoming": self._upcoming,
            # The recruiting team (dialogs/team.py): the team's pipeline, and how to hand over.
            **self.actions.team.commands,
        }

    async def on_turn(self, turn_context: TurnContext) -> None:
        await self._meet(turn_context)
        if turn_context.activity.type == "message" and not in_team(turn_context.activity):
            # Before answering: the first time a party talks, their chat's locale is their language.
            await self.services.people.learn_language(sender_of(turn_context.activity))
        await super().on_turn(turn_context)
        if turn_context.activity.type in ("message", "conversationUpdate") and not in_team(
            turn_context.activity
        ):
            # (Never a team's channel: a recruiter's own cards must not go to it.)
            # At the end: a party this turn created (a recruiter's first request) is known now.
            await self._remember(turn_context)
        # State is read lazily and written once, at the end of the turn.
        await self.conversation_state.save_changes(turn_context)
        await self.user_state.save_changes(turn_context)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        if await self.team_turns.conversation_update(turn_context):
            return
        await super().on_conversation_update_activity(turn_context)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        for member in members_added:
            if member.id == bot_id:
                continue
            grant = await self.services.people.webchat_grant(sender_of(turn_context.activity))
            if grant is not None:
                await self.actions.next_step(turn_context, grant)
            else:
                await turn_context.send_activity(MessageFactory.text(WELCOME_TEXT))

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        value: Any = activity.value
        action = value.get("action") if isinstance(value, dict) else None
        if not isinstance(action, str):
            action = None  # a card's data is not ours to trust: only a string names a verb
        if action in self.actions.verbs:
            await self.actions.handle(turn_context, value)
            return
        if action is None and await self.team_turns.message(turn_context, normalise_command(activity)):
            return
        if action == "command":
            await self._command(turn_context, str(value.get("command") or "help"))
            return
        dialog_context = await self.dialogs.create_context(turn_context)
        if dialog_context.active_dialog is not None:
            result = await dialog_context.continue_dialog()
            if result.status != DialogTurnStatus.Empty:
                return
        if action == "request_interview":
            await dialog_context.begin_dialog(ScheduleInterviewDialog.ID, {"submitted": value})
            return
        grant = await self.services.people.webchat_grant(sender_of(activity))
        if grant is not None:
            # Candidates and clients on web chat: what they type is read and answered
            # (dialogs/talk.py); a submit that is none of ours shows what to do next.
            text = normalise_command(activity)
            if text:
                await self.typed.answer(turn_context, grant, text)
            else:
                await self.actions.next_step(turn_context, grant)
            return
        await self._command(turn_context, normalise_command(activity))

    async def _command(self, turn_context: TurnContext, text: str) -> None:
        if text in ("", "?", "hi", "hello"):
            text = "help"
        if text.startswith("join "):
            await self._join(turn_context)
            return
        handler = self.commands.get(text)
        if handler is None:
            # Not a command word: the plain-language requests a recruiter may type too.
            intent = read_intent(text)
            if intent is Intent.HELP:
                handler = self._help
            elif intent is Intent.WHEN:
                handler = self._upcoming
            else:
                await turn_context.send_activity(
                    MessageFactory.text(
                        RECRUITER_CHANGES if intent in (Intent.RESCHEDULE, Intent.CANCEL)
                        else RECRUITER_AVAILABILITY if intent is Intent.AVAILABILITY
                        else RECRUITER_NOT_UNDERSTOOD
                    )
                )
                return
        await handler(turn_context)

    async def _join(self, turn_context: TurnContext) -> None:
        """`join <invitation token or link>` in the Emulator: play the client or the candidate."""
        words = (turn_context.activity.text or "").split()
        token = words[-1].split("t=")[-1] if len(words) >= 2 else ""
        try:
            grant = await self.services.people.bind_emulator_user(sender_of(turn_context.activity), token)
        except InvitationInvalid as error:
            await turn_context.send_activity(f"{error.message} Nothing was changed.")
            return
        await self.actions.next_step(turn_context, grant)

    async def _help(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.text(HELP_TEXT))

    async def _schedule(self, turn_context: TurnContext) -> None:
        dialog_context = await self.dialogs.create_context(turn_context)
        await dialog_context.cancel_all_dialogs()
        await dialog_context.begin_dialog(ScheduleInterviewDialog.ID)

    async def _pipeline(self, turn_context: TurnContext, *, upcoming: bool = False) -> None:
        await self.actions.team.pipeline(turn_context, upcoming=upcoming)

    async def _upcoming(self, turn_context: TurnContext) -> None:
        await self._pipeline(turn_context, upcoming=True)

    async def _meet(self, turn_context: TurnContext) -> None:
        """First: who installs the app or writes to it in a Teams personal chat, from their member
        profile (bot/framework/member_profiles.py), so this very turn knows their e-mail."""
        await meet_teams_members(turn_context, self.services.people)

    async def _remember(self, turn_context: TurnContext) -> None:
        reference = TurnContext.get_conversation_reference(turn_context.activity)
        await self.services.people.remember_conversation(
            sender_of(turn_context.activity), serialize_reference(reference)
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
        return AdaptiveCardInvokeResponse(
            status_code=200, type="application/vnd.microsoft.card.adaptive", value=notice_card(text)
        )


_MENTION = re.compile(r"<at[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)


def normalise_command(activity: Activity) -> str:
    """The message text without @mentions (Teams group chats), trimmed, lower-case.

    Not `TurnContext.remove_recipient_mention`: in 4.17.1 it fails on a mention entity without
    `mentioned` and uses the bot's display name as a regular expression.
    """
    return _MENTION.sub("", activity.text or "").strip().lower()


def make_turn_error_handler(
    conversation_state: ConversationState,
) -> Callable[[TurnContext, Exception], Awaitable[None]]:
    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        activity = context.activity
        # Ids only: no names, no e-mail addresses, no message text.
        log.error(
            "turn failed: %s (activity %s, type %s, channel %s)",
            type(error).__name__,
            activity.id,
            activity.type,
            activity.channel_id,
            exc_info=error,
        )
        try:
            await context.send_activity(
                "Sorry, something went wrong on our side and nothing was changed. "
                "Please try again in a moment; if it keeps happening, tell your recruiter."
            )
        except Exception as apology_error:  # noqa: BLE001 - the channel may be what failed
            log.warning(
                "could not send the apology for activity %s: %s",
                activity.id,
                type(apology_error).__name__,
            )
        finally:
            # Start the next turn from a clean dialog stack rather than repeat the failure.
            try:
                await conversation_state.load(context)
                await conversation_state.delete(context)
            except Exception as state_error:  # noqa: BLE001 - e.g. the database is what failed
                log.warning(
                    "could not reset the dialog state after activity %s: %s",
                    activity.id,
                    type(state_error).__name__,
                )

    return on_turn_error


def setup_bot_endpoint(app: web.Application, adapter: AskarsanAdapter, bot: AskarsanBot) -> None:
    """``POST /api/messages``: Teams, Azure Bot Service and the Emulator."""

    async def messages(request: web.Request) -> web.Response:
        begin_turn()  # the database serves the oldest waiting turn first (storage/turn_order.py)
        return await adapter.process(request, bot)

    app.router.add_post("/api/messages", messages)
