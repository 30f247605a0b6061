"""Scheduling use cases: request an interview, offer slots, pick one, propose other times.

Each is one transaction. The interview row is locked first (`FOR UPDATE` on PostgreSQL; SQLite
transactions take the write lock at BEGIN), the lifecycle decides the next stage and its effects,
and the effects are written to the outbox in the same transaction. Authorisation comes from our
records: the `Actor` is resolved by the edge from the Teams AAD object id or the web chat
invitation, never from what a card says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from integrations.calendar import CalendarGateway, CalendarUnavailable
from scheduling.errors import DomainError
from scheduling.intervals import Interval
from scheduling.interview import (
    STAGE_LABELS,
    Event,
    Format,
    OtherTimesProposed,
    Policy,
    Requested,
    Role,
    SlotPicked,
    SlotsOffered,
    Stage,
    transition,
)
from scheduling.rules import (
    BookingRules,
    RefusedSlot,
    SlotRequest,
    check_offered_slots,
    check_pick,
    free_slots,
)
from scheduling.zones import zone
from services.invitations import create_invitation
from services.outbox import record_effects
from storage.models import AuditEvent, Booking, Interview, Party, Slot, new_id


class NotFound(DomainError):
    """No such interview (or not one the sender may see)."""


class NotAllowed(DomainError):
    """The sender is not the party this action belongs to."""


class SlotTaken(DomainError):
    """The picked time was booked by someone else a moment ago."""


class InvalidRequest(DomainError):
    """A request with fields that are missing or wrong; `problems` maps field → message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(
            "Please fix: " + "; ".join(f"{message}" for message in problems.values())
        )
        self.problems = problems


@dataclass(frozen=True)
class Actor:
    """Who is acting, as our records know them."""

    role: Role
    party_id: str
    interview_id: str | None = None  # a web chat session is scoped to one interview


@dataclass(frozen=True)
class PartyInput:
    name: str
    email: str | None
    zone: str
    organisation: str | None = None
    aad_object_id: str | None = None
    teams_user_id: str | None = None


@dataclass(frozen=True)
class InterviewRequest:
    recruiter: PartyInput
    client: PartyInput
    candidate: PartyInput
    role_title: str
    duration_minutes: int = 60
    format: Format = Format.TEAMS
    location: str | None = None
    deadline: datetime | None = None
    buffer_minutes: int = 0
    min_notice_hours: int = 24
    horizon_days: int = 60


@dataclass(frozen=True)
class RequestResult:
    interview_id: str
    client_token: str
    candidate_token: str


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


@dataclass
class SchedulingConfig:
    invite_ttl: timedelta = timedelta(days=30)
    policy: Policy = field(default_factory=Policy)


MAX_TEXT = 2000
ALLOWED_DURATIONS = range(15, 241)


# Request ---------------------------------------------------------------------------------------


def validate_request(request: InterviewRequest) -> None:
    problems: dict[str, str] = {}
    if not request.recruiter.name.strip():
        problems["recruiter"] = "the recruiter's name is required"
    for prefix, party in (("client", request.client), ("candidate", request.candidate)):
        if not party.name.strip():
            problems[f"{prefix}_name"] = f"the {prefix}'s name is required"
        if not party.email or "@" not in party.email or len(party.email) > 320:
            problems[f"{prefix}_email"] = f"the {prefix}'s e-mail address is missing or not valid"
        try:
            zone(party.zone)
        except DomainError as error:
            problems[f"{prefix}_zone"] = error.message
    if not request.role_title.strip() or len(request.role_title) > 200:
        problems["role_title"] = "the role title is required (at most 200 characters)"
    if request.duration_minutes not in ALLOWED_DURATIONS:
        problems["duration_minutes"] = "the duration must be between 15 and 240 minutes"
    if request.location is not None and len(request.location) > 500:
        problems["location"] = "the location is too long (at most 500 characters)"
    if request.format is Format.ON_SITE and not (request.location or "").strip():
        problems["location"] = "an on-site interview needs a location"
    if not 0 <= request.buffer_minutes <= 120:
        problems["buffer_minutes"] = "the buffer must be between 0 and 120 minutes"
    if not 0 <= request.min_notice_hours <= 24 * 14:
        problems["min_notice_hours"] = "the minimum notice must be between 0 and 336 hours"
    if not 1 <= request.horizon_days <= 365:
        problems["horizon_days"] = "the booking horizon must be between 1 and 365 days"
    if problems:
        raise InvalidRequest(problems)


