"""The recruiting team's Teams channel: installing the app in a Teams team, its roster, the
team's settings, and posting each interview's stages into one thread per interview.

Installing the app in a team registers a `recruiting_teams` row (its General channel first) and
fills `team_members` with the recruiters its roster names, matched by the rules every Teams
member profile goes through (``services.identity.learn_teams_member``: object id anywhere, an
address only from a directory the agency vouches for). ``post here`` moves the team's posts to
another channel; ``feedback text on/off`` decides whether posts may quote feedback (personal data;
off). Removing the bot (or deleting or archiving the team) marks the team removed: nothing more
is posted. The posts themselves are planned in ``services/effects/channel.py`` and delivered
here (`deliver`), in order, each once (docs/architecture.md, "The team's channel").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.directory import TeamsDirectory, TeamsMember
from services.context import ServiceContext
from services.core import NotAllowed
from services.effects.deliveries import CHANNEL_POST, Gone, NotYet
from services.identity import learn_teams_member
from storage.jobs import PENDING, RUNNING, ClaimedJob
from storage.models import InterviewThread, Job, Party, RecruitingTeam, TeamMember

__all__ = [
    "CHANNEL_POST",
    "ChannelPoster",
    "TeamChannel",
    "TeamInstall",
    "TeamSender",
    "deliver",
    "install_team",
]

# A post waits for an earlier post of the same thread still on its way (the thread's order).
WAIT_FOR_EARLIER = timedelta(seconds=2)

NOT_A_TEAM_RECRUITER = (
    "Only the team's recruiters can change where and what I post here. If you are one, open a "
    "personal chat with me first so I know who you are, then try again."
)


@dataclass(frozen=True)
class TeamInstall:
    """A Teams team the app was installed in, as the install's activity names it."""

    teams_team_id: str
    name: str
    tenant_id: str | None
    service_url: str
    channel_id: str  # the General channel's id is the team's id
    channel_name: str | None = None


@dataclass(frozen=True)
class TeamSender:
    """Who wrote in a team's channel: their Teams id and Entra object id."""

    user_id: str
    aad_object_id: str | None


class ChannelPoster(Protocol):
    """Posting into a Teams channel (``bot/framework/team_channel.py``)."""

    async def create_thread(
        self, service_url: str, tenant_id: str | None, channel_id: str, activity: dict[str, Any]
    ) -> tuple[str, str]:
        """Start a new thread; (the conversation id replies go to, the root activity id)."""
        ...

    async def reply(
        self, service_url: str, tenant_id: str | None, conversation_id: str, root_id: str,
        activity: dict[str, Any],
    ) -> None: ...


async def _recruiters_among(session: AsyncSession, party_ids: Iterable[str]) -> list[str]:
    ids = list(dict.fromkeys(party_ids))
    if not ids:
        return []
    return list(await session.scalars(
        select(Party.id).where(Party.id.in_(ids), Party.kind == "recruiter", Party.erased_at.is_(None))
    ))


async def _add_members(
    sessions: async_sessionmaker[AsyncSession], directory: TeamsDirectory, team_id: str,
    members: Sequence[TeamsMember], now: datetime,
) -> list[str]:
    attached: list[str] = []
    for member in members:
        attached.extend(await learn_teams_member(sessions, directory, member, None, now))
    async with sessions() as session, session.begin():
        recruiters = await _recruiters_among(session, attached)
        have = set(await session.scalars(select(TeamMember.party_id).where(TeamMember.team_id == team_id)))
        session.add_all(
            TeamMember(team_id=team_id, party_id=p, added_at=now) for p in recruiters if p not in have
        )
    return recruiters


