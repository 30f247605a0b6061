"""A time typed in the chat, where times are asked for (``dialogs.talk`` hands over what is no
request): a candidate choosing a time, a client offering times by hand.

The words are read by the one reader (``Services.ctx.times``: ``scheduling.phrases``) in the
typer's zone and the chat's language (the activity's ``locale``, which Web Chat and Teams send,
else English), with the interview's length. Then:

* a candidate (awaiting their pick) is offered the open times inside what they typed ("… is open
  — book it?"), else the nearest open times (``scheduling.typed_times``); the open times are the
  client's hand-offered slots or the booking page's live times, and each Book button is the one
  the card of those times has, so booking goes through its one use case;
* a client (asked for slots) is shown the slots of the interview's length in what they typed, to
  offer at one click through the offer card's own submit (``offer_slots``, with its rules).

What the parser could not use ("… is in the past") is said. A language whose times cannot be read,
or whose reader is still being built, is said too, and the buttons are shown again. A sentence
with no time in it is not ours: ``answer`` returns False and the chat says it didn't catch that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from botbuilder.core import TurnContext

from cards import md
from cards.time_cards import (
    is_open_line,
    nearest_times_card,
    not_open_line,
    not_readable_line,
    not_ready_line,
    offer_these_line,
    open_time_card,
    type_again_line,
    typed_slots_card,
)
from dialogs.actions import CardActions
from dialogs.common import send_card
from dialogs.forms import MAX_SLOT_ROWS
from integrations.calendar import CalendarUnavailable
from scheduling.intervals import Interval
from scheduling.interview import InterviewView, Role, Stage
from scheduling.phrases import ParseResult
from scheduling.typed_times import match_open_times, slots_in_windows
from services import InvitationGrant, Services
from services.times import NotReadable, NotReadYet

__all__ = ["MATCH_HORIZON", "TypedTimes"]

# How many live open times a typed time is matched against: the booking horizon's, in practice.
MATCH_HORIZON = 1000
_OFFER_STAGES = (Stage.AWAITING_SLOTS, Stage.AWAITING_PICK)


class TypedTimes:
    def __init__(self, services: Services, actions: CardActions) -> None:
        self._services = services
        self._actions = actions

    async def answer(
        self, turn_context: TurnContext, grant: InvitationGrant, view: InterviewView, text: str
    ) -> bool:
        """Answer ``text`` as times when this party is asked for times now; False when it is not,
        or when the text names no time at all (nothing was sent)."""
        if grant.role is Role.CANDIDATE and view.stage is Stage.AWAITING_PICK:
            zone = view.candidate.zone
        elif grant.role is Role.CLIENT and view.stage in _OFFER_STAGES:
            zone = view.client.zone
        else:
            return False
        read = self._services.ctx.times.read(
            text, zone=zone, now=self._services.ctx.now(), locale=_locale(turn_context),
            duration=view.duration,
        )
        if isinstance(read, NotReadable | NotReadYet):
            await turn_context.send_activity(
                not_readable_line(view, grant.role) if isinstance(read, NotReadable)
                else not_ready_line(view, grant.role)
            )
            await self._actions.next_step(turn_context, grant)
            return True
        if not read.windows and not read.problems:
            return False
        if not read.windows:
            await turn_context.send_activity(type_again_line(view, grant.role, _said(read.problems)))
            await self._actions.next_step(turn_context, grant)
            return True
        if grant.role is Role.CANDIDATE:
            await self._candidate(turn_context, grant, view, read)
        else:
            await self._client(turn_context, view, read)
        return True

    async def _candidate(
        self, turn_context: TurnContext, grant: InvitationGrant, view: InterviewView, read: ParseResult
    ) -> None:
        slot_ids: Mapping[Interval, str] | None
        if view.slots:
            # The client offered these by hand: they are the choice (as on the pick card).
            slot_ids = {slot.interval: slot.id for slot in view.slots}
            open_times: Sequence[Interval] = list(slot_ids)
        else:
            slot_ids = None
            try:
                live = await self._services.booking.open_times(view.id, size=MATCH_HORIZON)
            except CalendarUnavailable as error:
                await turn_context.send_activity(error.message)
                return
            open_times = live.times if live is not None else ()
        match = match_open_times(read.windows, open_times)
        text = turn_context.activity.text or ""
        said = f"{_said(read.problems)}\n\n" if read.problems else ""
        if match.open:
            await send_card(turn_context, open_time_card(view, match.open, slot_ids=slot_ids),
                            text=said + is_open_line(view, match.open[0]))
        elif match.nearest:
            line = not_open_line(view, read.windows, nearest=True)
            nearest = nearest_times_card(view, read.windows, match.nearest, slot_ids=slot_ids, typed=text)
            await send_card(turn_context, nearest, text=said + line)
        else:
            await turn_context.send_activity(said + not_open_line(view, read.windows, nearest=False))
            await self._actions.next_step(turn_context, grant)  # "none of these work" is there

    async def _client(self, turn_context: TurnContext, view: InterviewView, read: ParseResult) -> None:
        slots, more = slots_in_windows(read.windows, view.duration, limit=MAX_SLOT_ROWS)
        said = f"{_said(read.problems)}\n\n" if read.problems else ""
        if not slots:
            await turn_context.send_activity(
                f"{said}None of those times is long enough for the {_minutes(view.duration)} "
                "interview. Please type longer ones, or use the form."
            )
            return
        await send_card(turn_context, typed_slots_card(view, slots, more=more),
                        text=said + offer_these_line(view, slots, more=more))


def _locale(turn_context: TurnContext) -> str:
    """The chat's language as the channel reports it (Web Chat and Teams do), else English."""
    locale = getattr(turn_context.activity, "locale", None)
    return locale.strip()[:35] if isinstance(locale, str) and locale.strip() else "en"


def _said(problems: Sequence[str]) -> str:
    """The parser's problems as one markdown line: they quote what was typed, shown literally."""
    return " ".join(md(problem) for problem in problems)


def _minutes(duration: timedelta) -> str:
    return f"{int(duration.total_seconds() // 60)}-minute"
