"""Scheduling use cases: offer slots, pick one, propose other times, suggest from the calendar
(requests are ``services/requests.py``).

Each is one transaction. The interview row is locked first (`FOR UPDATE` on PostgreSQL; SQLite
transactions take the write lock at BEGIN), the lifecycle decides the next stage and its effects,
and the effects are written to the outbox in the same transaction. Authorisation comes from our
records: the `Actor` is resolved by the edge from the Teams AAD object id or the web chat
invitation, never from what a card says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from integrations.calendar import CalendarGateway, CalendarUnavailable
from scheduling.intervals import Interval
from scheduling.interview import (
    STAGE_LABELS,
    InterviewView,
    OtherTimesProposed,
    Role,
    SlotPicked,
    SlotsOffered,
    Stage,
)
from scheduling.phrases import ParseResult
from scheduling.proposals import ProposedWindow, fits_a_window, proposed_windows
from scheduling.rules import (
    BookingRules,
    RefusedSlot,
    SlotRequest,
    check_offered_slots,
    check_pick,
    free_slots,
)
from scheduling.zones import zone as zone_info
from services.context import SchedulingConfig, ServiceContext
from services.core import (
    Actor,
    InvalidRequest,
    NotAllowed,
    NotFound,
    SlotTaken,
    apply_event,
    audit,
    check_actor,
    lock_interview,
    stage_message,
)
from services.hosts import client_busy, interview_rules, interviewers, panel_bookings
from services.requests import InterviewRequest, RequestResult, request_interview
from services.views import load_view, open_proposal, proposed_intervals
from storage.db import is_deadlock
from storage.models import Booking, Interview, Party, Slot, new_id


@dataclass(frozen=True)
class OfferResult:
    accepted: list[Interval]
    refused: list[RefusedSlot]
    stage: Stage


@dataclass(frozen=True)
class PickResult:
    booked: Interval
    already: bool = False
    zone: str = "UTC"  # the picker's time zone, to say the booked time in
    candidate_name: str = ""  # for the recruiter who picked on the candidate's behalf


@dataclass(frozen=True)
class Proposed:
    """A candidate's proposal as it was read: its id, the windows (UTC), what could not be used
    (a sentence each, for the candidate) and the zone the words were read in."""

    proposal: str
    windows: tuple[Interval, ...]
    problems: tuple[str, ...]
    zone: str


MAX_TEXT = 2000


# Offer -------------------------------------------------------------------------------------------


async def offer_slots(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    interview_id: str,
    requests: Sequence[SlotRequest],
    now: datetime,
    config: SchedulingConfig | None = None,
    extra_busy: Sequence[Interval] = (),
) -> OfferResult:
    """Keep the slots that follow the client's rules; refuse the others with a reason each."""
    config = config or SchedulingConfig()
    if not requests:
        raise InvalidRequest({"slots": "add at least one slot: a date and a start time"})
    if len(requests) > 50:
        raise InvalidRequest({"slots": "offer at most 50 slots at once"})
    async with sessions() as session, session.begin():
        interview = await lock_interview(session, interview_id, actor, Role.CLIENT)
        if Stage(interview.stage) not in (Stage.AWAITING_SLOTS, Stage.AWAITING_PICK):
            raise NotAllowed(stage_message(interview, "offer slots"))
        client = await session.get_one(Party, interview.client_id)
        rules = await interview_rules(session, interview, client.timezone)
        offered = await _slots(session, interview.id, "offered")
        busy = [*await client_busy(session, interview.client_id, exclude=interview.id), *extra_busy]
        # A panel's other required interviewers' bookings are taken time too.
        others = [s.party_id for s in await interviewers(session, interview)
                  if s.required and s.party_id != interview.client_id]
        if others:
            horizon = Interval(now, now + rules.horizon + rules.duration)
            taken = await panel_bookings(session, others, exclude=interview.id, within=horizon)
            busy.extend(b for booked in taken.values() for b in booked)
        # Slots already on offer count as taken for the new ones (buffers included).
        check = check_offered_slots(requests, rules, [*busy, *(s.interval for s in offered)], now)
        if not check.accepted:
            return OfferResult([], check.refused, Stage(interview.stage))
        offer_round = max((s.offer_round for s in offered), default=0) + 1
        for interval in check.accepted:
            session.add(
                Slot(
                    interview_id=interview.id, offer_round=offer_round, start=interval.start,
                    end=interval.end, status="offered", created_at=now,
                )
            )
        audit(
            session, interview.id, now, actor.role, actor.party_id, "slots_offered",
            {"accepted": len(check.accepted), "refused": len(check.refused)},
        )
        stage = await apply_event(
            session, interview, SlotsOffered(len(check.accepted)), now, config.policy
        )
        return OfferResult(check.accepted, check.refused, stage)


