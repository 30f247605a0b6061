"""The calendar port: free/busy of a mailbox and the interview's event, and its implementations.

Implementations of :class:`CalendarGateway`:

- :class:`LocalCalendar` — the laptop default. It cannot read anyone's free/busy (it raises
  :class:`CalendarUnavailable`, so "suggest from my calendar" fails closed) and its "event" is the
  ``.ics`` invitation the mails carry: recorded as ``ics:<interview id>``, with no join URL.
- :class:`integrations.graph.GraphCalendar` — Microsoft Graph (getSchedule, events with a Teams
  meeting).
- :class:`MemoryCalendar` — an in-memory fake for tests, with the same contract
  (``tests/integrations/graph/test_calendar_contract.py``).

The contract every implementation keeps:

- ``free_busy(mailbox, window)`` returns the busy time of ``mailbox`` inside ``window``: sorted,
  disjoint, clipped to the window (so free slots come from ``scheduling.rules.free_slots``). When it
  cannot be read — no calendar connected, no permission, unknown mailbox, the service down — it
  raises :class:`CalendarUnavailable`, never an empty list: offering time that was never checked
  is worse than offering none (fail closed).
- ``create_event`` with the same ``transaction_id`` (see :func:`event_transaction_id`) returns the
  same event, however often it is retried. The event makes its organizer busy.
- ``update_event`` of an event that no longer exists raises :class:`EventNotFound`;
  ``cancel_event`` of one is a no-op (a retried cancel succeeds).
- Holds (``holds_slots``): ``create_hold`` puts a tentative event with no attendees in a mailbox
  for one offered slot, so that calendar does not fill the time while the candidate chooses; the
  same ``transaction_id`` (see :func:`hold_transaction_id`) returns the same hold. It makes the
  mailbox busy (tentative counts as busy). ``release_hold`` deletes it; releasing a hold that is
  gone already is a no-op. The local calendar has no holds: it makes none (``None``).
- ``create_follow_up`` puts the recruiter's follow-up hold after the interview in their own
  mailbox (an event without attendees, busy, with a reminder); the same ``transaction_id`` (see
  :func:`follow_up_transaction_id`) returns the same event; ``release_hold`` deletes it. The local
  calendar makes none (``None``): the recruiter's ``.ics`` mail carries it instead.
- Other failures are :class:`integrations.errors.TransientError` (retry later) or
  :class:`integrations.errors.PermanentError`.

Attendees are ``(name, email)`` pairs, as :func:`integrations.ics.invitation_ics` takes them.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from integrations.errors import IntegrationError, PermanentError
from integrations.ics import follow_up_summary
from scheduling.intervals import Interval, intersect, merge
from scheduling.interview import Format, InterviewView

__all__ = [
    "Attendee",
    "CalendarEvent",
    "CalendarGateway",
    "CalendarUnavailable",
    "EventNotFound",
    "LocalCalendar",
    "MemoryCalendar",
    "MemoryEvent",
    "MemoryHold",
    "event_transaction_id",
    "follow_up_transaction_id",
    "hold_body",
    "hold_subject",
    "hold_transaction_id",
]

Attendee = tuple[str, str]  # (name, email)

# Fixed forever: changing it would give every interview a new transactionId, and a retry after a
# deployment would then create a second event.
_TRANSACTION_NAMESPACE = uuid.UUID("6f1c7c8e-3c0e-4a43-9d1e-a5a2b1c0e7d4")


def event_transaction_id(interview_id: str, round: int) -> str:
    """The ``transactionId`` of an interview round's event: the same on every retry of the create.

    Graph returns the existing event for a POST that repeats a transactionId, so a create that
    timed out after Graph had stored it does not make a second event. A new round is a new event.
    """
    if round < 1:
        raise ValueError("Interview rounds are numbered from 1.")
    return str(uuid.uuid5(_TRANSACTION_NAMESPACE, f"{interview_id}/round/{round}"))


def hold_transaction_id(slot_id: str) -> str:
    """The ``transactionId`` of an offered slot's hold: the same on every retry of its create.
    A slot offered again is a new slot (a new row), so a new hold."""
    return str(uuid.uuid5(_TRANSACTION_NAMESPACE, f"hold/{slot_id}"))


def follow_up_transaction_id(interview_id: str, booking: int) -> str:
    """The ``transactionId`` of the recruiter's follow-up hold for one booked time of an interview
    (``booking`` counts its reschedules): the same on every retry of its create."""
    return str(uuid.uuid5(_TRANSACTION_NAMESPACE, f"follow-up/{interview_id}/{booking}"))


def hold_subject(view: InterviewView) -> str:
    """What the client's calendar shows for a held slot."""
    return f"Hold: interview with {view.candidate.name} ({view.role_title})"


