"""Card submits that stand on their own: a client's slots, a candidate's pick, other times.

These need no dialog state: the card carries the interview id and the verb, our records say who
the sender is, and the service decides. A card clicked days later works the same as one clicked
at once, on any server instance.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from botbuilder.core import MessageFactory, TurnContext

from cards import BOOK_BUTTON, booking_confirmation_card, md, offer_slots_card, pick_slot_card
from cards.messages import counted
from dialogs.changes import ChangeActions
from dialogs.common import send_card, sender_of
from dialogs.feedback import FeedbackActions
from dialogs.forms import parse_slot_rows
from integrations.calendar import CalendarUnavailable
from scheduling.interview import Role, Stage
from scheduling.zones import format_local_range
from services import Actor, InvalidRequest, InvitationGrant, NotAllowed, NotFound, Services, SlotTaken

NOT_YOURS = (
    "This card isn't for you, or its link has expired, so nothing was changed. "
    "If you think that's wrong, ask your recruiter for a new link."
)

Action = Callable[[TurnContext, Actor, str, Mapping[str, Any]], Awaitable[None]]


class CardActions:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._feedback = FeedbackActions(services)
        self.changes = ChangeActions(services)  # also what typed requests go through (dialogs/talk.py)
        # The expected role of the sender; None: any party of the interview (the service checks).
        self._actions: dict[str, tuple[Role | None, Action]] = {
            "offer_slots": (Role.CLIENT, self._offer_slots),
            "suggest_slots": (Role.CLIENT, self._suggest_slots),
            # The candidate, or the recruiter picking for them (the service checks which).
            "pick_slot": (None, self._pick_slot),
            "propose_times": (Role.CANDIDATE, self._propose_times),
            # After the interview (dialogs/feedback.py).
            "client_feedback": (Role.CLIENT, self._feedback.client_feedback),
            "candidate_feedback": (Role.CANDIDATE, self._feedback.candidate_feedback),
            "report_no_show": (None, self._feedback.report_no_show),
            "decide": (Role.RECRUITER, self._feedback.decide),
            # Changes (dialogs/changes.py): any party of the interview, or its recruiter.
            "reschedule": (None, self.changes.reschedule),
            "cancel": (None, self.changes.cancel),
            "nudge": (Role.RECRUITER, self.changes.nudge),
        }

    @property
    def verbs(self) -> frozenset[str]:
        return frozenset(self._actions)

    async def handle(self, turn_context: TurnContext, value: Mapping[str, Any]) -> None:
        verb = str(value.get("action"))
        role, action = self._actions[verb]
        interview_id = value.get("interview_id")
        if not isinstance(interview_id, str) or not 0 < len(interview_id) <= 64:
            await turn_context.send_activity("That card is missing its interview. Nothing was changed.")
            return
        actor = await self._services.people.actor_for(sender_of(turn_context.activity), interview_id)
        if actor is None or (role is not None and actor.role is not role):
            await turn_context.send_activity(NOT_YOURS)
            return
        try:
            await action(turn_context, actor, interview_id, value)
        except (NotAllowed, NotFound) as error:
            await turn_context.send_activity(f"{error.message} Nothing was changed.")
        except InvalidRequest as error:
            await turn_context.send_activity(f"{error.message}. Nothing was changed.")

    async def _offer_slots(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        view = await self._services.scheduling.view(interview_id)
        rules = await self._services.scheduling.rules(interview_id)
        if view is None or rules is None:
            raise NotFound("I can't find that interview.")
        requests = parse_slot_rows(value, view.client.zone)
        result = await self._services.scheduling.offer_slots(actor, interview_id, requests)
        if result.accepted:
            kept = "\n".join(f"- {format_local_range(s, view.client.zone)}" for s in result.accepted)
            await turn_context.send_activity(
                MessageFactory.text(
                    f"Thanks! I've sent {counted(len(result.accepted), 'slot')} to "
                    f"{md(view.candidate.name)}:\n\n"
                    f"{kept}\n\nI'll confirm as soon as they pick one."
                )
            )
        if result.refused:
            view = await self._services.scheduling.view(interview_id) or view
            await send_card(
                turn_context,
                offer_slots_card(view, rules, kept=result.accepted, refused=result.refused,
                                 calendar=self._services.scheduling.calendar_suggests),
                text="Some times could not be offered; here is why. Add others if you like.",
            )

    async def _suggest_slots(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        try:
            suggested = await self._services.scheduling.suggest_slots(actor, interview_id)
        except CalendarUnavailable as error:
            # Fail closed: nothing is suggested that was never checked; the card stays usable.
            await turn_context.send_activity(error.message)
            return
        view = await self._services.scheduling.view(interview_id)
        rules = await self._services.scheduling.rules(interview_id)
        if view is None or rules is None:
            raise NotFound("I can't find that interview.")
        if not suggested:
            await turn_context.send_activity(
                "Your calendar has no free time that fits the rules in the booking horizon. "
                "Please add times by hand."
            )
            return
        await send_card(
            turn_context,
            offer_slots_card(view, rules, suggested=suggested, calendar=True),
            text=f"I found {counted(len(suggested), 'free time')} in your calendar. Check them and send.",
        )

    async def _pick_slot(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        slot_id = value.get("slot_id")
        if not isinstance(slot_id, str) or not 0 < len(slot_id) <= 64:
            # The card's choice is not required there (see cards.slot_choice): say what to do.
            await turn_context.send_activity(
                f"Please choose one of the times on the card, then press **{BOOK_BUTTON}**. "
                "Nothing was changed."
            )
            return
        try:
            result = await self._services.scheduling.pick_slot(actor, interview_id, slot_id)
        except SlotTaken:
            view = await self._services.scheduling.view(interview_id)
            if view is not None:
                await send_card(
                    turn_context,
                    pick_slot_card(
                        view, message="That time was just taken. Here is what is still open."
                    ),
                )
            return
        when = format_local_range(result.booked, result.zone)
        if actor.role is Role.RECRUITER:
            await turn_context.send_activity(
                f"{'Already booked' if result.already else 'Booked'} for "
                f"{md(result.candidate_name)}: {when}. "
                "Both sides get their confirmation and calendar invitation."
            )
        elif result.already:
            await turn_context.send_activity(f"You're already booked for {when}. See you then!")
        else:
            await turn_context.send_activity(
                f"Booked: {when}. Your confirmation and calendar invitation are on their way."
            )

    async def _propose_times(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        text = value.get("windows")
        await self._services.scheduling.propose_other_times(actor, interview_id, str(text or ""))
        view = await self._services.scheduling.view(interview_id)
        client = md(view.client.name) if view else "the client"
        await turn_context.send_activity(
            f"Thanks. I've asked {client} for new times that suit you and will be back with them."
        )

    async def next_step(self, turn_context: TurnContext, grant: InvitationGrant) -> None:
        """What a person who opened their invitation link should see now."""
        view = await self._services.scheduling.view(grant.interview_id)
        if view is None:
            await turn_context.send_activity("I can't find that interview any more.")
            return
        if await self._feedback.next_step(turn_context, grant):
            return
        name = md(view.party(grant.role).name)
        if grant.role is Role.CLIENT and view.stage in (Stage.AWAITING_SLOTS, Stage.AWAITING_PICK):
            rules = await self._services.scheduling.rules(view.id)
            if rules is not None:
                lead = (
                    f"Hello {name}! {md(view.candidate.name)} would like to interview for "
                    f"**{md(view.role_title)}**. Which times suit you?"
                    if view.stage is Stage.AWAITING_SLOTS
                    else f"Hello {name}! {md(view.candidate.name)} is choosing from your slots. "
                    "You can add more here."
                )
                card = offer_slots_card(view, rules, calendar=self._services.scheduling.calendar_suggests)
                await send_card(turn_context, card, text=lead)
                return
        if grant.role is Role.CANDIDATE and view.stage is Stage.AWAITING_PICK:
            await send_card(
                turn_context,
                pick_slot_card(view),
                text=f"Hello {name}! Pick the time that suits you best for **{md(view.role_title)}**.",
            )
            return
        if view.stage is Stage.SCHEDULED and view.booked is not None:
            await send_card(turn_context, booking_confirmation_card(view, grant.role))
            return
        await turn_context.send_activity(
            f"Hello {name}! Your interview for **{md(view.role_title)}** is "
            f"{_status(view.stage, grant.role)}."
        )


def _status(stage: Stage, role: Role) -> str:
    if stage is Stage.AWAITING_SLOTS and role is Role.CANDIDATE:
        return "waiting for the client's available times; I'll message you as soon as they arrive"
    if stage is Stage.AWAITING_PICK and role is Role.CLIENT:
        return "waiting for the candidate to pick a time"
    return stage.value.replace("_", " ")


__all__ = ["NOT_YOURS", "CardActions"]