async def request_interview(
    sessions: async_sessionmaker[AsyncSession],
    request: InterviewRequest,
    now: datetime,
    config: SchedulingConfig | None = None,
) -> RequestResult:
    validate_request(request)
    config = config or SchedulingConfig()
    async with sessions() as session, session.begin():
        recruiter = await upsert_party(session, "recruiter", request.recruiter, now)
        client = await upsert_party(session, "client", request.client, now)
        candidate = await upsert_party(session, "candidate", request.candidate, now)
        rules = {
            "buffer_minutes": request.buffer_minutes,
            "min_notice_hours": request.min_notice_hours,
            "horizon_days": request.horizon_days,
        }
        interview, client_token, candidate_token = await open_interview(
            session,
            Interview(
                role_title=request.role_title.strip(),
                format=request.format.value,
                location=(request.location or "").strip() or None,
                recruiter_id=recruiter.id,
                client_id=client.id,
                candidate_id=candidate.id,
                duration_minutes=request.duration_minutes,
                rules=rules,
                deadline=request.deadline,
                round=1,
            ),
            now,
            config,
        )
        return RequestResult(interview.id, client_token, candidate_token)


async def open_interview(
    session: AsyncSession,
    interview: Interview,
    now: datetime,
    config: SchedulingConfig,
    audit_detail: dict[str, object] | None = None,
) -> tuple[Interview, str, str]:
    """Start the scheduling loop for a new interview row (a request, or another round): its
    stage and counters, both parties' invitations, the audit entry and the `Requested` effects.
    Returns the interview and the client's and candidate's invitation tokens."""
    interview.stage = Stage.REQUESTED.value
    interview.ics_sequence = 0
    interview.reschedule_count = 0
    interview.requested_at = now
    interview.stage_changed_at = now
    interview.version = 1
    session.add(interview)
    await session.flush()
    client_token = await create_invitation(
        session, interview_id=interview.id, party_id=interview.client_id, role=Role.CLIENT,
        now=now, ttl=config.invite_ttl,
    )
    candidate_token = await create_invitation(
        session, interview_id=interview.id, party_id=interview.candidate_id, role=Role.CANDIDATE,
        now=now, ttl=config.invite_ttl,
    )
    audit(session, interview.id, now, Role.RECRUITER, interview.recruiter_id, "requested",
          audit_detail or {})
    await _apply(session, interview, Requested(), now, config.policy)
    return interview, client_token, candidate_token


async def upsert_party(session: AsyncSession, kind: str, data: PartyInput, now: datetime) -> Party:
    """The party with this e-mail (or AAD object id) and kind, created or brought up to date."""
    party: Party | None = None
    if data.aad_object_id:
        party = await session.scalar(
            select(Party).where(Party.kind == kind, Party.aad_object_id == data.aad_object_id)
        )
    if party is None and data.teams_user_id:
        party = await session.scalar(
            select(Party).where(Party.kind == kind, Party.teams_user_id == data.teams_user_id)
        )
    if party is None and data.email:
        party = await session.scalar(
            select(Party).where(Party.kind == kind, Party.email == data.email.strip().lower())
        )
    if party is None:
        party = Party(kind=kind, created_at=now, display_name=data.name.strip(), timezone=data.zone)
        session.add(party)
    party.display_name = data.name.strip() or party.display_name
    party.email = (data.email or "").strip().lower() or party.email
    party.timezone = data.zone or party.timezone
    party.organisation = data.organisation or party.organisation
    party.aad_object_id = data.aad_object_id or party.aad_object_id
    party.teams_user_id = data.teams_user_id or party.teams_user_id
    await session.flush()
    return party


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
        interview = await _locked(session, interview_id, actor, Role.CLIENT)
        if Stage(interview.stage) not in (Stage.AWAITING_SLOTS, Stage.AWAITING_PICK):
            raise NotAllowed(_stage_message(interview, "offer slots"))
        client = await session.get_one(Party, interview.client_id)
        rules = booking_rules(interview, client.timezone)
        offered = await _slots(session, interview.id, "offered")
        busy = [*await client_busy(session, interview.client_id, exclude=interview.id), *extra_busy]
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
        stage = await _apply(
            session, interview, SlotsOffered(len(check.accepted)), now, config.policy
        )
        return OfferResult(check.accepted, check.refused, stage)