# Pick --------------------------------------------------------------------------------------------


# The pick is the hottest write path (every candidate's booking). Its statements are built once,
# with bind parameters, and run on the transaction's connection: building a statement and
# generating its cache key on every call cost more than running it (a select on SQLite: 690 µs
# built per call through the session, 137 µs prebuilt on the connection; bench/).
_PICKED = (
    select(
        Slot.interview_id, Slot.start, Slot.end, Slot.status,
        Party.timezone.label("client_zone"),
    )
    .join(Interview, Interview.id == Slot.interview_id)
    .join(Party, Party.id == Interview.client_id)
    .where(Slot.id == bindparam("slot_id"))
)
_BOOK = insert(Booking)
_CLOSE_OFFER = (
    update(Slot)
    .where(Slot.interview_id == bindparam("offer_of"), Slot.status == "offered")
    .values(
        status=case((Slot.id == bindparam("booked_slot"), "booked"), else_="withdrawn")
    )
)
_PARTY_SEEN_AS = select(Party.id, Party.display_name, Party.timezone).where(
    Party.id.in_([bindparam("candidate"), bindparam("picker")])
)


async def pick_slot(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    interview_id: str,
    slot_id: str,
    now: datetime,
    config: SchedulingConfig | None = None,
) -> PickResult:
    """Book one offered slot, atomically: the database refuses a second booking of the slot and
    any overlapping booking of the same client, whatever the concurrency. A repeat of the same
    pick (a retried activity) books nothing more and reports `already`. The recruiter may pick for
    a candidate who has not answered (the escalation card's "pick for them"). A pick PostgreSQL
    aborts for a deadlock with another (the overlap constraint) runs again."""
    config = config or SchedulingConfig()
    for attempt in range(PICK_ATTEMPTS):
        try:
            return await _pick_once(sessions, actor, interview_id, slot_id, now, config)
        except DBAPIError as error:
            if not is_deadlock(error) or attempt == PICK_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


PICK_ATTEMPTS = 3


async def _pick_once(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    interview_id: str,
    slot_id: str,
    now: datetime,
    config: SchedulingConfig,
) -> PickResult:
    try:
        async with sessions() as session, session.begin():
            interview = await lock_interview(session, interview_id, actor, Role.CANDIDATE, Role.RECRUITER)
            connection = await session.connection()
            slot = (await connection.execute(_PICKED, {"slot_id": slot_id})).first()
            if slot is None or slot.interview_id != interview.id:
                raise NotFound("That time is not one of the slots offered for this interview.")
            interval = Interval(slot.start, slot.end)
            stage = Stage(interview.stage)
            if stage is Stage.SCHEDULED:
                if interview.starts_at == slot.start:
                    return await pick_result(connection, interview, actor, interval, already=True)
                raise NotAllowed(
                    "You already booked another time for this interview. "
                    "Use Reschedule on your confirmation if you need to change it."
                )
            if stage is not Stage.AWAITING_PICK:
                raise NotAllowed(stage_message(interview, "pick a time"))
            if slot.status != "offered":
                raise SlotTaken("That time is no longer available.")
            rules = await interview_rules(session, interview, slot.client_zone)
            busy = await client_busy(session, interview.client_id, exclude=interview.id)
            if check_pick(interval, rules, busy, now) is not None:
                raise SlotTaken("That time is no longer available.")
            attending = await _attending(session, interview, interval)
            # The unique indexes / the overlap constraint speak here, for every interviewer.
            await insert_bookings(connection, interview.id, slot_id, attending, interval, now)
            await connection.execute(
                _CLOSE_OFFER, {"offer_of": interview.id, "booked_slot": slot_id}
            )
            interview.starts_at, interview.ends_at = slot.start, slot.end
            interview.booked_at = now
            audit(session, interview.id, now, actor.role, actor.party_id, "booked",
                  {"slot_id": slot_id})
            await apply_event(session, interview, SlotPicked(interval), now, config.policy)
            return await pick_result(connection, interview, actor, interval)
    except IntegrityError:
        raise SlotTaken("That time was just taken.") from None


