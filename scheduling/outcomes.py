"""What a decision implies for the people it concerns: who gets a message after the recruiter's
decision (``services/outcomes.py`` drafts them; the recruiter edits and sends each one).

    offer          the candidate (the offer) and the client (we go ahead)
    reject         the candidate (the news, kindly) and the client (closing the loop)
    on hold        the candidate (still open; when they will hear back)
    another round  the candidate (they are through); the client is asked for the next round's
                   times by that round's own request, so no second message goes to them

Pure: no I/O, no wording (that is ``cards/outcomes.py``'s).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from scheduling.interview import Decision, Role

__all__ = ["MAX_MESSAGE_LENGTH", "OUTCOME_RECIPIENTS", "OutcomeMessageView", "recipients_of"]

OUTCOME_RECIPIENTS: Mapping[Decision, tuple[Role, ...]] = MappingProxyType(
    {
        Decision.OFFER: (Role.CANDIDATE, Role.CLIENT),
        Decision.REJECT: (Role.CANDIDATE, Role.CLIENT),
        Decision.ON_HOLD: (Role.CANDIDATE,),
        Decision.ANOTHER_ROUND: (Role.CANDIDATE,),
    }
)

# A message the recruiter sends: long enough for a real letter, short enough for a Teams card.
MAX_MESSAGE_LENGTH = 4000


def recipients_of(decision: Decision) -> tuple[Role, ...]:
    return OUTCOME_RECIPIENTS[decision]


@dataclass(frozen=True)
class OutcomeMessageView:
    """A drafted or sent outcome message as the recruiter's card and the tracker show it."""

    id: str
    interview_id: str
    decision: Decision
    role: Role
    to_name: str
    subject: str
    body: str
    drafted_at: datetime
    edited: bool = False
    sent_at: datetime | None = None
    sent_by_name: str | None = None

    @property
    def sent(self) -> bool:
        return self.sent_at is not None
