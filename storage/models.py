"""SQLAlchemy models. Times are UTC (`UtcDateTime`); ids are random UUID strings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.db import UtcDateTime


def new_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime, dict[str, Any]: JSON}


class Party(Base):
    """A person askARSAN talks to: a recruiter, a client contact or a candidate.

    The channel identities say how to reach them: a Teams conversation reference (with the
    tenant id read from `channelData`, docs/architecture.md SDK trap 4) and/or an e-mail address for the
    web chat link. `conversation_reference` holds the Teams one (``{"teams": ...}``), which acts on
    all of the party's interviews; their web chats are one per interview (`WebChatReference`).
    """

    __tablename__ = "parties"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))  # recruiter | client | candidate
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    organisation: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The language they read ("es"; cards/i18n.py LANGUAGES): from the API, else the chat's locale
    # the first time they talk; None: not known yet (English).
    language: Mapped[str | None] = mapped_column(String(8))
    aad_object_id: Mapped[str | None] = mapped_column(String(64))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    teams_user_id: Mapped[str | None] = mapped_column(String(200))
    conversation_reference: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    erased_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_parties_aad_object_id", "aad_object_id"),
        Index("ix_parties_email", "email"),
        Index("ix_parties_teams_user_id", "teams_user_id"),
    )


class WebChatReference(Base):
    """The web chat conversation a party last used for one interview, to send that interview's
    cards to. A chat is opened from an invitation link, and a link is for one interview and one
    party, so a card about another interview would be refused there (docs/architecture.md,
    "Web chat"). One row per interview and party: the newest conversation replaces the older one."""

    __tablename__ = "webchat_references"

    interview_id: Mapped[str] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True
    )
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True)
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]

    # Erasure and a party's other lookups go by party.
    __table_args__ = (Index("ix_webchat_references_party_id", "party_id"),)


class TeamsProfile(Base):
    """Someone who installed the app or talked to the bot in a Teams personal chat, as Teams'
    member profile describes them (``GET /v3/conversations/{id}/members/{userId}``), with the
    personal chat's conversation reference. Kept so that a client contact or recruiter whose
    party is made later (a request naming them by e-mail) is reached in that chat
    (``services.identity``, docs/architecture.md "Reaching people"). E-mail and UPN are stored
    lower-case; no name is kept."""

    __tablename__ = "teams_profiles"

    teams_user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    aad_object_id: Mapped[str | None] = mapped_column(String(64))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))
    user_principal_name: Mapped[str | None] = mapped_column(String(320))
    reference: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seen_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_teams_profiles_aad_object_id", "aad_object_id"),
        Index("ix_teams_profiles_email", "email"),
        Index("ix_teams_profiles_user_principal_name", "user_principal_name"),
    )


class BotStateRow(Base):
    """Bot Framework state (conversation, user, dialog stacks) with an etag for optimistic writes."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    etag: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]





class Interview(Base):
    """One interview round between a client and a candidate, run by a recruiter."""

    __tablename__ = "interviews"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    role_title: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(16))
    location: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(24))
    recruiter_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    client_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    candidate_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    candidate_windows: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    deadline: Mapped[datetime | None]
    round: Mapped[int] = mapped_column(Integer, default=1)
    previous_interview_id: Mapped[str | None] = mapped_column(String(32))
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    calendar_event_id: Mapped[str | None] = mapped_column(String(300))
    join_url: Mapped[str | None] = mapped_column(String(1000))
    # Where the recruiter's calendar entries of the booked time are
    # (services/effects/recruiter_calendar.py).
    follow_up_event_id: Mapped[str | None] = mapped_column(String(600))
    ics_sequence: Mapped[int] = mapped_column(Integer, default=0)
    reschedule_count: Mapped[int] = mapped_column(Integer, default=0)
    requested_at: Mapped[datetime]
    booked_at: Mapped[datetime | None]
    stage_changed_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The policy the interview runs under, fixed when it is requested (``services.policy``):
    # {"source": "agency" | "client", "version": the client's overrides' version or None,
    # "values": every field}. None (interviews from before): the agency's.
    policy: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_interviews_stage", "stage"),
        Index("ix_interviews_starts_at", "starts_at"),
        Index("ix_interviews_client_id", "client_id"),
        Index("ix_interviews_recruiter_id", "recruiter_id"),
        Index("ix_interviews_requested_at", "requested_at"),
    )


class InterviewInterviewer(Base):
    """A client-side interviewer of an interview, required or optional, in the recruiter's order.
    Every interview has at least one: its client contact (`Interview.client_id`, the lead, at
    position 0). Open times fit every required interviewer; an optional one attends when free."""

    __tablename__ = "interview_interviewers"

    interview_id: Mapped[str] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True
    )
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    required: Mapped[bool] = mapped_column(Boolean)
    position: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_interview_interviewers_party_id", "party_id"),)


