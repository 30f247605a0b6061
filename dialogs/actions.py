"""Card submits that stand on their own: a client's slots, a candidate's pick, other times.

These need no dialog state: the card carries the interview id and the verb, our records say who
the sender is, and the service decides. A card clicked days later works the same as one clicked
at once, on any server instance.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from botbuilder.core import MessageFactory, TurnContext

from cards import BOOK_BUTTON, booking_confirmation_card, md, offer_slots_card, pick_slot_card
from cards.i18n import language_for
from cards.interview_cards import LIVE_TIME_PREFIX
from cards.messages import (
    already_booked_reply,
    booked_reply,
    counted,
    offered_lines,
    pick_greeting,
    proposed_reply,
    zone_changed_reply,
)
from cards.proposals import correct_times_card, proposal_read_lines
from dialogs.availability import AvailabilityActions
from dialogs.changes import ChangeActions
from dialogs.common import send_card, sender_of
from dialogs.feedback import FeedbackActions
from dialogs.forms import parse_slot_rows
from dialogs.outcomes import OutcomeActions
from dialogs.team import TeamActions
from integrations.calendar import CalendarUnavailable
from scheduling.errors import DomainError
from scheduling.interview import STAGE_LABELS, Role, Stage
from scheduling.zones import format_local_range, zone
from services import (
    Actor,
    InvalidRequest,
    InvitationGrant,
    NotAllowed,
    NotFound,
    PickResult,
    Services,
    SlotTaken,
)

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
        self.availability = AvailabilityActions(services)  # and "set my availability" typed
        self.team = TeamActions(services)  # handover, and the team's commands (dialogs/team.py)
        self.outcomes = OutcomeActions(services)  # after the decision (dialogs/outcomes.py)
        # The expected role of the sender; None: any party of the interview (the service checks).
        self._actions: dict[str, tuple[Role | None, Action]] = {
            "offer_slots": (Role.CLIENT, self._offer_slots),
            "suggest_slots": (Role.CLIENT, self._suggest_slots),
            # The candidate, or the recruiter picking for them (the service checks which).
            "pick_slot": (None, self._pick_slot),
            # A live open time of the client's booking page, and paging through them.
            "book_time": (None, self._book_time),
            "more_times": (None, self._more_times),
            # The client or the candidate reads times in another zone from now on.
            "set_zone": (None, self._set_zone),
            "propose_times": (Role.CANDIDATE, self._propose_times),
            # The client books a time inside the windows the candidate proposed.
            "accept_window": (Role.CLIENT, self._accept_window),
            # After the interview (dialogs/feedback.py).
            "client_feedback": (Role.CLIENT, self._feedback.client_feedback),
            "candidate_feedback": (Role.CANDIDATE, self._feedback.candidate_feedback),
            "report_no_show": (None, self._feedback.report_no_show),
            "decide": (Role.RECRUITER, self._feedback.decide),
            # After the decision (dialogs/outcomes.py): the interview's recruiter sends a message.
            "send_outcome": (Role.RECRUITER, self.outcomes.send),
            # Changes (dialogs/changes.py): any party of the interview, or its recruiter.
            "reschedule": (None, self.changes.reschedule),
            "cancel": (None, self.changes.cancel),
            "nudge": (Role.RECRUITER, self.changes.nudge),
            # The recruiter's controls on a booked interview (services.controls): its owner or a
            # co-recruiter only; anyone else replaying the data is told it is not theirs.
            "resend_invitation": (Role.RECRUITER, self.changes.resend_invitation),
            "set_meeting_link": (Role.RECRUITER, self.changes.set_meeting_link),
            "allow_reschedule": (Role.RECRUITER, self.changes.allow_reschedule),
            # A client's booking page (dialogs/availability.py): theirs, from any of their interviews.
            "show_availability": (Role.CLIENT, self.availability.show),
            "set_availability": (Role.CLIENT, self.availability.set),
            # The recruiting team (dialogs/team.py): the owner or a co-recruiter hands over.
            "handover_form": (Role.RECRUITER, self.team.handover_form),
            "hand_over": (Role.RECRUITER, self.team.hand_over),
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
            kept = offered_lines(view, result.accepted)
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
                                 calendar=self._services.scheduling.calendar_suggests,
                                 proposed=await self._services.scheduling.proposed_options(interview_id)),
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
                        view, message="That time was just taken. Here is what is still open.",
                        browser_zone=browser_zone(turn_context),
                    ),
                )
            return
        await self._booked(turn_context, actor, result, interview_id)

    async def _book_time(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        chosen = [v for k, v in value.items() if str(k).startswith(LIVE_TIME_PREFIX) and v]
        if len(chosen) != 1:
            # One choice per day on the card: none, or one on two days, is not a choice yet.
            ask = "Please choose one of the times" if not chosen else "Please choose only one time"
            await turn_context.send_activity(
                f"{ask} on the card, then press **{BOOK_BUTTON}**. Nothing was changed."
            )
            return
        start = _instant(chosen[0])
        if start is None:
            await turn_context.send_activity(
                f"That is not one of the listed times. Please choose one on the card and press "
                f"**{BOOK_BUTTON}**. Nothing was changed."
            )
            return
        try:
            result = await self._services.booking.book(actor, interview_id, start)
        except CalendarUnavailable as error:
            await turn_context.send_activity(error.message)
            return
        except SlotTaken as error:
            await self.send_live_times(
                turn_context, interview_id, message=f"{error.message} Here is what is still open."
            )
            return
        await self._booked(turn_context, actor, result, interview_id)

    async def _more_times(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        after = _instant(value.get("after")) if value.get("after") else None
        await self.send_live_times(turn_context, interview_id, after=after)

    async def _set_zone(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        if actor.role is Role.RECRUITER:
            raise NotAllowed("Only the client and the candidate choose the zone they read times in.")
        chosen = value.get("zone")
        if not isinstance(chosen, str) or not chosen.strip():
            await turn_context.send_activity(
                "Please choose your time zone in the list, then press **Use this time zone**. "
                "Nothing was changed."
            )
            return
        key = await self._services.people.set_zone(actor, interview_id, chosen.strip()[:64])
        view = await self._services.scheduling.view(interview_id)
        await turn_context.send_activity(zone_changed_reply(view, actor.role, key))
        if actor.role is Role.CANDIDATE and view is not None and view.stage is Stage.AWAITING_PICK:
            if not await self.send_live_times(turn_context, interview_id):
                await send_card(turn_context, pick_slot_card(view, browser_zone=browser_zone(turn_context)))

    async def send_live_times(
        self,
        turn_context: TurnContext,
        interview_id: str,
        *,
        message: str | None = None,
        after: datetime | None = None,
        text: str | None = None,
    ) -> bool:
        """The candidate's card of live open times (after `after`); False when the interview's
        times are offered by hand (nothing sent)."""
        view = await self._services.scheduling.view(interview_id)
        if view is None:
            raise NotFound("I can't find that interview.")
        if view.stage is not Stage.AWAITING_PICK:
            if view.stage is Stage.SCHEDULED and view.booked is not None:
                await turn_context.send_activity(already_booked_reply(view, Role.CANDIDATE))
                return True
            stage = STAGE_LABELS[view.stage].lower()
            raise NotAllowed(f"This interview is {stage}: there is no time to pick.")
        if view.slots:
            return False  # the client offered slots by hand: those are the choice
        try:
            live = await self._services.booking.open_times(interview_id, after=after)
        except CalendarUnavailable as error:
            await turn_context.send_activity(error.message)
            return True
        if live is None:
            return False
        card = pick_slot_card(view, message=message, live=live.times, more=live.more,
                              paged=after is not None, browser_zone=browser_zone(turn_context))
        await send_card(turn_context, card, text=text)
        return True

    async def _booked(
        self, turn_context: TurnContext, actor: Actor, result: PickResult, interview_id: str
    ) -> None:
        when = format_local_range(result.booked, result.zone)
        view = await self._services.scheduling.view(interview_id) if actor.role is Role.CANDIDATE else None
        if view is not None:
            await turn_context.send_activity(
                booked_reply(view, result.booked, result.zone, already=result.already)
            )
        elif actor.role is Role.RECRUITER:
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
        words = str(value.get("windows") or "")
        locale = turn_context.activity.locale
        proposed = await self._services.scheduling.propose_other_times(
            actor, interview_id, words, locale=locale[:35] if isinstance(locale, str) else None
        )
        view = await self._services.scheduling.view(interview_id)
        if view is None:
            await turn_context.send_activity("I can't find that interview any more.")
            return
        read = proposal_read_lines(proposed.windows, proposed.zone, language_for(view, Role.CANDIDATE))
        said = proposed_reply(view, read if proposed.windows else None)
        if proposed.problems:
            await send_card(turn_context, correct_times_card(view, words.strip(), proposed.problems),
                            text=said)
            return
        await turn_context.send_activity(said)

    async def _accept_window(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        proposal, start = value.get("proposal"), _instant(value.get("start"))
        if not isinstance(proposal, str) or not 0 < len(proposal) <= 64 or start is None:
            await turn_context.send_activity(
                "That button does not name one of the candidate's times. Nothing was changed."
            )
            return
        try:
            result = await self._services.scheduling.accept_proposed_time(
                actor, interview_id, proposal, start
            )
        except SlotTaken as error:
            await self._proposal_again(turn_context, interview_id, f"{error.message} Nothing was booked.")
            return
        except NotAllowed as error:
            await self._proposal_again(turn_context, interview_id, f"{error.message} Nothing was booked.")
            return
        when = format_local_range(result.booked, result.zone)
        if result.already:
            await turn_context.send_activity(f"Already booked for {when}.")
            return
        await turn_context.send_activity(
            f"Booked: {when}, a time {md(result.candidate_name)} proposed. You both get your "
            "confirmation and calendar invitation."
        )

    async def _proposal_again(self, turn_context: TurnContext, interview_id: str, message: str) -> None:
        """A stale or refused accept: say why, and show the offer card as it is now (the
        candidate's open windows with their times, if any) when the client can still offer."""
        view = await self._services.scheduling.view(interview_id)
        rules = await self._services.scheduling.rules(interview_id)
        if view is None or rules is None or view.stage is not Stage.AWAITING_SLOTS:
            await turn_context.send_activity(message)
            return
        proposed = await self._services.scheduling.proposed_options(interview_id)
        card = offer_slots_card(view, rules, proposed=proposed,
                                calendar=self._services.scheduling.calendar_suggests)
        await send_card(turn_context, card, text=message)

    async def next_step(self, turn_context: TurnContext, grant: InvitationGrant) -> None:
        """What a person who opened their invitation link should see now."""
        view = await self._services.scheduling.view(grant.interview_id, reader=grant.party_id)
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
                proposed = await self._services.scheduling.proposed_options(view.id)
                card = offer_slots_card(view, rules, proposed=proposed,
                                        calendar=self._services.scheduling.calendar_suggests)
                await send_card(turn_context, card, text=lead)
                return
        if grant.role is Role.CANDIDATE and view.stage is Stage.AWAITING_PICK:
            greeting = pick_greeting(view)
            if await self.send_live_times(turn_context, view.id, text=greeting):
                return
            await send_card(
                turn_context, pick_slot_card(view, browser_zone=browser_zone(turn_context)), text=greeting
            )
            return
        if view.stage is Stage.SCHEDULED and view.booked is not None:
            await send_card(turn_context, booking_confirmation_card(view, grant.role))
            return
        await turn_context.send_activity(
            f"Hello {name}! Your interview for **{md(view.role_title)}** is "
            f"{_status(view.stage, grant.role)}."
        )


def browser_zone(turn_context: TurnContext) -> str | None:
    """The zone Web Chat reports for the browser (the activity's ``localTimezone``), when it is
    a real IANA zone."""
    reported = getattr(turn_context.activity, "local_timezone", None)
    if not isinstance(reported, str) or not 0 < len(reported) <= 64:
        return None
    try:
        return zone(reported).key
    except DomainError:
        return None


def _instant(value: object) -> datetime | None:
    """A time a card carried (an ISO 8601 instant with its offset), or None."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return None
    return instant.astimezone(UTC) if instant.tzinfo is not None else None


def _status(stage: Stage, role: Role) -> str:
    if stage is Stage.AWAITING_SLOTS and role is Role.CANDIDATE:
        return "waiting for the client's available times; I'll message you as soon as they arrive"
    if stage is Stage.AWAITING_PICK and role is Role.CLIENT:
        return "waiting for the candidate to pick a time"
    return stage.value.replace("_", " ")


__all__ = ["NOT_YOURS", "CardActions"]
