"""Card submits after the decision: the recruiter sends a drafted message, edited or as drafted
(``services/outcomes.py``). Stateless like `dialogs.actions`: the card carries the verb, the
interview and the message; our records say who the sender is; the service decides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from botbuilder.core import TurnContext

from cards import md
from cards.outcomes import outcome_drafts_card, outcome_input_id
from dialogs.common import send_card
from scheduling.zones import format_local
from services import Actor, InvalidRequest, NotFound, Services


class OutcomeActions:
    def __init__(self, services: Services) -> None:
        self._services = services

    async def reply_with_drafts(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, reply: str
    ) -> None:
        """`reply` (what was recorded) with the card of the decision's messages to review and send;
        the reply alone when none is waiting to be sent."""
        messages = await self._services.outcomes.messages(actor, interview_id)
        view = await self._services.scheduling.view(interview_id)
        if view is None or all(m.sent for m in messages):
            await turn_context.send_activity(reply)
            return
        await send_card(
            turn_context, outcome_drafts_card(view, messages),
            text=f"{reply} Its messages are drafted below: nothing is sent until you press Send.",
        )

    async def send(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        message_id = value.get("message_id")
        if not isinstance(message_id, str) or not 0 < len(message_id) <= 64:
            await turn_context.send_activity("That card is missing its message. Nothing was sent.")
            return
        # The card always carries the text's field: a missing one is an emptied field, refused
        # with the reason (never the untouched draft sent in its place).
        typed = value.get(outcome_input_id(message_id))
        text = typed if isinstance(typed, str) else ""
        try:
            result = await self._services.outcomes.send(actor, interview_id, message_id, text)
        except InvalidRequest as error:
            # The card again, with what was wrong under the message and what they typed kept.
            why = "; ".join(error.problems.values())
            view = await self._services.scheduling.view(interview_id)
            if view is None:
                raise NotFound("I can't find that interview.") from None
            messages = [
                dataclasses.replace(m, body=text) if m.id == message_id else m
                for m in await self._services.outcomes.messages(actor, interview_id)
            ]
            await send_card(turn_context, outcome_drafts_card(view, messages, problem=(message_id, why)),
                            text=f"Nothing was sent: {md(why)}.")
            return
        message = result.message
        if result.already:
            view = await self._services.scheduling.view(interview_id)
            zone = view.recruiter.zone if view is not None else "UTC"
            when = format_local(message.sent_at, zone) if message.sent_at else "earlier"
            await turn_context.send_activity(
                f"That message to {md(message.to_name)} was already sent ({when}); nothing was sent again."
            )
            return
        await turn_context.send_activity(
            f"Sent to {md(message.to_name)}: by e-mail, and in their chat where they have one."
        )


__all__ = ["OutcomeActions"]
