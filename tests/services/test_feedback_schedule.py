"""Prompts, reminders, the recruiter's alert and the window's close, driven by the real job runner
and handlers with a clock the test sets (no sleeping), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.handlers import job_handlers
from bot.jobs.runner import JobRunner
from integrations.mail import MemoryMail
from scheduling.interview import Stage
from services import ServiceContext, Services
from services.feedback import submit_feedback
from storage.models import Party
from tests.helpers.cards import card_of, submits
from tests.helpers.clock import Clock
from tests.helpers.databases import Sessions
from tests.helpers.interviews import CANDIDATE_ANSWER, ENDED, ENDS, NOW, Parties, booked, stage
from tests.helpers.jobs import RecordingMessenger, run_jobs

H = timedelta(hours=1)
RECRUITER_CONVERSATION = "a:rita-personal"


class Harness:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.clock = Clock(NOW)
        self.messenger = RecordingMessenger()
        self.mail = MemoryMail()
        services = Services(
            ServiceContext(
                sessions, clock=self.clock, public_url="https://askarsan.example",
                mail_from="askarsan@agency.example",
            )
        )
        handlers = job_handlers(services, self.messenger, self.mail)
        self.runner = JobRunner(sessions, handlers, clock=self.clock, lease=timedelta(minutes=2))

    async def at(self, when: Any) -> None:
        """Move the clock and run every job that is due by then."""
        self.clock.set(when)
        if not await run_jobs(self.runner, rounds=20):
            raise AssertionError("the runner kept finding work")

    def recruiter_texts(self) -> list[str]:
        return [a.get("text") or "" for a in self.messenger.to(RECRUITER_CONVERSATION)]

    def mails(self, address: str) -> list[str]:
        """Subjects of the feedback prompts and reminders sent to `address`."""
        return [m.subject for m in self.mail.to(address) if m.subject.startswith("How did the interview go?")]


async def setup(sessions: async_sessionmaker[AsyncSession]) -> tuple[Harness, Parties]:
    harness = Harness(sessions)
    parties = await booked(sessions)
    reference = {
        "channelId": "msteams",
        "serviceUrl": "https://smba.trafficmanager.net/emea/",
        "conversation": {"id": RECRUITER_CONVERSATION, "tenantID": "tenant-1"},
        "bot": {"id": "28:bot"},
        "user": {"id": "29:rita"},
    }
    async with sessions.begin() as session:
        await session.execute(
            update(Party).where(Party.id == parties.recruiter.party_id).values(
                conversation_reference={"teams": reference}
            )
        )
    await harness.at(NOW)  # the booking's own notifications
    harness.mail.sent.clear()
    harness.messenger.sent.clear()
    return harness, parties


async def test_reminders_go_to_whoever_has_not_answered_then_the_recruiter_then_the_summary(sessions: Sessions) -> None:
    h, p = await setup(sessions)
    client_mail, candidate_mail = "hm@client.example", "asha@example.org"

    await h.at(ENDS)  # the interview just ended; the delay has not passed
    assert await stage(sessions, p.interview_id) == Stage.SCHEDULED
    await h.at(ENDED)
    assert await stage(sessions, p.interview_id) == Stage.AWAITING_FEEDBACK
    # Neither has Teams or a web chat yet: each gets the prompt by e-mail with a personal link.
    assert len(h.mails(client_mail)) == 1 and len(h.mails(candidate_mail)) == 1
    assert "/chat?t=" in h.mail.to(candidate_mail)[0].text

    # The candidate answers within the day: only the client is reminded.
    h.clock.set(ENDED + 2 * H)
    await submit_feedback(sessions, p.candidate, p.interview_id, CANDIDATE_ANSWER, h.clock())
    await h.at(ENDED + 2 * H)
    assert any("gave feedback: 5/5" in t for t in h.recruiter_texts())
    await h.at(ENDED + 24 * H - timedelta(minutes=1))
    assert len(h.mails(client_mail)) == 1
    await h.at(ENDED + 24 * H)
    assert (len(h.mails(client_mail)), len(h.mails(candidate_mail))) == (2, 1)
    await h.at(ENDED + 71 * H)
    assert len(h.mails(client_mail)) == 2  # the interval grows: 24 h, then 48 h more
    await h.at(ENDED + 72 * H)
    assert (len(h.mails(client_mail)), len(h.mails(candidate_mail))) == (3, 1)

    # After the last reminder the recruiter is alerted, once, naming who is missing.
    alerts_before = [t for t in h.recruiter_texts() if "No feedback yet" in t]
    assert alerts_before == []
    await h.at(ENDED + 84 * H)
    [alert] = [t for t in h.recruiter_texts() if "No feedback yet" in t]
    assert "Harry Manager (Client Ltd)" in alert and "Asha" not in alert
    assert await stage(sessions, p.interview_id) == Stage.AWAITING_FEEDBACK

    # Then the window closes and the summary is compiled with what is in.
    await h.at(ENDED + 96 * H)
    assert await stage(sessions, p.interview_id) == Stage.FEEDBACK_COMPLETE
    [summary] = [card_of(a) for a in h.messenger.to(RECRUITER_CONVERSATION) if card_of(a) and
                 "Feedback:" in str(card_of(a))]
    assert summary is not None
    decisions = {d.get("decision") for d in submits(summary) if d.get("action") == "decide"}
    assert decisions == {"another_round", "offer", "reject", "on_hold"}
    assert "No feedback from the client." in str(summary)

    # Nothing is left to do, and nothing more is sent, however late the clock.
    sent = len(h.mail.sent), len(h.messenger.sent)
    await h.at(ENDED + 30 * 24 * H)
    assert (len(h.mail.sent), len(h.messenger.sent)) == sent


async def test_nobody_is_reminded_when_both_answer_and_the_summary_comes_at_once(sessions: Sessions) -> None:
    from tests.helpers.interviews import CLIENT_ANSWER

    h, p = await setup(sessions)
    await h.at(ENDED)
    await submit_feedback(sessions, p.client, p.interview_id, CLIENT_ANSWER, ENDED + H)
    await submit_feedback(sessions, p.candidate, p.interview_id, CANDIDATE_ANSWER, ENDED + 2 * H)
    prompts = len(h.mail.sent)
    await h.at(ENDED + 2 * H)
    summaries = [a for a in h.messenger.to(RECRUITER_CONVERSATION) if "Feedback summary" in (a.get("text") or "")]
    assert len(summaries) == 1
    assert "Make an offer" in str(card_of(summaries[0]))
    await h.at(ENDED + 30 * 24 * H)
    assert len(h.mail.sent) == prompts  # no reminders
    assert not [t for t in h.recruiter_texts() if "No feedback yet" in t]
    assert len([a for a in h.messenger.to(RECRUITER_CONVERSATION) if "Feedback summary" in (a.get("text") or "")]) == 1


async def test_a_moved_interview_is_not_marked_held_at_its_old_time(sessions: Sessions) -> None:
    from storage.models import Interview

    h, p = await setup(sessions)
    async with sessions.begin() as session:  # as a reschedule would leave it: a later booking
        await session.execute(
            update(Interview).where(Interview.id == p.interview_id).values(
                starts_at=ENDS + 24 * H, ends_at=ENDS + 25 * H
            )
        )
    await h.at(ENDED)
    assert await stage(sessions, p.interview_id) == Stage.SCHEDULED
    assert h.mail.sent == []
