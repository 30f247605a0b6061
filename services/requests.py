"""Requests: a recruiter (in Teams, on the tracker) or an ATS (the JSON API) asks for an interview;
the parties are found or created, the interview opens with both parties' invitations, and the
lifecycle's first effects (ask the client for slots) go to the outbox. `open_interview` is the one
way to start a round (a new request, or another round after a decision).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cards.i18n import LANGUAGES
from scheduling.errors import DomainError
from scheduling.interview import Format, Requested, Role, Stage
from scheduling.pages import BookingPage
from scheduling.zones import zone
from services.context import SchedulingConfig
from services.core import InvalidRequest, apply_event, audit
from services.hosts import latest_page
from services.invitations import create_invitation
from services.policy import snapshot as policy_snapshot
from storage.models import Interview, InterviewInterviewer, InterviewRecruiter, Party

__all__ = [
    "ALLOWED_DURATIONS",
    "RULE_DEFAULTS",
    "InterviewRequest",
    "PanelMember",
    "PartyInput",
    "RequestResult",
    "TimesFrom",
    "open_interview",
    "request_interview",
    "upsert_party",
    "validate_request",
]


@dataclass(frozen=True)
class PartyInput:
    name: str
    email: str | None
    zone: str
    organisation: str | None = None
    aad_object_id: str | None = None
    teams_user_id: str | None = None
    language: str | None = None  # a shipped language (cards/i18n.py LANGUAGES); None: keep / not known


@dataclass(frozen=True)
class PanelMember:
    """An interviewer beside the client contact: required (open times fit them) or optional
    (invited, and attending when free)."""

    party: PartyInput
    required: bool = True


class TimesFrom(StrEnum):
    BOOKING_PAGE = "booking_page"
    OFFERED_BY_CLIENT = "offered_by_client"


RULE_DEFAULTS = {"buffer_minutes": 0, "min_notice_hours": 24, "horizon_days": 60}


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
    # Hand-offered times' rules; None: the default. With a booking page the page's rules apply,
    # so a request that sets any of them for a page is refused rather than ignored.
    buffer_minutes: int | None = None
    min_notice_hours: int | None = None
    horizon_days: int | None = None
    # Where the times come from: the client's booking page or the client offering by hand;
    # None: the page when the client has one.
    times_from: TimesFrom | None = None
    # A panel: the interviewers beside the client contact (who is always the first, required).
    panel: tuple[PanelMember, ...] = ()
    # Recruiters beside the owner (`recruiter`) who see the interview and get its updates.
    co_recruiters: tuple[PartyInput, ...] = ()


PANEL_LIMIT = 8
CO_RECRUITER_LIMIT = 8


@dataclass(frozen=True)
class RequestResult:
    interview_id: str
    client_token: str
    candidate_token: str
    # The parties' ids: what an ATS names the client by (its booking page) and the candidate by.
    client_id: str = ""
    candidate_id: str = ""
    # The times come from the client's booking page (the candidate picks at once).
    from_page: bool = False


ALLOWED_DURATIONS = range(15, 241)


# Request ---------------------------------------------------------------------------------------


# The database's own limits (storage/models.py), enforced here for both databases: SQLite would
# store a longer value whole, PostgreSQL refuses it.
NAME_LIMIT = 200
EMAIL_LIMIT = 320
LOCATION_LIMIT = 500


def text_problem(value: str | None, label: str, limit: int) -> str | None:
    """Why `value` cannot be stored and mailed, or None: at most `limit` characters, and no
    control characters or line breaks (a CR/LF in a name would break every mail header)."""
    if value is None:
        return None
    if len(value) > limit:
        return f"{label} is too long (at most {limit} characters)"
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value):
        return f"{label} must be one line of text, without control characters"
    return None


def validate_request(request: InterviewRequest) -> None:
    problems: dict[str, str] = {}

    def check(key: str, value: str | None, label: str, limit: int) -> None:
        reason = text_problem(value, label, limit)
        if reason and key not in problems:
            problems[key] = reason

    if not request.recruiter.name.strip():
        problems["recruiter"] = "the recruiter's name is required"
    check("recruiter", request.recruiter.name, "the recruiter's name", NAME_LIMIT)
    check("recruiter_email", request.recruiter.email, "the recruiter's e-mail address", EMAIL_LIMIT)
    if request.recruiter.language is not None and request.recruiter.language not in LANGUAGES:
        problems["recruiter_language"] = f"'recruiter.language' must be one of {', '.join(LANGUAGES)}"
    for prefix, party in (("client", request.client), ("candidate", request.candidate)):
        if not party.name.strip():
            problems[f"{prefix}_name"] = f"the {prefix}'s name is required"
        check(f"{prefix}_name", party.name, f"the {prefix}'s name", NAME_LIMIT)
        check(f"{prefix}_organisation", party.organisation, f"the {prefix}'s organisation", NAME_LIMIT)
        if (
            not party.email
            or "@" not in party.email
            or len(party.email) > EMAIL_LIMIT
            or any(c.isspace() or unicodedata.category(c) == "Cc" for c in party.email)
        ):
            problems[f"{prefix}_email"] = f"the {prefix}'s e-mail address is missing or not valid"
        try:
            zone(party.zone)
        except DomainError as error:
            problems[f"{prefix}_zone"] = error.message
        if party.language is not None and party.language not in LANGUAGES:
            problems[f"{prefix}_language"] = (
                f"'{prefix}.language' must be one of {', '.join(LANGUAGES)} (not {party.language[:20]!r})"
            )
    if not request.role_title.strip() or len(request.role_title) > NAME_LIMIT:
        problems["role_title"] = f"the role title is required (at most {NAME_LIMIT} characters)"
    check("role_title", request.role_title, "the role title", NAME_LIMIT)
    if request.duration_minutes not in ALLOWED_DURATIONS:
        problems["duration_minutes"] = "the duration must be between 15 and 240 minutes"
    check("location", request.location, "the location", LOCATION_LIMIT)
    if request.format is Format.ON_SITE and not (request.location or "").strip():
        problems["location"] = "an on-site interview needs a location"
    if len(request.panel) > PANEL_LIMIT - 1:
        problems["panel"] = f"a panel has at most {PANEL_LIMIT} interviewers"
    emails = {(request.client.email or "").strip().lower()}
    for index, member in enumerate(request.panel):
        key = f"panel[{index}]"
        if not member.party.name.strip():
            problems.setdefault(f"{key}.name", f"interviewer {index + 2}'s name is required")
        check(f"{key}.name", member.party.name, f"interviewer {index + 2}'s name", NAME_LIMIT)
        email = (member.party.email or "").strip().lower()
        if not email or "@" not in email or len(email) > EMAIL_LIMIT or any(
            c.isspace() or unicodedata.category(c) == "Cc" for c in email
        ):
            problems.setdefault(
                f"{key}.email", f"interviewer {index + 2}'s e-mail address is missing or not valid"
            )
        elif email in emails:
            problems.setdefault(f"{key}.email", f"{email} is already on the panel")
        emails.add(email)
        try:
            zone(member.party.zone)
        except DomainError as error:
            problems.setdefault(f"{key}.zone", error.message)
    if len(request.co_recruiters) > CO_RECRUITER_LIMIT:
        problems["co_recruiters"] = f"at most {CO_RECRUITER_LIMIT} co-recruiters"
    for index, recruiter in enumerate(request.co_recruiters):
        key = f"co_recruiters[{index}]"
        if not recruiter.name.strip():
            problems.setdefault(f"{key}.name", f"co-recruiter {index + 1}'s name is required")
        check(f"{key}.name", recruiter.name, f"co-recruiter {index + 1}'s name", NAME_LIMIT)
        check(f"{key}.email", recruiter.email, f"co-recruiter {index + 1}'s e-mail address", EMAIL_LIMIT)
    if request.buffer_minutes is not None and not 0 <= request.buffer_minutes <= 120:
        problems["buffer_minutes"] = "the buffer must be between 0 and 120 minutes"
    if request.min_notice_hours is not None and not 0 <= request.min_notice_hours <= 24 * 14:
        problems["min_notice_hours"] = "the minimum notice must be between 0 and 336 hours"
    if request.horizon_days is not None and not 1 <= request.horizon_days <= 365:
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
        panel = [
            ((await upsert_party(session, "client", member.party, now)).id, member.required)
            for member in request.panel
        ]
        co_recruiters = [
            (await upsert_party(session, "recruiter", data, now)).id for data in request.co_recruiters
        ]
        page = await _page_for(session, request, client)
        rules: dict[str, object] = {
            field: default if getattr(request, field) is None else getattr(request, field)
            for field, default in RULE_DEFAULTS.items()
        }
        if page is not None:
            rules = {"page_version": page.version}
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
            from_page=page is not None,
            panel=panel,
            co_recruiters=[p for p in co_recruiters if p != recruiter.id],
            added_by=recruiter.id,
        )
        return RequestResult(
            interview.id, client_token, candidate_token, client.id, candidate.id, page is not None
        )


async def _page_for(
    session: AsyncSession, request: InterviewRequest, client: Party
) -> BookingPage | None:
    """The booking page the request's times come from, or None for times offered by hand.
    Refuses (nothing is written: the transaction rolls back) a request the page cannot serve."""
    if request.times_from is TimesFrom.OFFERED_BY_CLIENT:
        return None
    page = await latest_page(session, client.id)
    if page is None:
        if request.times_from is TimesFrom.BOOKING_PAGE:
            raise InvalidRequest({
                "times_from": f"{client.display_name} has no booking page yet: set one up first "
                "(PUT /api/v1/clients/{id}/availability, the tracker, or the client's own "
                "'set my availability'), or let the client offer times by hand"
            })
        return None
    set_rules = [f for f in RULE_DEFAULTS if getattr(request, f) is not None]
    if set_rules:
        raise InvalidRequest({
            field: f"'{field}' is set by {client.display_name}'s booking page for times booked "
            "from it; leave it out, or choose times offered by the client"
            for field in set_rules
        })
    duration = timedelta(minutes=request.duration_minutes)
    if not page.rules.offers(duration):
        lengths = ", ".join(str(m) for m in page.rules.durations_minutes)
        raise InvalidRequest({
            "duration_minutes": f"{client.display_name}'s booking page offers interviews of "
            f"{lengths} minutes; choose one of those, or let the client offer times by hand"
        })
    return page


async def open_interview(
    session: AsyncSession,
    interview: Interview,
    now: datetime,
    config: SchedulingConfig,
    audit_detail: dict[str, object] | None = None,
    *,
    from_page: bool = False,
    panel: Sequence[tuple[str, bool]] = (),
    co_recruiters: Sequence[str] = (),
    added_by: str = "",
) -> tuple[Interview, str, str]:
    """Start the scheduling loop for a new interview row (a request, or another round): its
    stage and counters, its interviewers (the client contact first, then `panel`'s party ids
    with whether each is required) and co-recruiters, both parties' invitations, the audit entry
    and the `Requested` effects. Returns the interview and the client's and candidate's
    invitation tokens."""
    interview.stage = Stage.REQUESTED.value
    interview.ics_sequence = 0
    interview.reschedule_count = 0
    interview.requested_at = now
    interview.stage_changed_at = now
    interview.version = 1
    # The policy it runs under from now on: a later change of it is for later interviews.
    interview.policy = await policy_snapshot(session, interview.client_id, config.policy)
    session.add(interview)
    await session.flush()
    members = [(interview.client_id, True), *[(p, r) for p, r in panel if p != interview.client_id]]
    session.add_all(
        InterviewInterviewer(interview_id=interview.id, party_id=party_id, required=required,
                             position=position)
        for position, (party_id, required) in enumerate(dict(members).items())
    )
    session.add_all(
        InterviewRecruiter(interview_id=interview.id, party_id=party_id, added_at=now,
                           added_by=added_by or interview.recruiter_id)
        for party_id in dict.fromkeys(co_recruiters) if party_id != interview.recruiter_id
    )
    client_token = await create_invitation(
        session, interview_id=interview.id, party_id=interview.client_id, role=Role.CLIENT,
        now=now, ttl=config.invite_ttl,
    )
    candidate_token = await create_invitation(
        session, interview_id=interview.id, party_id=interview.candidate_id, role=Role.CANDIDATE,
        now=now, ttl=config.invite_ttl,
    )
    detail = dict(audit_detail or {})
    if from_page:
        detail["page_version"] = (interview.rules or {}).get("page_version")
    detail["policy"] = interview.policy["source"]
    if interview.policy["version"] is not None:
        detail["policy_version"] = interview.policy["version"]
    audit(session, interview.id, now, Role.RECRUITER, interview.recruiter_id, "requested", detail)
    await apply_event(session, interview, Requested(from_page=from_page), now, config.policy)
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
    party.language = data.language or party.language
    await session.flush()
    return party
