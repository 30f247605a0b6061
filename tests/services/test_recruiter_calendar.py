"""The recruiter's own calendar without a connected calendar (the local default): a mail to the
recruiter with two `.ics` attachments, the interview and a follow-up hold after it (from 15 minutes
after the end, for 30 minutes, to contact the client and the candidate), each with a UID of its
own that stays the same: a reschedule withdraws both at the old time (METHOD:CANCEL) and the new
pick sends them again with a higher SEQUENCE; a cancel sends METHOD:CANCEL. Each once, however
often the jobs run. A recruiter known only from Teams gets none, and nothing fails.

The real job runner and planners; mail in memory; booked for Wednesday 25 November 2026
10:00–11:00 UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from icalendar import Calendar
from sqlalchemy import update

from bot.jobs.handlers import job_handlers
from bot.jobs.runner import JobRunner
from integrations.mail import MailMessage, MemoryMail
from scheduling.intervals import Interval
from scheduling.interview import EffectKind
from services import ServiceContext, Services
from services.changes import cancel_interview, reschedule_interview
from services.requests import PartyInput
from storage.jobs import failed_jobs
from storage.models import Job
from tests.helpers.clock import Clock
from tests.helpers.databases import Sessions
from tests.helpers.interviews import NOW, a_request, booked, rebook
from tests.helpers.jobs import RecordingMessenger, run_jobs

RITA = "rita@agency.example"
WEDNESDAY = Interval(datetime(2026, 11, 25, 10, tzinfo=UTC), datetime(2026, 11, 25, 11, tzinfo=UTC))
THURSDAY = Interval(datetime(2026, 11, 26, 14, tzinfo=UTC), datetime(2026, 11, 26, 15, tzinfo=UTC))


def runner_for(sessions: Sessions, mail: MemoryMail) -> JobRunner:
    clock = Clock(NOW)
    handlers = job_handlers(Services(ServiceContext(sessions, clock=clock)), RecordingMessenger(), mail)
    return JobRunner(sessions, handlers, clock=clock, lease=timedelta(minutes=2))


def calendar_mails(mail: MemoryMail) -> list[MailMessage]:
    return [m for m in mail.sent if any(a.filename == "follow-up.ics" for a in m.attachments)]


class Entry(NamedTuple):
    method: str
    sequence: int
    span: Interval
    summary: str
    uid: str


def entries(message: MailMessage) -> dict[str, Entry]:
    """Each attachment's one VEVENT by filename, with Rita its one attendee."""
    found: dict[str, Entry] = {}
    for attachment in message.attachments:
        calendar = Calendar.from_ical(attachment.data)
        [event] = calendar.walk("VEVENT")
        assert attachment.content_type.startswith(f"text/calendar; method={calendar['METHOD']}")
        attendees = event.get("ATTENDEE")
        assert [str(a) for a in (attendees if isinstance(attendees, list) else [attendees])] == [f"mailto:{RITA}"]
        found[attachment.filename] = Entry(
            str(calendar["METHOD"]), int(event["SEQUENCE"]),
            Interval(event.decoded("DTSTART"), event.decoded("DTEND")), str(event["SUMMARY"]),
            str(event["UID"]),
        )
    return found


def follow_up_of(interview: Interval) -> Interval:
    return Interval(interview.end + timedelta(minutes=15), interview.end + timedelta(minutes=45))


async def run_again(sessions: Sessions, runner: JobRunner) -> None:
    """The recruiter's calendar jobs carried out once more (a worker's lease ran out after them)."""
    kinds = [EffectKind.RECRUITER_CALENDAR.value, EffectKind.RECRUITER_CALENDAR_CANCEL.value]
    async with sessions() as session, session.begin():
        await session.execute(update(Job).where(Job.kind.in_(kinds)).values(status="pending", due_at=NOW))
    await run_jobs(runner)


