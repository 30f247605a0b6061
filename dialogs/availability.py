"""A client sets their availability in the conversation: ``show_availability`` shows their
booking page, its next open times and the form; ``set_availability`` stores the form as the
page's next version (``Services.availability``).

The client is the actor our records resolve from the sender and the interview the card came
with (``dialogs.actions``); the page is theirs, not the interview's, so it is the same page from
any of their interviews. A bad form comes back with each problem under its field and a line
saying what was wrong; a card drawn from an older version than the stored one is refused, so a
change made elsewhere (the JSON API, the tracker, another chat) is never overwritten unseen: the
card comes back with the page as it is now above the form as typed, so saving again is a choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from botbuilder.core import TurnContext

from cards.availability_cards import (
    AVAILABILITY_SAVED,
    AVAILABILITY_STALE,
    WINDOWS,
    availability_card,
    availability_lead,
    availability_problems_text,
)
from dialogs.common import send_card
from dialogs.forms import availability_problems, availability_version, parse_availability
from scheduling.errors import DomainError
from scheduling.pages import BookingPage
from scheduling.typed_times import weekly_hours
from services import Actor, InvalidRequest, NotFound, Services
from services.times import NotReadable, NotReadYet

__all__ = ["AvailabilityActions"]


class AvailabilityActions:
    def __init__(self, services: Services) -> None:
        self._services = services

    async def _zone(self, interview_id: str) -> str:
        """The reader's zone: the client's own, which the open times are written in."""
        view = await self._services.scheduling.view(interview_id)
        if view is None:
            raise NotFound("I can't find that interview.")
        return view.client.zone

    async def _send(
        self,
        turn_context: TurnContext,
        actor: Actor,
        interview_id: str,
        text: str,
        latest: tuple[int, BookingPage] | None,
        **form: Any,
    ) -> None:
        zone = await self._zone(interview_id)
        version, page = latest if latest is not None else (0, None)
        preview = await self._services.availability.preview(actor.party_id, of=page) if page else []
        card = availability_card(page, version, preview, zone, interview_id=interview_id, **form)
        await send_card(turn_context, card, text=text)

    async def show(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        latest = await self._services.availability.page(actor.party_id)
        await self._send(turn_context, actor, interview_id, availability_lead(latest[1] if latest else None),
                         latest)

    async def set(
        self, turn_context: TurnContext, actor: Actor, interview_id: str, value: Mapping[str, Any]
    ) -> None:
        latest = await self._services.availability.page(actor.party_id)
        current = latest[0] if latest is not None else 0
        read = availability_version(value)
        if read != current:
            # Drawn from another version (or not from our card): the page as it is now, the form
            # as typed and now against that version, so saving it again is a choice made seeing it.
            await self._send(turn_context, actor, interview_id, AVAILABILITY_STALE, latest, values=value)
            return
        keep = latest[1] if latest is not None else None
        typed = str(value.get("typed_hours") or "").strip()
        if typed:
            week = await self._typed_week(turn_context, interview_id, value, typed)
            if isinstance(week, str):
                await self._refuse(turn_context, actor, interview_id, latest, value, {"typed_hours": week})
                return
            value = week
        try:
            data = parse_availability(value, keep=keep)
        except InvalidRequest as error:
            await self._refuse(turn_context, actor, interview_id, latest, value, error.problems)
            return
        if read:
            data["version"] = read  # checked again where it is stored, in its transaction
        try:
            version, page = await self._services.availability.set_page(
                actor.party_id, data, by="chat", first=not read
            )
        except InvalidRequest as error:
            if "version" in error.problems:  # changed between our read and the write
                latest = await self._services.availability.page(actor.party_id)
                await self._send(turn_context, actor, interview_id, AVAILABILITY_STALE, latest,
                                 values=value)
                return
            problems = availability_problems(error.problems)
            await self._refuse(turn_context, actor, interview_id, latest, value, problems)
            return
        await self._send(turn_context, actor, interview_id, AVAILABILITY_SAVED, (version, page))

    async def _typed_week(
        self, turn_context: TurnContext, interview_id: str, value: Mapping[str, Any], typed: str
    ) -> Mapping[str, Any] | str:
        """The form with its days and hours replaced by the typed ones ("Mon–Fri 9–12 and
        13–17", read in the form's zone by the one reader), or the reason they cannot be."""
        zone = str(value.get("zone") or "") or await self._zone(interview_id)
        locale = turn_context.activity.locale if isinstance(turn_context.activity.locale, str) else "en"
        ctx = self._services.ctx
        try:
            read = ctx.times.read(typed, zone=zone, now=ctx.now(), locale=locale or "en",
                                  duration=timedelta(minutes=15))
        except DomainError as error:  # an unknown zone: the form's own check says it again
            return error.message
        if isinstance(read, NotReadable | NotReadYet):
            return (read.reason if isinstance(read, NotReadable)
                    else "typed hours can be read in a few seconds: try again, or use the rows")
        if read.problems and not read.windows:
            return " ".join(read.problems)
        week = weekly_hours(read.windows, zone, most=WINDOWS)
        if isinstance(week, str):
            return week
        form = {k: v for k, v in value.items() if k != "typed_hours" and not k.startswith("window_")}
        form["days"] = ",".join(week.days)
        for i, (start, end) in enumerate(week.windows, 1):
            form[f"window_{i}_start"] = f"{start // 60:02d}:{start % 60:02d}"
            form[f"window_{i}_end"] = f"{end // 60 % 24:02d}:{end % 60:02d}"  # midnight: 00:00
        return form

    async def _refuse(
        self,
        turn_context: TurnContext,
        actor: Actor,
        interview_id: str,
        latest: tuple[int, BookingPage] | None,
        value: Mapping[str, Any],
        problems: Mapping[str, str],
    ) -> None:
        """The card again as it was sent, each problem under its field, and a line saying what."""
        await self._send(turn_context, actor, interview_id, availability_problems_text(problems), latest,
                         values=value, errors=problems)