class InterviewRecruiter(Base):
    """A co-recruiter of an interview: sees it and gets its updates. The owner is
    `Interview.recruiter_id`; a handover moves ownership."""

    __tablename__ = "interview_recruiters"

    interview_id: Mapped[str] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True
    )
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    added_at: Mapped[datetime]
    added_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (Index("ix_interview_recruiters_party_id", "party_id"),)


class RecruitingTeam(Base):
    """A team of recruiters, and the Teams team and channel it chose for the interviews' threads.
    ``share_feedback_text``: whether channel posts may quote feedback (personal data; off)."""

    __tablename__ = "recruiting_teams"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    teams_team_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    service_url: Mapped[str | None] = mapped_column(String(500))
    channel_id: Mapped[str | None] = mapped_column(String(200))
    channel_name: Mapped[str | None] = mapped_column(String(200))
    share_feedback_text: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    # The bot was removed from the team (or the team deleted or archived): no more posts.
    removed_at: Mapped[datetime | None]


class TeamMember(Base):
    """A recruiter in a team."""

    __tablename__ = "team_members"

    team_id: Mapped[str] = mapped_column(
        ForeignKey("recruiting_teams.id", ondelete="CASCADE"), primary_key=True
    )
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True)
    added_at: Mapped[datetime]

    __table_args__ = (Index("ix_team_members_party_id", "party_id"),)


class InterviewThread(Base):
    """The thread of one interview in a team's channel: the root post's activity id, and the
    conversation id that replies go to."""

    __tablename__ = "interview_threads"

    interview_id: Mapped[str] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[str] = mapped_column(
        ForeignKey("recruiting_teams.id", ondelete="CASCADE"), primary_key=True
    )
    conversation_id: Mapped[str] = mapped_column(String(500))
    activity_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # The delivery key of the root post (a retried root post knows the thread is its own); an
    # empty `activity_id` means that post is making the thread right now.
    root_key: Mapped[str | None] = mapped_column(String(300))


class Slot(Base):
    """A time the client offered; `status` is offered, withdrawn or booked. `hold_event_id` is
    the tentative event holding the slot in the client's calendar while it is offered (Graph
    only); it is cleared when the hold is deleted, once the slot stops being offered."""

    __tablename__ = "slots"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    interview_id: Mapped[str] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    offer_round: Mapped[int] = mapped_column(Integer)
    start: Mapped[datetime]
    end: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="offered")
    created_at: Mapped[datetime]
    hold_event_id: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (Index("ix_slots_interview_id", "interview_id"),)


class Booking(Base):
    """A booked time of one interviewer: an interview booked with a panel has one active row per
    interviewer who attends (`client_id` is the interviewer; the lead client contact is one of
    them). No two active bookings of one interviewer overlap: partial unique indexes per slot and
    per interview for each interviewer everywhere, plus an exclusion constraint on PostgreSQL and a
    trigger on SQLite (migration 0002) for overlapping ranges."""

    __tablename__ = "bookings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    interview_id: Mapped[str] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    slot_id: Mapped[str] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    start: Mapped[datetime]
    end: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "uq_bookings_active_slot", "slot_id", "client_id", unique=True,
            sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'"),
        ),
        Index(
            "uq_bookings_active_interview", "interview_id", "client_id", unique=True,
            sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'"),
        ),
        Index("ix_bookings_client_start", "client_id", "start"),
    )


class Invitation(Base):
    """A link for one party of one interview. Only a SHA-256 of the token is stored."""

    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    interview_id: Mapped[str] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]


class Job(Base):
    """The outbox and the durable job queue: effects and timed work, written in the same
    transaction as the state change that caused them and carried out by the job runner."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(48))
    interview_id: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[str | None] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    last_error: Mapped[str | None] = mapped_column(Text)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_jobs_status_due_at", "status", "due_at"),
        Index("ix_jobs_interview_id", "interview_id"),
    )


class AuditEvent(Base):
    """What happened to an interview, who did it and when: the tracker's history."""

    __tablename__ = "audit_events"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    interview_id: Mapped[str] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    actor_role: Mapped[str | None] = mapped_column(String(16))
    actor_party_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(48))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (Index("ix_audit_events_interview_id_at", "interview_id", "at"),)