async def install_team(
    sessions: async_sessionmaker[AsyncSession], directory: TeamsDirectory, install: TeamInstall,
    members: Sequence[TeamsMember], now: datetime,
) -> str:
    """Register (or restore) the team, its General channel first, and its recruiters from the
    roster; the team's id."""
    async with sessions() as session, session.begin():
        team = await session.scalar(
            select(RecruitingTeam).where(RecruitingTeam.teams_team_id == install.teams_team_id)
        )
        if team is None:
            team = RecruitingTeam(
                name=install.name or "Team", teams_team_id=install.teams_team_id,
                share_feedback_text=False, created_at=now, channel_id=install.channel_id,
                channel_name=install.channel_name,
            )
            session.add(team)
        team.tenant_id = install.tenant_id or team.tenant_id
        team.service_url = install.service_url
        team.removed_at = None
        team.channel_id = team.channel_id or install.channel_id
        await session.flush()
        team_id = team.id
    await _add_members(sessions, directory, team_id, members, now)
    return team_id


async def _team(session: AsyncSession, teams_team_id: str) -> RecruitingTeam | None:
    found: RecruitingTeam | None = await session.scalar(
        select(RecruitingTeam).where(RecruitingTeam.teams_team_id == teams_team_id)
    )
    return found


async def members_added(
    sessions: async_sessionmaker[AsyncSession], directory: TeamsDirectory, teams_team_id: str,
    members: Sequence[TeamsMember], now: datetime,
) -> None:
    async with sessions() as session:
        team = await _team(session, teams_team_id)
        team_id = team.id if team is not None else None
    if team_id is not None:
        await _add_members(sessions, directory, team_id, members, now)


async def members_removed(
    sessions: async_sessionmaker[AsyncSession], teams_team_id: str, people: Sequence[TeamSender]
) -> None:
    async with sessions() as session, session.begin():
        team = await _team(session, teams_team_id)
        if team is None:
            return
        conditions = [Party.teams_user_id.in_([p.user_id for p in people if p.user_id])]
        objects = [p.aad_object_id.lower() for p in people if p.aad_object_id]
        if objects:
            conditions.append(func.lower(Party.aad_object_id).in_(objects))
        gone = list(await session.scalars(select(Party.id).where(or_(*conditions))))
        if gone:
            await session.execute(
                delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.party_id.in_(gone))
            )


async def team_removed(sessions: async_sessionmaker[AsyncSession], teams_team_id: str, now: datetime) -> None:
    async with sessions() as session, session.begin():
        team = await _team(session, teams_team_id)
        if team is not None and team.removed_at is None:
            team.removed_at = now


async def _check_member(session: AsyncSession, team: RecruitingTeam, sender: TeamSender) -> None:
    conditions = [Party.teams_user_id == sender.user_id]
    if sender.aad_object_id:
        conditions.append(func.lower(Party.aad_object_id) == sender.aad_object_id.lower())
    found = await session.scalar(
        select(TeamMember.party_id).join(Party, Party.id == TeamMember.party_id)
        .where(TeamMember.team_id == team.id, Party.kind == "recruiter", or_(*conditions))
    )
    if found is None:
        raise NotAllowed(NOT_A_TEAM_RECRUITER)


async def post_here(
    sessions: async_sessionmaker[AsyncSession], teams_team_id: str, channel_id: str,
    channel_name: str | None, sender: TeamSender,
) -> None:
    """This channel gets the team's interview threads from now on (NotAllowed for anyone who is
    not a recruiter of the team)."""
    async with sessions() as session, session.begin():
        team = await _team(session, teams_team_id)
        if team is None or team.removed_at is not None:
            raise NotAllowed("This team is not set up with me yet: remove the app and add it again.")
        await _check_member(session, team, sender)
        team.channel_id, team.channel_name = channel_id, channel_name


async def set_feedback_text(
    sessions: async_sessionmaker[AsyncSession], teams_team_id: str, sender: TeamSender, share: bool
) -> None:
    async with sessions() as session, session.begin():
        team = await _team(session, teams_team_id)
        if team is None or team.removed_at is not None:
            raise NotAllowed("This team is not set up with me yet: remove the app and add it again.")
        await _check_member(session, team, sender)
        team.share_feedback_text = share


# Delivering the posts ---------------------------------------------------------------------------


async def _earlier_on_the_way(session: AsyncSession, job: ClaimedJob, team_id: str) -> bool:
    rows = await session.execute(
        select(Job.id, Job.payload).where(
            Job.kind == CHANNEL_POST, Job.interview_id == job.interview_id,
            Job.status.in_((PENDING, RUNNING)), Job.id != job.id,
        )
    )
    seq = int(job.payload.get("seq") or 0)
    return any(
        (payload or {}).get("team_id") == team_id and int((payload or {}).get("seq") or 0) < seq
        for _, payload in rows
    )


