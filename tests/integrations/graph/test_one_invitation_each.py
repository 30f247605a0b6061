"""Each attendee gets the interview's calendar entry from one source only.

With ``CALENDAR=graph`` the event is made in the organiser's Exchange calendar with the client and
the candidate as attendees, so Exchange sends them the invitation and, when the event is cancelled,
the cancellation. askARSAN's own mails then carry no ``.ics`` (which would be a second calendar
entry with another UID) and say the invitation comes separately. With the local calendar the
``.ics`` in those mails is the only invitation, so it stays.

The real app's runtime (``build_runtime``: the settings choose the calendar), the real job runner
and handlers, the loopback Graph stand-in; mail in memory. Booked, rescheduled by the candidate,
re-booked, then cancelled by the client.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from email.message import EmailMessage

import pytest

from bot.app import Runtime, build_runtime
from bot.dev.loopback_graph import FakeGraph
from bot.settings import Settings
from integrations.factory import LOOPBACK_TOKEN
from integrations.mail import MailMessage, MemoryMail, to_email_message
from services.changes import cancel_interview, reschedule_interview
from storage.migrate import migrate
from tests.helpers.clock import Clock
from tests.helpers.graph import SDK_WARNINGS
from tests.helpers.interviews import NOW, booked, rebook
from tests.helpers.jobs import run_jobs

pytestmark = SDK_WARNINGS

RECRUITER = "rita@agency.example"
SENDER = "askarsan@agency.example"
ATTENDEES = ("hm@client.example", "asha@example.org")  # the client and the candidate


@pytest.fixture
async def fake_graph() -> AsyncIterator[FakeGraph]:
    fake = await FakeGraph(token=LOOPBACK_TOKEN).start()
    for mailbox in (RECRUITER, SENDER):
        fake.add_mailbox(mailbox)
    try:
        yield fake
    finally:
        await fake.close()


async def start(settings: Settings, clock: Clock) -> tuple[Runtime, MemoryMail]:
    mail = MemoryMail(sender=SENDER)
    runtime = build_runtime(settings, mail=mail, clock=clock)
    await migrate(runtime.engine)
    return runtime, mail


def mime(message: MailMessage) -> EmailMessage:
    return to_email_message(message, SENDER)


def ics_methods(message: MailMessage) -> list[str]:
    """The iTIP methods of every calendar part of the message as it goes out (inline or attached)."""
    return [
        str(part.get_param("method")).upper()
        for part in mime(message).walk()
        if part.get_content_type() == "text/calendar"
    ]


def exchange_entries(graph: FakeGraph, address: str) -> Counter[str]:
    """What Exchange sends ``address``: an invitation per event they attend, a cancellation per
    such event cancelled."""
    attending = [
        e for e in graph.events.values()
        if address in {a["emailAddress"]["address"].lower() for a in e.data.get("attendees") or []}
    ]
    return Counter(REQUEST=len(attending), CANCEL=sum(e.cancelled for e in attending))


def ours(mail: MemoryMail, address: str, subject: str) -> list[MailMessage]:
    return [m for m in mail.to(address) if m.subject.startswith(subject)]


@pytest.mark.parametrize("calendar", ["graph", "local"])
async def test_booked_moved_and_cancelled_each_attendee_gets_each_calendar_entry_once(
    calendar: str, fake_graph: FakeGraph, make_settings: Callable[..., Settings]
) -> None:
    graph_settings = {
        "CALENDAR": "graph", "GRAPH_CREDENTIAL": "loopback", "GRAPH_BASE_URL": fake_graph.url,
        "ASKARSAN_MAIL_FROM": SENDER,
    }
    settings = make_settings(**(graph_settings if calendar == "graph" else {}))
    assert settings.calendar_backend == calendar
    clock = Clock(NOW)
    runtime, mail = await start(settings, clock)
    try:
        sessions = runtime.sessions
        p = await booked(sessions)
        await run_jobs(runtime.runner)
        await reschedule_interview(sessions, p.candidate, p.interview_id, "A clash on Wednesday", NOW)
        await run_jobs(runtime.runner)
        await rebook(sessions, p, 14)
        await run_jobs(runtime.runner)
        await cancel_interview(sessions, p.client, p.interview_id, "Role filled", NOW)
        await run_jobs(runtime.runner)
    finally:
        await runtime.integrations.close()
        await runtime.engine.dispose()

    for address in ATTENDEES:
        confirmed = ours(mail, address, "Interview confirmed")
        notice = ours(mail, address, "Interview being rescheduled")
        moved = ours(mail, address, "Interview moved")
        cancelled = ours(mail, address, "Interview cancelled")
        assert (len(confirmed), len(notice), len(moved), len(cancelled)) == (1, 1, 1, 1), address
        # A mail's calendar is one entry however many parts carry it (inline and as a file).
        from_mails = Counter(method for m in mail.to(address) for method in set(ics_methods(m)))
        from_exchange = exchange_entries(fake_graph, address)
        # Two bookings (the first and the one after the move), two withdrawals (the move, the
        # cancel): each reaches the attendee once, from Exchange or from our .ics, never both.
        assert from_mails + from_exchange == Counter(REQUEST=2, CANCEL=2), address
        if calendar == "graph":
            assert from_mails == Counter(), address
            assert from_exchange == Counter(REQUEST=2, CANCEL=2), address
            assert not any(m.attachments for m in confirmed + notice + moved + cancelled)
            for message, separately in (
                (confirmed[0], "The calendar invitation comes separately"),
                (moved[0], "The invitation for the new time comes separately"),
                (cancelled[0], "The calendar cancellation comes separately"),
                (notice[0], "withdrawn from your calendar by a separate cancellation"),
            ):
                assert separately in message.text and separately in message.html, message.subject
                assert "Microsoft 365" in message.text and "attached" not in message.text.lower()
            assert "old time has been cancelled" in moved[0].text
        else:
            assert from_exchange == Counter() and fake_graph.requests == []
            assert [ics_methods(m) for m in (confirmed[0], moved[0])] == [["REQUEST"] * 2] * 2
            assert [ics_methods(m) for m in (notice[0], cancelled[0])] == [["CANCEL"] * 2] * 2
            assert "The calendar invitation is attached" in confirmed[0].text
            assert "The updated calendar invitation is attached" in moved[0].text
            assert "The cancellation is attached" in cancelled[0].text
            assert "The attached cancellation removes the old time" in notice[0].text
            assert "Microsoft 365" not in confirmed[0].text + moved[0].text + cancelled[0].text


async def test_cancelled_before_exchange_made_the_event_no_mail_promises_a_calendar_cancellation(
    fake_graph: FakeGraph, make_settings: Callable[..., Settings]
) -> None:
    """Booked and cancelled before the event job ran: Exchange never invited anyone, so there is
    nothing to cancel in a calendar, and the cancellation mail neither attaches one nor says that
    Microsoft 365 will send one."""
    settings = make_settings(
        CALENDAR="graph", GRAPH_CREDENTIAL="loopback", GRAPH_BASE_URL=fake_graph.url,
        ASKARSAN_MAIL_FROM=SENDER,
    )
    runtime, mail = await start(settings, Clock(NOW))
    try:
        p = await booked(runtime.sessions)
        await cancel_interview(runtime.sessions, p.client, p.interview_id, "Role filled", NOW)
        await run_jobs(runtime.runner)
    finally:
        await runtime.integrations.close()
        await runtime.engine.dispose()
    assert fake_graph.events == {}  # the event job found the interview cancelled: no event
    for address in ATTENDEES:
        cancelled = ours(mail, address, "Interview cancelled")
        assert len(cancelled) == 1, address
        assert cancelled[0].attachments == ()
        assert "comes separately" not in cancelled[0].text
        assert "Microsoft 365" not in cancelled[0].text + cancelled[0].html


async def test_when_exchange_refuses_the_event_the_attendees_get_our_own_invitation_and_cancellation(
    fake_graph: FakeGraph, make_settings: Callable[..., Settings]
) -> None:
    """The organiser's mailbox is outside what the app may write (Exchange answers 403): the create
    is parked for the tracker, and the client and the candidate get our `.ics` instead of nothing.
    A retry of the parked job then makes no second entry, and the cancel goes out as our CANCEL,
    not as a Graph call for an event that does not exist."""
    from storage.jobs import failed_jobs, requeue

    settings = make_settings(
        CALENDAR="graph", GRAPH_CREDENTIAL="loopback", GRAPH_BASE_URL=fake_graph.url,
        ASKARSAN_MAIL_FROM=SENDER,
    )
    fake_graph.fail(403, code="ErrorAccessDenied", path_contains="/events", times=100)
    runtime, mail = await start(settings, Clock(NOW))
    try:
        p = await booked(runtime.sessions)
        await run_jobs(runtime.runner)
        parked = await failed_jobs(runtime.sessions)
        assert [j.kind for j in parked] == ["create_calendar_event"]
        fake_graph.faults.clear()
        assert await requeue(runtime.sessions, parked[0].id, NOW)
        await run_jobs(runtime.runner)  # the retry finds the interview's entry (ours) and makes no event
        await cancel_interview(runtime.sessions, p.client, p.interview_id, "Role filled", NOW)
        await run_jobs(runtime.runner)
    finally:
        await runtime.integrations.close()
        await runtime.engine.dispose()
    assert fake_graph.events == {}
    assert fake_graph.calls("POST", "/cancel") == []
    for address in ATTENDEES:
        requests = [m for m in mail.to(address) if "REQUEST" in ics_methods(m)]
        assert len(requests) == 1, address
        assert "The calendar invitation is attached" in requests[0].text
        # Our invitation is their confirmation: no second one saying Microsoft 365 will send it.
        booked_mails = [m for m in mail.to(address) if m.subject.startswith(("Interview confirmed", "Calendar invitation"))]
        assert [m.subject.split(":")[0] for m in booked_mails] == ["Calendar invitation"], address
        assert not [m for m in mail.to(address) if "Microsoft 365" in m.text], address
        cancelled = ours(mail, address, "Interview cancelled")
        assert len(cancelled) == 1 and set(ics_methods(cancelled[0])) == {"CANCEL"}, address
        assert "comes separately" not in cancelled[0].text