async def _attending(session: AsyncSession, interview: Interview, booked: Interval) -> list[str]:
    """Who attends a hand-offered time: every required interviewer (a clash of theirs is the
    database's to refuse), and each optional one with no booking meeting it."""
    seats = await interviewers(session, interview)
    if len(seats) == 1:
        return [interview.client_id]
    optional = [seat.party_id for seat in seats if not seat.required]
    taken = await panel_bookings(session, optional, exclude=interview.id, within=booked)
    return [seat.party_id for seat in seats if seat.required or not taken[seat.party_id]]


async def insert_bookings(
    connection: AsyncConnection,
    interview_id: str,
    slot_id: str,
    party_ids: Sequence[str],
    booked: Interval,
    now: datetime,
) -> None:
    """One active booking per attending interviewer: the unique indexes and the overlap
    constraint of each interviewer refuse a double booking (IntegrityError)."""
    await connection.execute(
        _BOOK,
        [
            {
                "id": new_id(), "interview_id": interview_id, "slot_id": slot_id,
                "client_id": party_id, "start": booked.start, "end": booked.end,
                "status": "active", "created_at": now, "cancelled_at": None,
            }
            for party_id in party_ids
        ],
    )


async def pick_result(
    connection: AsyncConnection,
    interview: Interview,
    actor: Actor,
    booked: Interval,
    *,
    already: bool = False,
) -> PickResult:
    """What the picker is told, read in the pick's own transaction (no second read for the reply)."""
    ids = {"candidate": interview.candidate_id, "picker": actor.party_id}
    parties = {row.id: row for row in await connection.execute(_PARTY_SEEN_AS, ids)}
    candidate, picker = parties[interview.candidate_id], parties[actor.party_id]
    return PickResult(booked, already, zone=picker.timezone, candidate_name=candidate.display_name)


# Propose other times ---------------------------------------------------------------------------


def proposal_text(windows_text: str) -> str:
    """The candidate's words, checked: not empty, not longer than ``MAX_TEXT``."""
    text = (windows_text or "").strip()
    if not text:
        raise InvalidRequest({"windows": "say which days and times suit you, e.g. 'Tue after 14:00'"})
    if len(text) > MAX_TEXT:
        raise InvalidRequest({"windows": f"please keep it under {MAX_TEXT} characters"})
    return text


