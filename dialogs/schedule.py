"""The recruiter's "schedule an interview" dialog: a form card, checked, then the request."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs import ComponentDialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext
from botbuilder.dialogs.prompts import PromptOptions

from cards import md, schedule_request_card
from dialogs.common import attachment, recruiter_input, sender_of
from dialogs.forms import parse_interview_request
from dialogs.prompts import CardSubmitPrompt
from services import InterviewRequest, InvalidRequest, PartyInput, Services

FORM = "schedule_form"
TEAMS = "msteams"
STEPS = "schedule_steps"


class ScheduleInterviewDialog(ComponentDialog):  # type: ignore[misc]
    ID = "schedule_interview"

    def __init__(self, services: Services) -> None:
        super().__init__(self.ID)
        self._services = services
        self.add_dialog(CardSubmitPrompt(FORM, frozenset({"request_interview"})))
        self.add_dialog(WaterfallDialog(STEPS, [self._ask, self._request]))
        self.initial_dialog_id = STEPS

    async def _ask(self, step: WaterfallStepContext) -> DialogTurnResult:
        options: dict[str, Any] = step.options or {}
        if options.get("submitted"):
            # A form submitted while no dialog was running (an older card): take it as the answer.
            return await step.next(options["submitted"])
        card = schedule_request_card(
            options.get("values"), options.get("errors"),
            teams=step.context.activity.channel_id == TEAMS,
        )
        return await step.prompt(
            FORM,
            PromptOptions(
                prompt=MessageFactory.attachment(attachment(card)),
                retry_prompt=MessageFactory.text(
                    "Please fill in the form above and press its button, or type **cancel**."
                ),
            ),
        )

    async def _recruiter(self, context: TurnContext) -> PartyInput:
        """The recruiter, with the e-mail address of their Teams member profile (kept when they
        first wrote to the bot: bot/framework/member_profiles.py), so that mail fallbacks and
        calendar entries reach them."""
        recruiter = recruiter_input(context.activity)
        if recruiter.email is None:
            email = await self._services.people.teams_email(sender_of(context.activity))
            if email:
                recruiter = replace(recruiter, email=email)
        return recruiter

    async def _request(self, step: WaterfallStepContext) -> DialogTurnResult:
        values: dict[str, Any] = step.result or {}
        if values.get("action") == "cancel":
            await step.context.send_activity("Cancelled: no interview was requested.")
            return await step.end_dialog()
        try:
            request = parse_interview_request(values, await self._recruiter(step.context))
            request = await self._with_known_co_recruiters(request)
            result = await self._services.scheduling.request_interview(request)
        except InvalidRequest as error:
            await step.context.send_activity(
                MessageFactory.text(f"Almost there. {error.message}. Nothing was created yet.")
            )
            return await step.replace_dialog(STEPS, {"values": values, "errors": error.problems})
        client = md(values.get("client_name") or "the client")
        asked = (
            f"{md(request.candidate.name)} picks a time from {client}'s booking page now"
            if result.from_page
            else f"I've asked {client} for time slots"
        )
        await step.context.send_activity(
            MessageFactory.text(
                f"Interview requested for **{md(request.role_title)}**. {asked} and I will tell "
                f"you as things move.\n\n"
                f"- Client's link: {self._services.chat_link(result.client_token)}\n"
                f"- Candidate's link: {self._services.chat_link(result.candidate_token)}\n\n"
                "Both links are personal: forward each only to its person."
            )
        )
        return await step.end_dialog(result.interview_id)

    async def _with_known_co_recruiters(self, request: InterviewRequest) -> InterviewRequest:
        """The co-recruiters the form gave by address, with the names our records have."""
        if not request.co_recruiters:
            return request
        emails = [p.email for p in request.co_recruiters if p.email]
        known = await self._services.team.co_recruiters(emails, request.recruiter.zone)
        return replace(request, co_recruiters=known)
