"""The team's channel: an interview's stage becomes one post in its thread, in the channel of
each recruiting team its owner or a co-recruiter is in (``services/channel.py`` delivers it).

The lifecycle says what happened (``scheduling.interview.milestone``, written by ``apply_event``
as a ``post_to_channel`` effect); this planner decides who hears it: every team of the
interview's recruiters that has not removed the bot, one delivery job per team whose key is the
effect's with the team's, so a retried plan or job never posts twice. The post is built here, as
the team's settings say (feedback text only when the team shares it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards.channel_cards import ChannelFeedback, ChannelPost, channel_card, initials
from scheduling.interview import InterviewView
from services.context import ServiceContext
from services.effects.deliveries import CHANNEL_POST, Gone, card_activity
from services.panel import co_recruiter_ids
from services.views import load_view
from storage.jobs import ClaimedJob, enqueue
from storage.models import Feedback, Interview, RecruitingTeam, TeamMember

__all__ = ["post_to_channel"]

_VERDICT_KEYS = ("qualification", "recommendation", "interest")
_TEXT_KEYS = ("impressions", "concerns")


async def _teams(session: AsyncSession, interview: Interview) -> list[RecruitingTeam]:
    recruiters = [interview.recruiter_id, *await co_recruiter_ids(session, interview.id)]
    return list(await session.scalars(
        select(RecruitingTeam)
        .join(TeamMember, TeamMember.team_id == RecruitingTeam.id)
        .where(TeamMember.party_id.in_(recruiters), RecruitingTeam.removed_at.is_(None),
               RecruitingTeam.channel_id.is_not(None))
        .distinct()
        .order_by(RecruitingTeam.created_at, RecruitingTeam.id)
    ))


async def _answers(session: AsyncSession, interview_id: str, role: str | None) -> list[Feedback]:
    statement = select(Feedback).where(Feedback.interview_id == interview_id)
    if role is not None:
        statement = statement.where(Feedback.role == role)
    rows = list(await session.scalars(statement.order_by(Feedback.updated_at.desc(), Feedback.id)))
    if role is not None:
        return rows[:1]  # the answer just given (a panel's interviewers each answer; the newest)
    return sorted(rows, key=lambda f: (f.role != "client", f.submitted_at, f.id))


def _shown(row: Feedback, view: InterviewView) -> ChannelFeedback:
    answers: dict[str, Any] = row.answers or {}
    # On a panel each interviewer answers for themselves: the post names which one, by initials.
    names = {seat.party.id: seat.party.name for seat in view.panel} if len(view.panel) > 1 else {}
    return ChannelFeedback(
        side=row.role, rating=row.rating,
        who=initials(names[row.party_id]) if row.party_id in names else None,
        verdicts={k: str(answers[k]).replace("_", " ") for k in _VERDICT_KEYS if answers.get(k)},
        texts={k: str(answers[k]) for k in _TEXT_KEYS if answers.get(k)},
    )


def _post(
    view: InterviewView, note: str, data: dict[str, str], feedback: list[Feedback], share: bool
) -> ChannelPost:
    return ChannelPost(
        note=note, role_title=view.role_title, organisation=view.client.organisation,
        candidate_initials=initials(view.candidate.name), round=view.round, zone=view.recruiter.zone,
        booked=view.booked, by=data.get("by"), decision=data.get("decision"),
        feedback=tuple(_shown(f, view) for f in feedback), share_text=share,
    )


async def post_to_channel(ctx: ServiceContext, job: ClaimedJob) -> int:
    """Plan the stage's post(s) for each team's channel; how many delivery jobs were added."""
    if job.interview_id is None:
        raise Gone("an effect without an interview")
    data = {str(k): str(v) for k, v in (job.payload.get("data") or {}).items()}
    note = data.get("note", "")
    notes = [note]
    if data.get("summary") == "yes" and note != "summary":
        notes.append("summary")  # the second answer compiles the summary: two posts, in order
    now = ctx.now()
    version = int(job.payload.get("version") or 0)
    async with ctx.sessions() as session, session.begin():
        interview = await session.get(Interview, job.interview_id)
        view = await load_view(session, job.interview_id)
        if interview is None or view is None:
            raise Gone("the interview no longer exists")
        count = 0
        for team in await _teams(session, interview):
            activities = []
            for each in notes:
                if each.startswith("feedback"):
                    answers = await _answers(session, interview.id, data.get("by"))
                elif each == "summary":
                    answers = await _answers(session, interview.id, None)
                else:
                    answers = []
                card = channel_card(_post(view, each, data, answers, team.share_feedback_text))
                activities.append(card_activity(card))
            added = await enqueue(
                session, kind=CHANNEL_POST,
                payload={"team_id": team.id, "seq": version, "activities": activities},
                due_at=now, idempotency_key=f"{job.idempotency_key}|team:{team.id}|channel",
                interview_id=interview.id, now=now,
            )
            count += int(added)
        return count