async def propose_other_times(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    interview_id: str,
    windows_text: str,
    now: datetime,
    config: SchedulingConfig | None = None,
    *,
    windows: Sequence[Interval] = (),
    zone: str | None = None,
) -> str:
    """None of the slots work: the candidate's own words go back to the client, with the windows
    they were read as (``windows``, half-open UTC, read in the candidate's ``zone``; none when
    nothing could be read: the words alone go). Awaiting slots, a new proposal replaces the one
    before (the candidate corrects it), and the client's buttons for the old one go stale.
    Returns the proposal's id, which a client's accept names."""
    config = config or SchedulingConfig()
    text = proposal_text(windows_text)
    async with sessions() as session, session.begin():
        interview = await lock_interview(session, interview_id, actor, Role.CANDIDATE)
        if Stage(interview.stage) not in (Stage.AWAITING_PICK, Stage.AWAITING_SLOTS):
            raise NotAllowed(stage_message(interview, "propose other times"))
        await session.execute(
            update(Slot)
            .where(Slot.interview_id == interview.id, Slot.status == "offered")
            .values(status="withdrawn")
        )
        proposal = new_id()
        interview.candidate_windows = {
            "text": text, "at": now.isoformat(), "proposal": proposal, "zone": zone,
            "windows": [[w.start.isoformat(), w.end.isoformat()] for w in windows],
        }
        audit(session, interview.id, now, actor.role, actor.party_id, "other_times_proposed",
              {"windows": len(windows)})
        await apply_event(session, interview, OtherTimesProposed(), now, config.policy)
        return proposal


# Accept a time the candidate proposed ----------------------------------------------------------


async def proposal_busy(
    session: AsyncSession, interview: Interview, rules: BookingRules, now: datetime
) -> list[Interval]:
    """What a time the client takes from the candidate's windows must not meet: the client's other
    bookings and, on a panel, every other required interviewer's (as an offer checks)."""
    busy = await client_busy(session, interview.client_id, exclude=interview.id)
    others = [s.party_id for s in await interviewers(session, interview)
              if s.required and s.party_id != interview.client_id]
    if others:
        horizon = Interval(now, now + rules.horizon + rules.duration)
        taken = await panel_bookings(session, others, exclude=interview.id, within=horizon)
        busy.extend(b for booked in taken.values() for b in booked)
    return busy


async def proposed_options(
    session: AsyncSession, interview: Interview, now: datetime, *, per_window: int = 1
) -> list[ProposedWindow]:
    """The candidate's open proposal as the client's card offers it: each window and the first
    times in it the client can take now; [] when there is none to accept."""
    stored = interview.candidate_windows or {}
    windows = proposed_intervals(stored)
    if not windows or open_proposal(stored) is None or Stage(interview.stage) is not Stage.AWAITING_SLOTS:
        return []
    client = await session.get_one(Party, interview.client_id)
    rules = await interview_rules(session, interview, client.timezone)
    busy = await proposal_busy(session, interview, rules, now)
    return proposed_windows(windows, rules, busy, now, per_window=per_window)


