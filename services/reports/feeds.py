"""The recruiters' secret iCalendar feeds: tokens (only their SHA-256 stored), and the
interviews a live token's feed carries."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.intervals import Interval
from scheduling.interview import Format, InterviewView, PartyView, Stage
from services.reports.pipeline import (
    CANDIDATE_PARTY,
    CLIENT_PARTY,
    MINE,
    RECRUITER_PARTY,
    SCOPES,
    scope_clause,
)
from storage.models import FeedToken, Interview, Party

# iCalendar feeds ---------------------------------------------------------------------------------


def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class FeedItem:
    id: str
    recruiter_id: str
    recruiter_name: str
    created_at: datetime
    created_by: str | None
    scope: str = MINE

    @property
    def scope_label(self) -> str:
        return SCOPES.get(self.scope, self.scope)


async def feeds(sessions: async_sessionmaker[AsyncSession]) -> list[FeedItem]:
    async with sessions() as session:
        result = await session.execute(
            select(FeedToken.id, FeedToken.recruiter_id, Party.display_name, FeedToken.created_at,
                   FeedToken.created_by, FeedToken.scope)
            .join(Party, Party.id == FeedToken.recruiter_id)
            .where(FeedToken.revoked_at.is_(None))
            .order_by(Party.display_name, FeedToken.created_at)
        )
        return [FeedItem(r.id, r.recruiter_id, r.display_name, r.created_at, r.created_by, r.scope)
                for r in result]


class UnknownRecruiter(LookupError):
    pass


class UnknownScope(ValueError):
    pass


async def create_feed(
    sessions: async_sessionmaker[AsyncSession], recruiter_id: str, *, created_by: str | None, now: datetime,
    scope: str = MINE,
) -> str:
    """A new secret feed token (256 random bits) for a recruiter's own interviews, or with `scope`
    "team" their team's; only its SHA-256 is stored."""
    if scope not in SCOPES:
        raise UnknownScope(scope)
    token = secrets.token_urlsafe(32)
    async with sessions.begin() as session:
        kind = await session.scalar(select(Party.kind).where(Party.id == recruiter_id))
        if kind != "recruiter":
            raise UnknownRecruiter(recruiter_id)
        session.add(
            FeedToken(recruiter_id=recruiter_id, token_hash=hash_feed_token(token), created_at=now,
                      created_by=(created_by or "")[:200] or None, scope=scope)
        )
    return token


async def revoke_feed(sessions: async_sessionmaker[AsyncSession], feed_id: str, *, now: datetime) -> bool:
    async with sessions.begin() as session:
        result = await session.execute(
            update(FeedToken)
            .where(FeedToken.id == feed_id, FeedToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .returning(FeedToken.id)
        )
        return result.scalar_one_or_none() is not None


@dataclass(frozen=True)
class Feed:
    recruiter_name: str
    events: list[tuple[InterviewView, int]]
    scope: str = MINE


FEED_PAST = timedelta(days=30)


async def feed_for_token(
    sessions: async_sessionmaker[AsyncSession], token: str, *, now: datetime
) -> Feed | None:
    """The interviews of the recruiter a live feed token belongs to (owned or co-recruited; with
    a team scope, their team's): booked ones from a month ago on, and cancelled ones that had a
    time (so subscribers drop them)."""
    if not token or len(token) > 200:
        return None
    async with sessions() as session:
        owner = (
            await session.execute(
                select(FeedToken.recruiter_id, FeedToken.scope, Party.display_name, Party.timezone)
                .join(Party, Party.id == FeedToken.recruiter_id)
                .where(FeedToken.token_hash == hash_feed_token(token), FeedToken.revoked_at.is_(None))
            )
        ).first()
        if owner is None:
            return None
        result = await session.execute(
            select(
                Interview.id, Interview.role_title, Interview.format, Interview.stage,
                Interview.duration_minutes, Interview.location, Interview.join_url,
                Interview.starts_at, Interview.ends_at, Interview.ics_sequence,
                CLIENT_PARTY.id.label("client_id"), CLIENT_PARTY.display_name.label("client_name"),
                CLIENT_PARTY.timezone.label("client_zone"), CLIENT_PARTY.organisation.label("client_org"),
                CANDIDATE_PARTY.id.label("candidate_id"),
                CANDIDATE_PARTY.display_name.label("candidate_name"),
                CANDIDATE_PARTY.timezone.label("candidate_zone"),
                RECRUITER_PARTY.id.label("owner_id"), RECRUITER_PARTY.display_name.label("owner_name"),
                RECRUITER_PARTY.timezone.label("owner_zone"),
            )
            .join(CLIENT_PARTY, CLIENT_PARTY.id == Interview.client_id)
            .join(RECRUITER_PARTY, RECRUITER_PARTY.id == Interview.recruiter_id)
            .join(CANDIDATE_PARTY, CANDIDATE_PARTY.id == Interview.candidate_id)
            .where(
                scope_clause(owner.scope, owner.recruiter_id),
                Interview.starts_at.is_not(None),
                Interview.ends_at.is_not(None),
                Interview.starts_at >= now - FEED_PAST,
                Interview.stage != Stage.AWAITING_SLOTS.value,  # a reschedule in progress: no time
            )
            .order_by(Interview.starts_at)
            .limit(1000)
        )
        events = [
            (
                InterviewView(
                    id=r.id,
                    role_title=r.role_title,
                    format=Format(r.format),
                    stage=Stage(r.stage),
                    duration=timedelta(minutes=r.duration_minutes),
                    recruiter=PartyView(r.owner_id, r.owner_name, r.owner_zone),  # each its owner
                    client=PartyView(r.client_id, r.client_name, r.client_zone, r.client_org),
                    candidate=PartyView(r.candidate_id, r.candidate_name, r.candidate_zone),
                    location=r.location,
                    join_url=r.join_url,
                    booked=Interval(r.starts_at, r.ends_at),
                ),
                r.ics_sequence,
            )
            for r in result
        ]
    return Feed(owner.display_name, events, owner.scope)
