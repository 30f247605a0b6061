"""Card submits after the interview: feedback from each side, no-shows, the recruiter's decision.

Like `dialogs.actions`, these need no dialog state: the card carries the verb and the interview
id, our records say who the sender is (`CardActions` resolves the actor), and the services decide.
A feedback card with problems comes back with the problems and everything the person typed, so
nothing is lost; nothing is saved until the whole answer is valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botbuilder.core import TurnContext

from cards import feedback_prompt_card, md
from cards.messages import feedback_lead
from dialogs.common import send_card
from dialogs.outcomes import OutcomeActions
from scheduling.feedback import MAX_TEXT_LENGTH, InvalidFeedback
from scheduling.interview import DECISION_LABELS, Decision, Role, Stage
from services import Actor, InvitationGrant, NotFound, Services

CLIENT_FIELDS = ("rating", "impressions", "qualification", "concerns", "recommendation")
CANDIDATE_FIELDS = ("rating", "impressions", "interest", "concerns")


def typed_values(value: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, str]:
    """What the person typed, to put back into the card (bounded: Teams caps a card's size)."""
    typed: dict[str, str] = {}
    for key in fields:
        raw = value.get(key)
        if isinstance(raw, (str, int)) and not isinstance(raw, bool) and str(raw).strip():
            typed[key] = str(raw)[: MAX_TEXT_LENGTH + 100]
    return typed


class FeedbackActions:
    def __init__(self, services: Services) -> None:
        self._services = services

    async def client_feedback(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        await self._submit(turn_context, actor, interview_id, value, CLIENT_FIELDS)

    async def candidate_feedback(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        await self._submit(turn_context, actor, interview_id, value, CANDIDATE_FIELDS)

    async def _submit(
        self,
        turn_context: TurnContext,
        actor: Actor,
        interview_id: str,
        value: Mapping[str, Any],
        fields: tuple[str, ...],
    ) -> None:
        try:
            result = await self._services.feedback.submit(actor, interview_id, value)
        except InvalidFeedback as error:
            view = await self._services.scheduling.view(interview_id)
            if view is None:
                raise NotFound("I can't find that interview.") from None
            await send_card(
                turn_context,
                feedback_prompt_card(
                    view, actor.role, values=typed_values(value, fields), problems=error.problems
                ),
                text="Some answers need fixing, so nothing was saved yet: "
                + " ".join(error.problems.values()),
            )
            return
        view = await self._services.scheduling.view(interview_id)
        recruiter = md(view.recruiter.name) if view else "your recruiter"
        if result.summary_compiled:
            await turn_context.send_activity(
                f"Thank you! {recruiter} has your feedback ({result.rating}/5) and will be in touch "
                "about next steps."
            )
        elif result.edited:
            await turn_context.send_activity(
                f"Updated: {recruiter} now has your new answers ({result.rating}/5)."
            )
        else:
            await turn_context.send_activity(
                f"Thank you! Your feedback ({result.rating}/5) went to {recruiter} only. "
                "If you want to change something, send the card again; you can until the summary "
                "is compiled."
            )

    async def report_no_show(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        who = str(value.get("who") or "")
        changed = await self._services.feedback.report_no_show(actor, interview_id, who)
        view = await self._services.scheduling.view(interview_id)
        absent = md(view.party(Role(who)).name if view else who)
        if not changed:
            await turn_context.send_activity(f"I already have that {absent} did not come.")
        elif actor.role is Role.RECRUITER:
            await turn_context.send_activity(
                f"Recorded: {absent} did not come. Feedback is skipped; decide the next step on the card."
            )
        else:
            recruiter = md(view.recruiter.name) if view else "your recruiter"
            await turn_context.send_activity(
                f"Thanks for letting us know. I've recorded that {absent} did not come and told {recruiter}, "
                "who will be in touch."
            )

    async def decide(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        result = await self._services.feedback.decide(actor, interview_id, str(value.get("decision") or ""))
        label = DECISION_LABELS[result.decision]
        view = await self._services.scheduling.view(interview_id)
        who = md(view.candidate.name) if view else "the candidate"
        if result.already:
            reply = f"Already recorded: {label} for {who}."
        elif result.decision is Decision.ANOTHER_ROUND and result.next_interview_id:
            following = await self._services.scheduling.view(result.next_interview_id)
            client = md(view.client.name) if view else "the client"
            rnd = following.round if following else 2
            reply = f"Recorded: {label} for {who}. I've asked {client} for times for round {rnd}."
        else:
            reply = f"Recorded: {label} for {who}."
        # With the messages the decision implies, to review and send (dialogs/outcomes.py).
        await OutcomeActions(self._services).reply_with_drafts(turn_context, actor, interview_id, reply)

    async def next_step(self, turn_context: TurnContext, grant: InvitationGrant) -> bool:
        """What a client or candidate opening their link after the interview sees; False when the
        interview is not past its booked time (the scheduling steps answer then)."""
        if grant.role not in (Role.CLIENT, Role.CANDIDATE):
            return False
        view = await self._services.scheduling.view(grant.interview_id, reader=grant.party_id)
        if view is None:
            return False
        if view.stage is Stage.AWAITING_FEEDBACK:
            actor = Actor(grant.role, grant.party_id, grant.interview_id)
            own = await self._services.feedback.own_answers(actor, grant.interview_id)
            lead = feedback_lead(view, grant.role, answered=bool(own))
            await send_card(turn_context, feedback_prompt_card(view, grant.role, values=own), text=lead)
            return True
        if view.stage in (Stage.FEEDBACK_COMPLETE, Stage.DECIDED, Stage.NO_SHOW):
            await turn_context.send_activity(feedback_lead(view, grant.role, answered=True))
            return True
        return False


__all__ = ["FeedbackActions", "typed_values"]
