"""iCalendar (RFC 5545) invitations and feeds, built with the ``icalendar`` library.

An invitation is an iTIP (RFC 5546) message: ``METHOD:REQUEST`` to invite or update, ``METHOD:CANCEL``
to withdraw. Calendar clients match updates to the original by ``UID`` and take the one with the
highest ``SEQUENCE``, so the UID is derived from the interview id alone (stable across reschedules)
and the caller bumps ``sequence`` with every change it sends.

All times are written in UTC (``...Z``): no ``VTIMEZONE`` is needed and every client shows the
instant in its own user's zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from scheduling.intervals import Interval
from scheduling.interview import FORMAT_LABELS, Format, InterviewView, PartyView, Stage

__all__ = [
    "PRODID",
    "event_uid",
    "feed_ics",
    "follow_up_description",
    "follow_up_ics",
    "follow_up_summary",
    "follow_up_uid",
    "invitation_ics",
    "location_of",
    "summary_of",
]

PRODID = "-//askARSAN//Interview scheduling//EN"
ALARM_BEFORE = timedelta(minutes=15)


def event_uid(view: InterviewView, uid_domain: str = "askarsan") -> str:
    """The UID of the interview's event: the same for every update and the cancellation."""
    return f"{view.id}@{uid_domain}"


def follow_up_uid(view: InterviewView, uid_domain: str = "askarsan") -> str:
    """The UID of the recruiter's follow-up hold: its own, the same for every update and the
    cancellation."""
    return f"{view.id}.follow-up@{uid_domain}"


def follow_up_summary(view: InterviewView) -> str:
    return f"Follow up: {view.candidate.name} — {view.role_title}"


def follow_up_description(view: InterviewView) -> str:
    """What the recruiter's follow-up hold is for."""
    client = view.client.name + (f" ({view.client.organisation})" if view.client.organisation else "")
    return (
        f"Time to follow up on the {view.role_title} interview with {view.candidate.name}: contact "
        f"the client, {client}, and the candidate, {view.candidate.name}, for their feedback.\n\n"
        "Held by askARSAN after the interview; it moves and goes with the interview."
    )


def summary_of(view: InterviewView) -> str:
    return f"Interview: {view.role_title} — {view.candidate.name} with {_client_label(view.client)}"


def location_of(view: InterviewView) -> str:
    """LOCATION: the join URL for Teams, the place on site, "Phone" for a phone call."""
    match view.format:
        case Format.TEAMS:
            return view.join_url or "Microsoft Teams (link to follow)"
        case Format.ON_SITE:
            return view.location or "On site (address to follow)"
        case Format.PHONE:
            return "Phone"
    return FORMAT_LABELS[view.format]  # pragma: no cover - the match is exhaustive


def _client_label(client: PartyView) -> str:
    return client.organisation or client.name


def _description(view: InterviewView) -> str:
    lines = [f"Format: {FORMAT_LABELS[view.format]}"]
    match view.format:
        case Format.TEAMS:
            lines.append(f"Join: {view.join_url}" if view.join_url else "Join: the Teams link will follow")
        case Format.ON_SITE:
            lines.append(f"Where: {view.location}" if view.location else "Where: the address will follow")
        case Format.PHONE:
            if view.location:
                lines.append(f"Phone: {view.location}")
    client = view.client.name + (f" ({view.client.organisation})" if view.client.organisation else "")
    lines += [
        f"Candidate: {view.candidate.name}",
        f"Interviewer: {client}",
        f"Recruiter: {view.recruiter.name}",
        "",
        f"Arranged by askARSAN on behalf of {view.recruiter.name}.",
    ]
    return "\n".join(lines)