async def accept_proposed_time(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    interview_id: str,
    proposal: str,
    start: datetime,
    now: datetime,
    config: SchedulingConfig | None = None,
) -> PickResult:
    """The client takes ``start`` inside the windows of the candidate's ``proposal``: booked at
    once, since the candidate already said that time suits them (asking them to pick it again
    would only add a round trip). Checked in one transaction like every booking: the proposal is
    still the open one, the time lies inside a window, follows the client's rules and meets no
    booking (the database's unique indexes and overlap constraint have the last word). A repeat
    of the same accept books nothing more and reports ``already``."""
    config = config or SchedulingConfig()
    try:
        async with sessions() as session, session.begin():
            interview = await lock_interview(session, interview_id, actor, Role.CLIENT)
            connection = await session.connection()
            stored = dict(interview.candidate_windows or {})
            duration = timedelta(minutes=interview.duration_minutes)
            wanted = Interval(start, start + duration)
            stage = Stage(interview.stage)
            ours = stored.get("proposal") == proposal
            if stage is Stage.SCHEDULED and ours and interview.starts_at == start:
                return await pick_result(connection, interview, actor, wanted, already=True)
            if stage is not Stage.AWAITING_SLOTS:
                raise NotAllowed(
                    "The candidate's proposed times are no longer open: this interview is "
                    f"{STAGE_LABELS[stage].lower()}."
                )
            if not ours:
                raise NotAllowed(
                    "The candidate has proposed other times since: please use the latest card."
                )
            if stored.get("accepted"):
                raise NotAllowed("A time from these windows was already taken.")
            if not fits_a_window(wanted, proposed_intervals(stored)):
                raise NotAllowed("That time is not inside the times the candidate proposed.")
            client = await session.get_one(Party, interview.client_id)
            rules = await interview_rules(session, interview, client.timezone)
            busy = await proposal_busy(session, interview, rules, now)
            local = start.astimezone(zone_info(client.timezone))
            request = SlotRequest(local.date(), local.time().replace(tzinfo=None), client.timezone)
            check = check_offered_slots([request], rules, busy, now)
            if check.refused:
                raise SlotTaken(check.refused[0].message)
            attending = await _attending(session, interview, wanted)
            slot_id = new_id()
            last_round = await session.scalar(
                select(func.max(Slot.offer_round)).where(Slot.interview_id == interview.id)
            )
            offer_round = (last_round or 0) + 1
            session.add(
                Slot(
                    id=slot_id, interview_id=interview.id, offer_round=offer_round,
                    start=wanted.start, end=wanted.end, status="booked", created_at=now,
                )
            )
            await session.flush()
            # The unique indexes / the overlap constraint speak here, for every interviewer.
            await insert_bookings(connection, interview.id, slot_id, attending, wanted, now)
            interview.starts_at, interview.ends_at = wanted.start, wanted.end
            interview.booked_at = now
            interview.candidate_windows = {**stored, "accepted": start.isoformat()}
            audit(session, interview.id, now, actor.role, actor.party_id, "booked",
                  {"slot_id": slot_id, "proposed": True})
            await apply_event(session, interview, SlotPicked(wanted, proposed=True), now, config.policy)
            return await pick_result(connection, interview, actor, wanted)
    except IntegrityError:
        raise SlotTaken("That time was just taken.") from None


# Suggest from the client's calendar ------------------------------------------------------------


async def suggest_slots(
    sessions: async_sessionmaker[AsyncSession],
    calendar: CalendarGateway,
    actor: Actor,
    interview_id: str,
    now: datetime,
    limit: int = 5,
) -> list[Interval]:
    """Free times in the client's calendar that follow the interview's rules ("suggest from my
    calendar"). The calendar is read outside any transaction; if it cannot be read,
    `CalendarUnavailable` says so and nothing is suggested (fail closed: never a time that was
    not checked)."""
    async with sessions() as session:
        interview = await lock_interview(session, interview_id, actor, Role.CLIENT)
        if Stage(interview.stage) not in (Stage.AWAITING_SLOTS, Stage.AWAITING_PICK):
            raise NotAllowed(stage_message(interview, "offer slots"))
        client = await session.get_one(Party, interview.client_id)
        rules = await interview_rules(session, interview, client.timezone)
        booked = await client_busy(session, interview.client_id, exclude=interview.id)
        offered = [s.interval for s in await _slots(session, interview.id, "offered")]
        mailbox = client.email
    if not mailbox:
        raise CalendarUnavailable(
            "There is no e-mail address for your calendar: please add times by hand."
        )
    window = Interval(now + rules.min_notice, now + rules.horizon + rules.duration)
    busy = await calendar.free_busy(mailbox, window)
    taken = [rules.blocked(b) for b in (*booked, *offered)]
    return free_slots(rules, [*busy, *taken], now, limit=limit)


# Shared helpers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _SlotRow:
    id: str
    interval: Interval
    offer_round: int


async def _slots(session: AsyncSession, interview_id: str, status: str) -> list[_SlotRow]:
    rows = await session.scalars(
        select(Slot).where(Slot.interview_id == interview_id, Slot.status == status)
    )
    return [_SlotRow(s.id, Interval(s.start, s.end), s.offer_round) for s in rows]


# The way in ------------------------------------------------------------------------------------


