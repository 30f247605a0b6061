"""The recruiting team in Teams: the recruiter's pipeline and upcoming interviews, theirs or their
team's (``pipeline team``, ``upcoming team``), and handing an interview over to another recruiter
(the **Hand over…** button under each interview of the pipeline card)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from botbuilder.core import TurnContext

from cards import md
from cards.pipeline import HAND_OVER_BUTTON, handover_card, pipeline_card
from dialogs.common import send_card, sender_of
from services import Actor, InvalidRequest, NotFound, Services

NOT_A_RECRUITER = (
    "The pipeline is for the agency's recruiters. Once you have asked for an interview "
    "with **schedule**, I'll show yours here."
)
HOW_TO_HAND_OVER = (
    f"To hand an interview over, type **pipeline** (or **pipeline team**) and press "
    f"**{HAND_OVER_BUTTON}** under it; the tracker's interview page has the same form."
)


class TeamActions:
    def __init__(self, services: Services) -> None:
        self._services = services

    @property
    def commands(self) -> dict[str, Callable[[TurnContext], Awaitable[None]]]:
        """Typed commands beside ``pipeline`` and ``upcoming`` (bot/framework/activity_handler.py)."""
        return {
            "pipeline team": self._team_pipeline,
            "my team": self._team_pipeline,
            "upcoming team": self._team_upcoming,
            "hand over": self._how_to_hand_over,
            "handover": self._how_to_hand_over,
        }

    async def pipeline(self, turn_context: TurnContext, *, upcoming: bool, team: bool = False) -> None:
        recruiter_id = await self._services.people.recruiter_id_for(sender_of(turn_context.activity))
        if recruiter_id is None:
            await turn_context.send_activity(NOT_A_RECRUITER)
            return
        rows = await self._services.reports.pipeline(recruiter_id, upcoming=upcoming, team=team)
        title = ("Your team's upcoming interviews" if team else "Upcoming interviews") if upcoming else (
            "Your team's pipeline" if team else "Your pipeline"
        )
        card = pipeline_card(rows, title=title, tracker_url=f"{self._services.public_url}/tracker")
        await send_card(turn_context, card)

    async def _team_pipeline(self, turn_context: TurnContext) -> None:
        await self.pipeline(turn_context, upcoming=False, team=True)

    async def _team_upcoming(self, turn_context: TurnContext) -> None:
        await self.pipeline(turn_context, upcoming=True, team=True)

    async def _how_to_hand_over(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(HOW_TO_HAND_OVER)

    async def handover_form(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any],
        message: str | None = None,
    ) -> None:
        """The card to choose the new owner from the recruiters we know by e-mail."""
        view = await self._services.scheduling.view(interview_id)
        if view is None:
            raise NotFound("I can't find that interview.")
        choices = [
            (r.email, f"{r.name} ({r.email})" if r.name != r.email else r.email)
            for r in await self._services.team.recruiters() if r.party_id != view.recruiter.id
        ]
        if not choices:
            await turn_context.send_activity(
                "I know no other recruiter by e-mail address yet, so there is nobody to hand this "
                "interview over to. Recruiters appear once they use askARSAN or join your team."
            )
            return
        await send_card(
            turn_context,
            handover_card(interview_id, candidate=view.candidate.name, role_title=view.role_title,
                          owner=view.recruiter.name, choices=choices, message=message),
        )

    async def hand_over(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        chosen = value.get("to")
        to = chosen.strip()[:400] if isinstance(chosen, str) else ""
        if not to:
            await self.handover_form(turn_context, actor, interview_id, value,
                                     message="Please choose the recruiter to hand the interview over to.")
            return
        try:
            result = await self._services.team.hand_over(actor, interview_id, to)
        except InvalidRequest as error:
            await self.handover_form(turn_context, actor, interview_id, value,
                                     message="; ".join(error.problems.values()).capitalize() + ".")
            return
        if result.already:
            await turn_context.send_activity(
                f"{md(result.owner_name)} owns this interview already. Nothing was changed."
            )
            return
        stays = " You stay on it as a co-recruiter." if actor.party_id == result.previous_id else ""
        await turn_context.send_activity(
            f"Done: {md(result.owner_name)} owns this interview now and gets its updates; "
            f"I've told them.{stays}"
        )


__all__ = ["HOW_TO_HAND_OVER", "NOT_A_RECRUITER", "TeamActions"]
