"""The use cases: one transaction each, their effects written to the outbox in the same
transaction. Entry points use ``Services`` (``services.facade``) and the names exported here;
``services.reports`` is the read side's vocabulary (filters, rows) for the tracker."""

from services.changes import ChangeResult, PastCutoff, TooManyReschedules
from services.context import Doorbell, SchedulingConfig, ServiceContext, utc_now
from services.core import Actor, InvalidRequest, NotAllowed, NotFound, SlotTaken
from services.facade import Services
from services.feedback import DecisionResult, FeedbackClosed, SubmitResult
from services.identity import Sender
from services.invitations import InvitationGrant, InvitationInvalid
from services.privacy import CandidateNotFound, ErasureReport
from services.requests import (
    RULE_DEFAULTS,
    InterviewRequest,
    PanelMember,
    PartyInput,
    RequestResult,
    TimesFrom,
)
from services.scheduling import OfferResult, PickResult

__all__ = [
    "RULE_DEFAULTS",
    "Actor",
    "CandidateNotFound",
    "ChangeResult",
    "DecisionResult",
    "Doorbell",
    "ErasureReport",
    "FeedbackClosed",
    "InterviewRequest",
    "InvalidRequest",
    "InvitationGrant",
    "InvitationInvalid",
    "NotAllowed",
    "NotFound",
    "OfferResult",
    "PanelMember",
    "PartyInput",
    "PastCutoff",
    "PickResult",
    "RequestResult",
    "SchedulingConfig",
    "Sender",
    "ServiceContext",
    "Services",
    "SlotTaken",
    "SubmitResult",
    "TimesFrom",
    "TooManyReschedules",
    "utc_now",
]