async def test_the_recruiter_gets_the_interview_and_a_follow_up_hold_and_both_move_and_go_with_it(
    sessions: Sessions,
) -> None:
    mail = MemoryMail()
    runner = runner_for(sessions, mail)
    p = await booked(sessions)
    await run_jobs(runner)

    [invite] = calendar_mails(mail)
    assert invite.to == (RITA,)
    assert invite.subject == (
        "For your calendar: the interview and your follow-up · Asha Candidate, Data Engineer"
    )
    assert "to contact the client and the candidate for their feedback" in invite.text
    sent = entries(invite)
    interview_uid, follow_up_uid = sent["interview.ics"].uid, sent["follow-up.ics"].uid
    assert interview_uid == f"{p.interview_id}@askarsan"
    assert follow_up_uid == f"{p.interview_id}.follow-up@askarsan"
    assert sent["interview.ics"][:4] == (
        "REQUEST", 0, WEDNESDAY, "Interview: Data Engineer — Asha Candidate with Client Ltd"
    )
    assert sent["follow-up.ics"][:4] == (
        "REQUEST", 0, follow_up_of(WEDNESDAY), "Follow up: Asha Candidate — Data Engineer"
    )
    [follow_up] = Calendar.from_ical(invite.attachments[1].data).walk("VEVENT")
    assert "contact the client, Harry Manager (Client Ltd), and the candidate" in str(follow_up["DESCRIPTION"])
    await run_again(sessions, runner)
    assert len(calendar_mails(mail)) == 1  # a retried job sends no second invitation

    # A reschedule: the old time is withdrawn (same UIDs, SEQUENCE 1) ...
    await reschedule_interview(sessions, p.candidate, p.interview_id, "A clash", NOW)
    await run_jobs(runner)
    [_, withdrawn] = calendar_mails(mail)
    gone = entries(withdrawn)
    assert gone["interview.ics"][:3] == ("CANCEL", 1, WEDNESDAY)
    assert gone["follow-up.ics"][:3] == ("CANCEL", 1, follow_up_of(WEDNESDAY))
    assert (gone["interview.ics"].uid, gone["follow-up.ics"].uid) == (interview_uid, follow_up_uid)
    # ... and the new pick sends both again, same UIDs, at the new time, with a higher SEQUENCE.
    await rebook(sessions, p, 14, day_offset=1)
    await run_jobs(runner)
    [_, _, moved] = calendar_mails(mail)
    again = entries(moved)
    assert again["interview.ics"][:3] == ("REQUEST", 2, THURSDAY)
    assert again["follow-up.ics"][:3] == ("REQUEST", 2, follow_up_of(THURSDAY))
    assert (again["interview.ics"].uid, again["follow-up.ics"].uid) == (interview_uid, follow_up_uid)

    # A cancel: METHOD:CANCEL of both, SEQUENCE higher still; once.
    await cancel_interview(sessions, p.client, p.interview_id, "Role filled", NOW)
    await run_jobs(runner)
    await run_again(sessions, runner)
    [_, _, _, cancelled] = calendar_mails(mail)
    assert cancelled.subject.startswith("Taken out of your calendar")
    last = entries(cancelled)
    assert last["interview.ics"][:3] == ("CANCEL", 3, THURSDAY)
    assert last["follow-up.ics"][:3] == ("CANCEL", 3, follow_up_of(THURSDAY))
    assert (last["interview.ics"].uid, last["follow-up.ics"].uid) == (interview_uid, follow_up_uid)
    assert await failed_jobs(sessions) == []


async def test_a_recruiter_known_only_from_teams_gets_no_calendar_mail_and_nothing_fails(
    sessions: Sessions,
) -> None:
    mail = MemoryMail()
    runner = runner_for(sessions, mail)
    teams_only = PartyInput("Rita Recruiter", None, "Europe/London", teams_user_id="29:rita")
    p = await booked(sessions, a_request(recruiter=teams_only))
    await run_jobs(runner)
    await cancel_interview(sessions, p.client, p.interview_id, "Role filled", NOW)
    await run_jobs(runner)
    assert calendar_mails(mail) == []
    assert any(m.to == ("hm@client.example",) for m in mail.sent)  # the others' mails went
    assert await failed_jobs(sessions) == []
