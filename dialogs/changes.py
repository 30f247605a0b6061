"""Card submits that change an interview: reschedule and cancel (any party, or the recruiter), and
the recruiter's one-click answers to an escalation (nudge again, cancel).

Like `dialogs.actions`, these need no dialog state: the card carries the verb and the interview
id, `CardActions` resolves who the sender is from our records, and `services.changes` decides
(cutoff, maximum, stage). A refusal is a clear message and no change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botbuilder.core import TurnContext

from cards import md
from cards._base import card
from cards.change_cards import reschedule_form_card
from cards.interview_cards import meeting_link_body
from dialogs.common import send_card
from scheduling.interview import Role, Stage
from services import Actor, InvalidRequest, NotFound, Services


class ChangeActions:
    def __init__(self, services: Services) -> None:
        self._services = services

    async def reschedule(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        reason = str(value.get("reason") or "").strip()
        if value.get("confirm") != "yes" or (not reason and actor.role is not Role.RECRUITER):
            # The Reschedule button on a confirmation or reminder: ask why first (the reason is
            # what the new times must fit), so an accidental click changes nothing; but what
            # would be refused anyway (too late, not booked) is said now, before asking why.
            await self._services.changes.check_reschedule(actor, interview_id)
            view = await self._services.scheduling.view(interview_id)
            if view is None:
                raise NotFound("I can't find that interview.")
            message = "Please say why, so that the new times fit." if value.get("confirm") else None
            await send_card(turn_context, reschedule_form_card(view, actor.role, message=message))
            return
        await self._services.changes.reschedule(actor, interview_id, reason)
        view = await self._services.scheduling.view(interview_id)
        client = md(view.client.name) if view else "the client"
        if view is not None and view.page_version is not None and view.stage is Stage.AWAITING_PICK:
            # From the booking page: the candidate picks a new live time; nobody offers slots.
            await turn_context.send_activity(
                "Done: the old time is released and everyone has been told. "
                + ("Pick a new time on the card that follows."
                   if actor.role is Role.CANDIDATE
                   else f"{md(view.candidate.name)} picks a new time from "
                   + ("your" if actor.role is Role.CLIENT else f"{client}'s") + " booking page.")
            )
            return
        if actor.role is Role.CLIENT:
            await turn_context.send_activity(
                "Done: the old time is released and everyone has been told. "
                "Please offer new times on the card that follows."
            )
        else:
            await turn_context.send_activity(
                f"Done: the old time is released and everyone has been told. I've asked {client} "
                "for new times and will send them to you to pick."
                if actor.role is Role.CANDIDATE
                else f"Rescheduled: the old time is released and {client} has been asked for new times."
            )

    async def cancel(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        await self._services.changes.cancel(actor, interview_id, str(value.get("reason") or ""))
        if actor.role is Role.RECRUITER:
            await turn_context.send_activity("Cancelled. The client and the candidate have been told.")
            return
        view = await self._services.scheduling.view(interview_id)
        recruiter = md(view.recruiter.name) if view else "your recruiter"
        await turn_context.send_activity(
            f"The interview is cancelled and everyone has been told. {recruiter} will be in touch."
        )

    async def nudge(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        await self._services.changes.nudge(actor, interview_id)
        await turn_context.send_activity(
            "Nudged: they have the card again, and I'll remind them and tell you if they still don't answer."
        )

    # The recruiter's controls on a booked interview (services.controls) ------------------------

    async def resend_invitation(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        await self._services.controls.resend_invitation(actor, interview_id)
        await turn_context.send_activity(
            "Sent again: the client and the candidate get their confirmation and invitation once more."
        )

    async def set_meeting_link(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        try:
            result = await self._services.controls.set_meeting_link(
                actor, interview_id, str(value.get("join_url") or "")
            )
        except InvalidRequest as error:
            view = await self._services.scheduling.view(interview_id)
            said = f"{error.message}. Nothing was changed."
            if view is None:
                await turn_context.send_activity(said)
                return
            await send_card(turn_context, card([*meeting_link_body(view)]), text=said)
            return
        if result.already:
            await turn_context.send_activity("That is the meeting link already; nothing was sent again.")
            return
        await turn_context.send_activity(
            "Done: the client and the candidate have the meeting link, with a Join button."
        )

    async def allow_reschedule(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        by = str(value.get("by") or Role.CANDIDATE.value)
        result = await self._services.controls.allow_one_more(actor, interview_id, by)
        view = await self._services.scheduling.view(interview_id)
        who = md(view.party(Role(by)).name) if view is not None else "They"
        if result.already:
            await turn_context.send_activity(
                f"{who} can already reschedule ({result.remaining} left); nothing was changed."
            )
            return
        await turn_context.send_activity(
            f"Allowed: {who} can reschedule once more, and I've told them so."
        )


__all__ = ["ChangeActions"]