# Pick --------------------------------------------------------------------------------------------


# The pick is the hottest write path (every candidate's booking). Its statements are built once,
# with bind parameters, and run on the transaction's connection: building a statement and
# generating its cache key on every call cost more than running it (a select on SQLite: 690 µs
# built per call through the session, 137 µs prebuilt on the connection; bench/, #10).
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
    a candidate who has not answered (the escalation card's "pick for them")."""
    config = config or SchedulingConfig()
    try:
        async with sessions() as session, session.begin():
            interview = await _locked(session, interview_id, actor, Role.CANDIDATE, Role.RECRUITER)
            connection = await session.connection()
            slot = (await connection.execute(_PICKED, {"slot_id": slot_id})).first()
            if slot is None or slot.interview_id != interview.id:
                raise NotFound("That time is not one of the slots offered for this interview.")
            interval = Interval(slot.start, slot.end)
            stage = Stage(interview.stage)
            if stage is Stage.SCHEDULED:
                if interview.starts_at == slot.start:
                    return await _pick_result(connection, interview, actor, interval, already=True)
                raise NotAllowed(
                    "You already booked another time for this interview. "
                    "Use Reschedule on your confirmation if you need to change it."
                )
            if stage is not Stage.AWAITING_PICK:
                raise NotAllowed(_stage_message(interview, "pick a time"))
            if slot.status != "offered":
                raise SlotTaken("That time is no longer available.")
            rules = booking_rules(interview, slot.client_zone)
            busy = await client_busy(session, interview.client_id, exclude=interview.id)
            if check_pick(interval, rules, busy, now) is not None:
                raise SlotTaken("That time is no longer available.")
            # The unique index / exclusion constraint speaks here.
            await connection.execute(
                _BOOK,
                {
                    "id": new_id(), "interview_id": interview.id, "slot_id": slot_id,
                    "client_id": interview.client_id, "start": slot.start, "end": slot.end,
                    "status": "active", "created_at": now, "cancelled_at": None,
                },
            )
            await connection.execute(
                _CLOSE_OFFER, {"offer_of": interview.id, "booked_slot": slot_id}
            )
            interview.starts_at, interview.ends_at = slot.start, slot.end
            interview.booked_at = now
            audit(session, interview.id, now, actor.role, actor.party_id, "booked",
                  {"slot_id": slot_id})
            await _apply(session, interview, SlotPicked(interval), now, config.policy)
            return await _pick_result(connection, interview, actor, interval)
    except IntegrityError:
        raise SlotTaken("That time was just taken.") from None


async def _pick_result(
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


async def propose_other_times(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    interview_id: str,
    windows_text: str,
    now: datetime,
    config: SchedulingConfig | None = None,
) -> None:
    """None of the slots work: the candidate's own windows go back to the client."""
    config = config or SchedulingConfig()
    text = (windows_text or "").strip()
    if not text:
        raise InvalidRequest({"windows": "say which days and times suit you, e.g. 'Tue after 14:00'"})
    if len(text) > MAX_TEXT:
        raise InvalidRequest({"windows": f"please keep it under {MAX_TEXT} characters"})
    async with sessions() as session, session.begin():
        interview = await _locked(session, interview_id, actor, Role.CANDIDATE)
        if Stage(interview.stage) is not Stage.AWAITING_PICK:
            raise NotAllowed(_stage_message(interview, "propose other times"))
        await session.execute(
            update(Slot)
            .where(Slot.interview_id == interview.id, Slot.status == "offered")
            .values(status="withdrawn")
        )
        interview.candidate_windows = {"text": text, "at": now.isoformat()}
        audit(session, interview.id, now, actor.role, actor.party_id, "other_times_proposed", {})
        await _apply(session, interview, OtherTimesProposed(), now, config.policy)


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
        interview = await _locked(session, interview_id, actor, Role.CLIENT)
        if Stage(interview.stage) not in (Stage.AWAITING_SLOTS, Stage.AWAITING_PICK):
            raise NotAllowed(_stage_message(interview, "offer slots"))
        client = await session.get_one(Party, interview.client_id)
        rules = booking_rules(interview, client.timezone)
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


def booking_rules(interview: Interview, client_zone: str) -> BookingRules:
    rules = interview.rules or {}
    buffer = timedelta(minutes=int(rules.get("buffer_minutes", 0)))
    return BookingRules(
        zone=client_zone,
        duration=timedelta(minutes=interview.duration_minutes),
        buffer_before=buffer,
        buffer_after=buffer,
        min_notice=timedelta(hours=int(rules.get("min_notice_hours", 24))),
        horizon=timedelta(days=int(rules.get("horizon_days", 60))),
    )


_CLIENT_BUSY = select(Booking.start, Booking.end).where(
    Booking.client_id == bindparam("client_id"),
    Booking.status == "active",
    Booking.interview_id != bindparam("exclude"),
)


async def client_busy(
    session: AsyncSession, client_id: str, *, exclude: str | None = None
) -> list[Interval]:
    """The client's active bookings, but those of interview `exclude` (no id is empty)."""
    connection = await session.connection()
    rows = await connection.execute(_CLIENT_BUSY, {"client_id": client_id, "exclude": exclude or ""})
    return [Interval(start, end) for start, end in rows]


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


_LOCK = select(Interview).where(Interview.id == bindparam("id")).with_for_update()


async def _locked(
    session: AsyncSession, interview_id: str, actor: Actor, role: Role, *also: Role
) -> Interview:
    """The interview, locked for this transaction, if `actor` is its party in `role` (or in one
    of the roles `also` allows, e.g. the recruiter acting for the candidate)."""
    interview = await session.scalar(_LOCK, {"id": interview_id})
    if interview is None or (actor.interview_id is not None and actor.interview_id != interview_id):
        raise NotFound("I can't find that interview.")
    parties = {
        Role.CLIENT: interview.client_id,
        Role.CANDIDATE: interview.candidate_id,
        Role.RECRUITER: interview.recruiter_id,
    }
    allowed = (role, *also)
    if actor.role not in allowed or actor.party_id != parties[actor.role]:
        raise NotAllowed(
            f"This action is for the interview's {role.value}; it was not changed."
        )
    return interview


def _stage_message(interview: Interview, what: str) -> str:
    return (
        f"You can't {what} now: this interview is "
        f"{STAGE_LABELS[Stage(interview.stage)].lower()}."
    )


async def _apply(
    session: AsyncSession, interview: Interview, event: Event, now: datetime, policy: Policy
) -> Stage:
    result = transition(Stage(interview.stage), event, now, policy)
    if result.stage.value != interview.stage:
        interview.stage = result.stage.value
        interview.stage_changed_at = now
    interview.version += 1
    await session.flush()
    await record_effects(session, interview.id, interview.version, result.effects, now)
    return result.stage


def audit(
    session: AsyncSession,
    interview_id: str,
    now: datetime,
    role: Role | None,
    party_id: str | None,
    action: str,
    detail: dict[str, object],
) -> None:
    session.add(
        AuditEvent(
            interview_id=interview_id, at=now, actor_role=role.value if role else None,
            actor_party_id=party_id, action=action, detail=detail,
        )
    )