class Scheduling:
    """The scheduling use cases bound to the app's context (``Services.scheduling``)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    async def request_interview(self, request: InterviewRequest) -> RequestResult:
        ctx = self._ctx
        result = await request_interview(ctx.sessions, request, ctx.now(), ctx.config)
        ctx.doorbell.ring()
        return result

    async def offer_slots(
        self, actor: Actor, interview_id: str, requests: Sequence[SlotRequest]
    ) -> OfferResult:
        ctx = self._ctx
        result = await offer_slots(ctx.sessions, actor, interview_id, requests, ctx.now(), ctx.config)
        ctx.doorbell.ring()
        return result

    @property
    def calendar_suggests(self) -> bool:
        """A calendar with free/busy is connected: "suggest from my calendar" can work."""
        return self._ctx.calendar.reads_free_busy

    async def suggest_slots(self, actor: Actor, interview_id: str) -> list[Interval]:
        ctx = self._ctx
        return await suggest_slots(ctx.sessions, ctx.calendar, actor, interview_id, ctx.now())

    async def pick_slot(self, actor: Actor, interview_id: str, slot_id: str) -> PickResult:
        ctx = self._ctx
        result = await pick_slot(ctx.sessions, actor, interview_id, slot_id, ctx.now(), ctx.config)
        ctx.doorbell.ring()
        return result

    async def propose_other_times(
        self, actor: Actor, interview_id: str, text: str, *, locale: str | None = None
    ) -> Proposed:
        """The candidate's words read as windows in their zone and language (``locale``, else
        English) with the one reader of typed times, then proposed; what could not be read is
        said in ``problems``, and the words reach the client whatever was read."""
        ctx = self._ctx
        words = proposal_text(text)
        async with ctx.sessions() as session:
            interview = await session.get(Interview, interview_id)
            check_actor(interview, interview_id, actor, Role.CANDIDATE)
            assert interview is not None
            candidate = await session.get_one(Party, interview.candidate_id)
            duration = timedelta(minutes=interview.duration_minutes)
        now = ctx.now()
        read = ctx.times.read(words, zone=candidate.timezone, now=now, locale=locale or "en",
                              duration=duration)
        windows: list[Interval] = []
        problems: list[str] = []
        if isinstance(read, ParseResult):
            windows, problems = list(read.windows), list(read.problems)
        proposal = await propose_other_times(
            ctx.sessions, actor, interview_id, words, now, ctx.config,
            windows=windows, zone=candidate.timezone,
        )
        ctx.doorbell.ring()
        return Proposed(proposal, tuple(windows), tuple(problems), candidate.timezone)

    async def proposed_options(self, interview_id: str) -> list[ProposedWindow]:
        """The candidate's open proposal as the client's card offers it (``proposed_options``)."""
        ctx = self._ctx
        async with ctx.sessions() as session:
            interview = await session.get(Interview, interview_id)
            if interview is None:
                return []
            return await proposed_options(session, interview, ctx.now())

    async def accept_proposed_time(
        self, actor: Actor, interview_id: str, proposal: str, start: datetime
    ) -> PickResult:
        ctx = self._ctx
        result = await accept_proposed_time(
            ctx.sessions, actor, interview_id, proposal, start, ctx.now(), ctx.config
        )
        ctx.doorbell.ring()
        return result

    async def view(self, interview_id: str, *, reader: str | None = None) -> InterviewView | None:
        """The interview as its cards show it; with ``reader`` (a party id) as that person reads
        it: a panel interviewer is "the client" of their own cards (their name and zone)."""
        async with self._ctx.sessions() as session:
            view = await load_view(session, interview_id)
        if view is not None and reader is not None and reader != view.client.id:
            if any(seat.party.id == reader for seat in view.interviewers):
                return view.for_interviewer(reader)
        return view

    async def rules(self, interview_id: str) -> BookingRules | None:
        async with self._ctx.sessions() as session:
            interview = await session.get(Interview, interview_id)
            if interview is None:
                return None
            client = await session.get_one(Party, interview.client_id)
            return await interview_rules(session, interview, client.timezone)