def hold_body(view: InterviewView) -> str:
    return (
        f"Held by askARSAN while {view.candidate.name} chooses one of the times you offered for "
        f"the {view.role_title} interview. It goes away by itself when a time is booked (the "
        "booked one becomes the interview's invitation) or the offer is withdrawn."
    )


@dataclass(frozen=True)
class CalendarEvent:
    """Where the interview's event lives, and the Teams join URL when it has one."""

    id: str
    join_url: str | None = None


class CalendarUnavailable(IntegrationError):
    """Free/busy could not be read. ``message`` can be shown to the user as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EventNotFound(PermanentError):
    """The event is gone (deleted in Outlook, or cancelled): there is nothing to update."""


class CalendarGateway(Protocol):
    # Whether `free_busy` can ever answer: the local calendar has no free/busy to read, so
    # nothing offers "suggest from my calendar" with it.
    reads_free_busy: bool
    # Whether `create_hold` ever makes a hold: the local calendar has no calendar to hold time in,
    # so the hold planners skip it without reading anything.
    holds_slots: bool

    async def free_busy(self, mailbox: str, window: Interval) -> list[Interval]: ...

    async def create_event(
        self,
        view: InterviewView,
        *,
        organizer: str,
        attendees: Sequence[Attendee],
        transaction_id: str,
    ) -> CalendarEvent: ...

    async def update_event(
        self, event_id: str, view: InterviewView, *, organizer: str, attendees: Sequence[Attendee]
    ) -> CalendarEvent: ...

    async def cancel_event(self, event_id: str, *, organizer: str, comment: str | None = None) -> None: ...

    async def create_hold(
        self, view: InterviewView, slot: Interval, *, mailbox: str, transaction_id: str
    ) -> str | None: ...

    async def release_hold(self, hold_id: str, *, mailbox: str) -> None: ...

    async def create_follow_up(
        self, view: InterviewView, slot: Interval, *, mailbox: str, transaction_id: str
    ) -> str | None: ...


def booked_time(view: InterviewView) -> Interval:
    if view.booked is None:
        raise ValueError(f"Interview {view.id} has no booked time: there is no event to write.")
    return view.booked


class LocalCalendar:
    """No calendar service: the `.ics` invitation in the mails is the event."""

    UNAVAILABLE = (
        "No calendar is connected to askARSAN, so free times cannot be read from it. "
        "Please add the slots by hand."
    )
    reads_free_busy = False
    holds_slots = False

    async def free_busy(self, mailbox: str, window: Interval) -> list[Interval]:
        raise CalendarUnavailable(self.UNAVAILABLE)

    async def create_event(
        self,
        view: InterviewView,
        *,
        organizer: str,
        attendees: Sequence[Attendee],
        transaction_id: str,
    ) -> CalendarEvent:
        booked_time(view)
        return CalendarEvent(f"ics:{view.id}")

    async def update_event(
        self, event_id: str, view: InterviewView, *, organizer: str, attendees: Sequence[Attendee]
    ) -> CalendarEvent:
        booked_time(view)
        return CalendarEvent(event_id)

    async def cancel_event(self, event_id: str, *, organizer: str, comment: str | None = None) -> None:
        return None

    async def create_hold(
        self, view: InterviewView, slot: Interval, *, mailbox: str, transaction_id: str
    ) -> str | None:
        return None

    async def release_hold(self, hold_id: str, *, mailbox: str) -> None:
        return None

    async def create_follow_up(
        self, view: InterviewView, slot: Interval, *, mailbox: str, transaction_id: str
    ) -> str | None:
        return None


@dataclass(frozen=True)
class MemoryHold:
    id: str
    mailbox: str
    slot: Interval
    subject: str
    transaction_id: str
    released: bool = False


@dataclass(frozen=True)
class MemoryEvent:
    id: str
    organizer: str
    view: InterviewView
    attendees: tuple[Attendee, ...]
    transaction_id: str
    join_url: str | None
    cancelled: bool = False
    comment: str | None = None


class MemoryCalendar:
    """In-memory fake with the gateways' contract.

    Only ``mailboxes`` exist (add more with :meth:`add_busy`); ``fail_next`` makes the next calls
    fail, one exception each (any exception from ``free_busy`` becomes CalendarUnavailable, as in the
    real gateway).
    """

    reads_free_busy = True
    holds_slots = True

    def __init__(self, mailboxes: Iterable[str] = ()) -> None:
        self.busy: dict[str, list[Interval]] = {m.lower(): [] for m in mailboxes}
        self.events: dict[str, MemoryEvent] = {}
        self.holds: dict[str, MemoryHold] = {}
        self.fail_next: list[Exception] = []
        self._ids = itertools.count(1)

    def add_busy(self, mailbox: str, *intervals: Interval) -> None:
        self.busy.setdefault(mailbox.lower(), []).extend(intervals)

    def live_events(self) -> list[MemoryEvent]:
        return [e for e in self.events.values() if not e.cancelled]

    def live_holds(self) -> list[MemoryHold]:
        return [h for h in self.holds.values() if not h.released]

    def _fail(self) -> None:
        if self.fail_next:
            raise self.fail_next.pop(0)

    def _known(self, mailbox: str) -> bool:
        return mailbox.lower() in self.busy

    async def free_busy(self, mailbox: str, window: Interval) -> list[Interval]:
        try:
            self._fail()
        except CalendarUnavailable:
            raise
        except Exception as error:
            raise CalendarUnavailable(f"The calendar could not be read ({type(error).__name__}).") from error
        if not self._known(mailbox):
            raise CalendarUnavailable("That calendar could not be read: the mailbox was not found.")
        own = [
            booked_time(e.view)
            for e in self.live_events()
            if e.organizer.lower() == mailbox.lower() and e.view.booked is not None
        ]
        held = [h.slot for h in self.live_holds() if h.mailbox.lower() == mailbox.lower()]
        return intersect(merge([*self.busy[mailbox.lower()], *own, *held]), [window])

    async def create_event(
        self,
        view: InterviewView,
        *,
        organizer: str,
        attendees: Sequence[Attendee],
        transaction_id: str,
    ) -> CalendarEvent:
        self._fail()
        booked_time(view)
        if not self._known(organizer):
            raise PermanentError("The organizer's mailbox was not found (404).")
        for event in self.events.values():
            if event.organizer.lower() == organizer.lower() and event.transaction_id == transaction_id:
                return CalendarEvent(event.id, event.join_url)
        event_id = f"mem-event-{next(self._ids)}"
        join_url = (
            f"https://teams.microsoft.com/l/meetup-join/memory-{event_id}"
            if view.format is Format.TEAMS
            else None
        )
        self.events[event_id] = MemoryEvent(
            event_id, organizer, view, tuple(attendees), transaction_id, join_url
        )
        return CalendarEvent(event_id, join_url)

    async def update_event(
        self, event_id: str, view: InterviewView, *, organizer: str, attendees: Sequence[Attendee]
    ) -> CalendarEvent:
        self._fail()
        booked_time(view)
        event = self.events.get(event_id)
        if event is None or event.cancelled or event.organizer.lower() != organizer.lower():
            raise EventNotFound("The interview's calendar event no longer exists (404).")
        self.events[event_id] = replace(event, view=view, attendees=tuple(attendees))
        return CalendarEvent(event_id, event.join_url)

    async def cancel_event(self, event_id: str, *, organizer: str, comment: str | None = None) -> None:
        self._fail()
        event = self.events.get(event_id)
        if event is None or event.cancelled or event.organizer.lower() != organizer.lower():
            return
        self.events[event_id] = replace(event, cancelled=True, comment=comment)

    async def create_hold(
        self, view: InterviewView, slot: Interval, *, mailbox: str, transaction_id: str
    ) -> str | None:
        self._fail()
        if not self._known(mailbox):
            raise PermanentError("The mailbox to hold the slot in was not found (404).")
        for hold in self.holds.values():
            if hold.mailbox.lower() == mailbox.lower() and hold.transaction_id == transaction_id:
                return hold.id
        hold_id = f"mem-hold-{next(self._ids)}"
        self.holds[hold_id] = MemoryHold(hold_id, mailbox, slot, hold_subject(view), transaction_id)
        return hold_id

    async def release_hold(self, hold_id: str, *, mailbox: str) -> None:
        self._fail()
        hold = self.holds.get(hold_id)
        if hold is None or hold.released or hold.mailbox.lower() != mailbox.lower():
            return
        self.holds[hold_id] = replace(hold, released=True)

    async def create_follow_up(
        self, view: InterviewView, slot: Interval, *, mailbox: str, transaction_id: str
    ) -> str | None:
        self._fail()
        if not self._known(mailbox):
            raise PermanentError("The recruiter's mailbox was not found (404).")
        for hold in self.holds.values():
            if hold.mailbox.lower() == mailbox.lower() and hold.transaction_id == transaction_id:
                return hold.id
        hold_id = f"mem-follow-up-{next(self._ids)}"
        self.holds[hold_id] = MemoryHold(hold_id, mailbox, slot, follow_up_summary(view), transaction_id)
        return hold_id
