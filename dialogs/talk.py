"""What a client or a candidate types in their chat: read as an intent
(``scheduling.phrases.intents``) and answered in the interview's present state.

"reschedule" and "cancel" go through the same doors as the card buttons (``dialogs.changes``):
a typed reschedule gets the reschedule form the Reschedule button shows, a typed cancel the cancel
question the Cancel button opens, and the use case behind the submit applies the cutoff, the
maximum and the stage. "set my availability" gets a client the card ``show_availability``
shows (``dialogs.availability``), anyone else a line saying whose hours those are. Nothing
changes on a typed word alone. A time typed where times are asked for (a candidate choosing, a
client offering) is answered with the times to book or offer (``dialogs.typed_times``). What is
not understood is answered with "I didn't catch that" and the options, then the card to act on
when the state has one.
"""

from __future__ import annotations

from botbuilder.core import TurnContext

from cards.change_cards import cancel_form_card
from cards.replies import (
    BEFORE_INTERVIEW,
    availability_not_yours,
    cancel_confirm,
    cannot_cancel,
    cannot_move,
    help_reply,
    not_understood,
    state_buttons,
    when_reply,
)
from dialogs.actions import CardActions
from dialogs.common import send_card
from dialogs.typed_times import TypedTimes
from scheduling.interview import Role, Stage
from scheduling.phrases.intents import Intent, read_intent
from services import Actor, InvitationGrant, NotAllowed, NotFound, Services


class TypedRequests:
    def __init__(self, services: Services, actions: CardActions) -> None:
        self._services = services
        self._actions = actions
        self._times = TypedTimes(services, actions)

    async def answer(self, turn_context: TurnContext, grant: InvitationGrant, text: str) -> None:
        view = await self._services.scheduling.view(grant.interview_id, reader=grant.party_id)
        if view is None:
            await turn_context.send_activity("I can't find that interview any more.")
            return
        role = grant.role
        intent = read_intent(text)
        if intent is Intent.WHEN:
            await turn_context.send_activity(when_reply(view, role))
            return
        if intent is Intent.AVAILABILITY and role is Role.CLIENT:
            actor = Actor(role, grant.party_id, grant.interview_id)
            try:
                await self._actions.availability.show(turn_context, actor, grant.interview_id, {})
            except NotFound as error:
                await turn_context.send_activity(f"{error.message} Nothing was changed.")
            return
        if intent is Intent.AVAILABILITY:
            await turn_context.send_activity(availability_not_yours(view, role))
            return
        if intent is Intent.RESCHEDULE and view.stage is Stage.SCHEDULED:
            actor = Actor(role, grant.party_id, grant.interview_id)
            try:
                await self._actions.changes.reschedule(turn_context, actor, grant.interview_id, {})
            except (NotAllowed, NotFound) as error:
                await turn_context.send_activity(f"{error.message} Nothing was changed.")
            return
        if intent is Intent.RESCHEDULE:
            await turn_context.send_activity(cannot_move(view, role))
        elif intent is Intent.CANCEL and view.stage in BEFORE_INTERVIEW:
            await send_card(turn_context, cancel_form_card(view, role), text=cancel_confirm(view, role))
            return
        elif intent is Intent.CANCEL:
            await turn_context.send_activity(cannot_cancel(view, role))
            return
        elif intent is Intent.HELP:
            await turn_context.send_activity(help_reply(view, role))
        elif intent is Intent.UNKNOWN and await self._times.answer(turn_context, grant, view, text):
            return
        else:
            await turn_context.send_activity(not_understood(view, role))
        if state_buttons(view, role) is not None:
            # The card the explanation names, again: it may be far up the chat by now.
            await self._actions.next_step(turn_context, grant)


__all__ = ["TypedRequests"]