class Feedback(Base):
    """One person's feedback on one interview: one row per interview and party (each interviewer
    of a panel answers on their own; the candidate once),
    replaced by an edit until the summary is compiled. ``answers`` holds the parsed fields other
    than the rating (choices and free text); only the recruiter ever sees them."""

    __tablename__ = "feedback"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    interview_id: Mapped[str] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))  # client | candidate
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    rating: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    edits: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("interview_id", "party_id", name="uq_feedback_interview_party"),)


class InterviewOutcome(Base):
    """What came of an interview after it was held: a no-show, the summary, the decision."""

    __tablename__ = "interview_outcomes"

    interview_id: Mapped[str] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True
    )
    no_show: Mapped[str | None] = mapped_column(String(16))  # client | candidate: who did not come
    no_show_reported_by: Mapped[str | None] = mapped_column(String(32))  # party id
    no_show_reported_role: Mapped[str | None] = mapped_column(String(16))
    no_show_reported_at: Mapped[datetime | None]
    summary_at: Mapped[datetime | None]
    window_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(32))  # party id of the recruiter
    decided_at: Mapped[datetime | None]
    next_interview_id: Mapped[str | None] = mapped_column(String(32))
    # A rejected candidate's data-retention clock starts here (``services/outcomes.py``).
    retention_from: Mapped[datetime | None]


class OutcomeMessage(Base):
    """A message a decision implies, to the candidate or the client: drafted from a template at
    the decision, edited and sent by the recruiter only (``services/outcomes.py``). One per
    decision and recipient role; `sent_at` set once, when the recruiter sends it."""

    __tablename__ = "outcome_messages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    interview_id: Mapped[str] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))  # candidate | client
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    drafted_at: Mapped[datetime]
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None]
    sent_by: Mapped[str | None] = mapped_column(String(32))  # party id of the recruiter

    __table_args__ = (
        UniqueConstraint("interview_id", "decision", "role", name="uq_outcome_messages_decision_role"),
    )


class InterviewChanges(Base):
    """Reschedules of an interview: how often each party moved it (the
    maximum is per party), and the booked time it was moved away from, which the new invitation
    shows as "previously". One row per interview, written with the reschedule."""

    __tablename__ = "interview_changes"

    interview_id: Mapped[str] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True
    )
    by_client: Mapped[int] = mapped_column(Integer, default=0)
    by_candidate: Mapped[int] = mapped_column(Integer, default=0)
    by_recruiter: Mapped[int] = mapped_column(Integer, default=0)
    previous_start: Mapped[datetime | None]
    previous_end: Mapped[datetime | None]
    last_by: Mapped[str | None] = mapped_column(String(16))
    last_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class FeedToken(Base):
    """A secret iCalendar feed URL of one recruiter's interviews (`scope` "mine": those they own
    or co-recruit) or their team's ("team"). Only a SHA-256 of the token is stored; revoking sets
    `revoked_at`."""

    __tablename__ = "feed_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    recruiter_id: Mapped[str] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None]
    scope: Mapped[str] = mapped_column(String(16), default="mine", server_default="mine")

    __table_args__ = (Index("ix_feed_tokens_recruiter_id", "recruiter_id"),)


class BookingPageRow(Base):
    """One version of a client contact's booking page (``scheduling.pages.BookingPage.to_dict()``).

    Versions are never changed: setting a page adds the next version, so an interview booked
    under version 2 can always be read against version 2. The latest is the highest version.
    ``created_by`` says who set it ("api", "tracker", a party id)."""

    __tablename__ = "booking_pages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    page: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("party_id", "version", name="uq_booking_pages_party_version"),)


class ClientPolicy(Base):
    """One version of a client contact's overrides of the agency's policy: only the fields they
    change, as text (``scheduling.policy.to_dict``'s form). Versions are never changed: a change
    adds the next one, {} when every field is back to the agency's; they are its history.
    ``created_by`` says who set it ("api", a party id, a name on the tracker)."""

    __tablename__ = "client_policies"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    overrides: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("party_id", "version", name="uq_client_policies_party_version"),)


# "In stage X since before T": one range scan per stage for the overdue rules.
Index("ix_interviews_stage_changed", Interview.stage, Interview.stage_changed_at)


class TrackerSession(Base):
    """A recruiter signed in to the tracker. The session cookie carries a random id; only its
    SHA-256 is stored, so reading this table yields no usable cookie. Signing out sets
    `revoked_at`; a revoked session, or one past `expires_at`, is no session whatever the cookie
    says. Who signed in is kept here (not in the cookie) so that it ends with the session."""

    __tablename__ = "tracker_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    object_id: Mapped[str | None] = mapped_column(String(64))
    party_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id", ondelete="SET NULL"))
    zone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    # Sign-in deletes the sessions that have expired: a range scan on this index.
    __table_args__ = (Index("ix_tracker_sessions_expires_at", "expires_at"),)