def _utc(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("`now` must be timezone-aware.")
    return dt.astimezone(UTC)


def _booking(view: InterviewView) -> Interval:
    if view.booked is None:
        raise ValueError(f"Interview {view.id} has no booked time: there is nothing to put in a calendar.")
    return view.booked


def _event(
    view: InterviewView, booked: Interval, *, sequence: int, now: datetime, uid_domain: str, cancelled: bool,
    summary: str | None = None,
) -> Event:
    if sequence < 0:
        raise ValueError("SEQUENCE cannot be negative.")
    event = Event()
    event.add("uid", event_uid(view, uid_domain))
    event.add("sequence", sequence)
    event.add("dtstamp", _utc(now))
    # Interval already holds UTC; datetimes with tzinfo=UTC are written as "...Z" (RFC 5545 §3.3.5 form 2).
    event.add("dtstart", booked.start)
    event.add("dtend", booked.end)
    event.add("summary", summary or summary_of(view))
    event.add("description", _description(view))
    event.add("location", location_of(view))
    if view.format is Format.TEAMS and view.join_url:
        event.add("url", view.join_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # An interview blocks the time in every attendee's free/busy (unless cancelled).
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return event


def invitation_ics(
    view: InterviewView,
    *,
    method: Literal["REQUEST", "CANCEL"],
    sequence: int,
    organizer_email: str,
    attendees: Sequence[tuple[str, str]],
    now: datetime,
    uid_domain: str = "askarsan",
    summary: str | None = None,
) -> bytes:
    """An iTIP invitation (REQUEST) or cancellation (CANCEL) for the interview's booked time.

    ``summary``: the event's title in the recipient's language (default ``summary_of``, English).
    ``attendees`` are ``(name, email)`` pairs. ``sequence`` must grow with every REQUEST after the
    first and for the CANCEL (RFC 5546 §2.1.4), or clients ignore the update.
    Raises ValueError if the interview has no booking.
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"Unsupported iTIP method {method!r}.")
    booked = _booking(view)
    cancelled = method == "CANCEL"

    calendar = _itip(method)
    event = _event(view, booked, sequence=sequence, now=now, uid_domain=uid_domain, cancelled=cancelled,
                   summary=summary)
    _add_people(event, view, organizer_email, attendees, rsvp=True)
    if not cancelled:
        event.add_component(_alarm(summary or summary_of(view), -ALARM_BEFORE))
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def _itip(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _add_people(
    event: Event, view: InterviewView, organizer_email: str, attendees: Sequence[tuple[str, str]], *,
    rsvp: bool,
) -> None:
    """askARSAN (for the recruiter) as the organiser, and each ``(name, email)`` as an attendee."""
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["CN"] = vText(f"askARSAN for {view.recruiter.name}")
    event.add("organizer", organizer)
    for name, email in attendees:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["CN"] = vText(name)
        attendee.params["CUTYPE"] = vText("INDIVIDUAL")
        attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
        attendee.params["PARTSTAT"] = vText("NEEDS-ACTION")
        attendee.params["RSVP"] = vText("TRUE" if rsvp else "FALSE")
        event.add("attendee", attendee, encode=False)


def _alarm(description: str, trigger: timedelta) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", description)
    alarm.add("trigger", trigger)
    return alarm


def follow_up_ics(
    view: InterviewView,
    follow_up: Interval,
    *,
    method: Literal["REQUEST", "CANCEL"],
    sequence: int,
    organizer_email: str,
    recruiter: tuple[str, str],
    now: datetime,
    uid_domain: str = "askarsan",
) -> bytes:
    """The recruiter's follow-up hold after the interview as an iTIP message of its own (one
    calendar object per message: Outlook reads only the first of several): REQUEST to put it in
    the recruiter's calendar or move it (same UID, higher ``sequence``), CANCEL to withdraw it.
    ``recruiter`` is its one attendee, ``(name, email)``."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"Unsupported iTIP method {method!r}.")
    if sequence < 0:
        raise ValueError("SEQUENCE cannot be negative.")
    cancelled = method == "CANCEL"
    calendar = _itip(method)
    event = Event()
    event.add("uid", follow_up_uid(view, uid_domain))
    event.add("sequence", sequence)
    event.add("dtstamp", _utc(now))
    event.add("dtstart", _utc(follow_up.start))
    event.add("dtend", _utc(follow_up.end))
    event.add("summary", follow_up_summary(view))
    event.add("description", follow_up_description(view))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    _add_people(event, view, organizer_email, [recruiter], rsvp=False)
    if not cancelled:
        event.add_component(_alarm(follow_up_summary(view), timedelta(0)))
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def feed_ics(
    events: Sequence[tuple[InterviewView, int]], *, name: str, now: datetime, uid_domain: str = "askarsan"
) -> bytes:
    """A subscribable calendar (no METHOD: it is published, not an iTIP message) of interviews.

    ``events`` are ``(view, sequence)`` pairs; UIDs are the invitations' own, so a subscriber who
    also got the e-mail invitation sees one event. Interviews without a booked time are left out;
    cancelled ones stay in with ``STATUS:CANCELLED`` so subscribers drop them from their view.
    No attendee addresses are published in the feed.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", name)  # RFC 7986
    calendar.add("x-wr-calname", name)  # what Outlook and Apple Calendar read
    calendar.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    for view, sequence in events:
        if view.booked is None:
            continue
        cancelled = view.stage is Stage.CANCELLED
        calendar.add_component(
            _event(view, view.booked, sequence=sequence, now=now, uid_domain=uid_domain, cancelled=cancelled)
        )
    return bytes(calendar.to_ical())