async def deliver(sessions: async_sessionmaker[AsyncSession], poster: ChannelPoster, job: ClaimedJob) -> None:
    """Post one stage into its interview's thread in the team's channel: the first post makes
    the thread (its row claimed first, so two posts never make two threads), each later one
    replies into it, after every earlier one of the thread. A removed team gets nothing."""
    team_id = str(job.payload["team_id"])
    activities: list[dict[str, Any]] = list(job.payload.get("activities") or [])
    key = job.idempotency_key
    if job.interview_id is None:
        raise Gone("a channel post without an interview")
    async with sessions() as session, session.begin():
        team = await session.get(RecruitingTeam, team_id)
        if team is None or team.removed_at is not None or not team.channel_id or not team.service_url:
            return  # the bot left the team: nothing to post, ever
        if await _earlier_on_the_way(session, job, team_id):
            raise NotYet(WAIT_FOR_EARLIER, "an earlier post of this thread is on its way")
        service_url, tenant, channel = team.service_url, team.tenant_id, team.channel_id
        thread = await session.get(InterviewThread, (job.interview_id, team_id))
        if thread is not None and thread.activity_id and thread.conversation_id.split(";")[0] != channel:
            # The team chose another channel since: this interview gets a thread there.
            await session.delete(thread)
            await session.flush()
            thread = None
        if thread is not None and thread.activity_id:
            if thread.root_key == key:
                return  # this post made the thread: it is there already
            root: tuple[str, str] | None = (thread.conversation_id, thread.activity_id)
        elif thread is not None:
            if thread.root_key != key:
                raise NotYet(WAIT_FOR_EARLIER, "the thread is being made")
            root = None  # this post claimed the thread before and did not finish
        else:
            try:
                async with session.begin_nested():
                    session.add(InterviewThread(
                        interview_id=job.interview_id, team_id=team_id, conversation_id="",
                        activity_id="", root_key=key, created_at=job.due_at,
                    ))
            except IntegrityError:
                raise NotYet(WAIT_FOR_EARLIER, "the thread is being made") from None
            root = None
    if not activities:
        return
    if root is None:
        conversation_id, activity_id = await poster.create_thread(service_url, tenant, channel, activities[0])
        async with sessions() as session, session.begin():
            thread = await session.get(InterviewThread, (job.interview_id, team_id))
            if thread is not None:
                thread.conversation_id, thread.activity_id = conversation_id, activity_id
        root = (conversation_id, activity_id)
        activities = activities[1:]
    for activity in activities:
        await poster.reply(service_url, tenant, root[0], root[1], activity)


class TeamChannel:
    """The team's channel (``Services.channel``)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    async def install(self, install: TeamInstall, members: Sequence[TeamsMember]) -> str:
        return await install_team(self._ctx.sessions, self._ctx.teams, install, members, self._ctx.now())

    async def members_added(self, teams_team_id: str, members: Sequence[TeamsMember]) -> None:
        await members_added(self._ctx.sessions, self._ctx.teams, teams_team_id, members, self._ctx.now())

    async def members_removed(self, teams_team_id: str, people: Sequence[TeamSender]) -> None:
        await members_removed(self._ctx.sessions, teams_team_id, people)

    async def removed(self, teams_team_id: str) -> None:
        await team_removed(self._ctx.sessions, teams_team_id, self._ctx.now())

    async def post_here(
        self, teams_team_id: str, channel_id: str, channel_name: str | None, sender: TeamSender
    ) -> None:
        await post_here(self._ctx.sessions, teams_team_id, channel_id, channel_name, sender)

    async def set_feedback_text(self, teams_team_id: str, sender: TeamSender, share: bool) -> None:
        await set_feedback_text(self._ctx.sessions, teams_team_id, sender, share)

    async def deliver(self, poster: ChannelPoster, job: ClaimedJob) -> None:
        await deliver(self._ctx.sessions, poster, job)
