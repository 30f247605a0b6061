"""Which policy an interview runs under: the one way every due time reads it.

When an interview is requested (``services.requests.open_interview``: a request, or another
round) it records the policy in force then (`snapshot`): the agency's (settings), with the
client contact's overrides (``client_policies``, set on the tracker or the JSON API) in place.
Every use case that applies an event or checks the cutoff and the cap reads it back through
`interview_policy`, so a change of the agency's or a client's policy applies to interviews
requested after it, and one requested before keeps its own. An interview from before policies
were recorded has none: it runs under the agency's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import policy as fields
from scheduling.interview import Policy
from storage.models import ClientPolicy, Interview

AGENCY = "agency"
CLIENT = "client"

__all__ = ["AGENCY", "CLIENT", "RunningPolicy", "interview_policy", "latest_overrides", "running", "snapshot"]


def interview_policy(interview: Interview, agency: Policy) -> Policy:
    """The policy `interview` runs under: the one it recorded, else (an interview from before
    policies were recorded) the agency's `agency`."""
    stored = interview.policy
    if not stored or not isinstance(stored.get("values"), dict):
        return agency
    return fields.from_dict(stored["values"], agency)


@dataclass(frozen=True)
class RunningPolicy:
    """What the tracker shows of an interview's policy: where it comes from and every value."""

    source: str  # AGENCY | CLIENT
    version: int | None  # the client's overrides' version
    values: dict[str, Any]
    overridden: frozenset[str]  # the fields the client's overrides set
    recorded: bool  # False: an interview from before policies were recorded

    @property
    def label(self) -> str:
        if self.source == CLIENT:
            return f"the client's policy (version {self.version} of its overrides)"
        return "the agency's default policy"


def running(interview: Interview, agency: Policy) -> RunningPolicy:
    stored = interview.policy or {}
    values = fields.to_dict(interview_policy(interview, agency))
    return RunningPolicy(
        source=CLIENT if stored.get("source") == CLIENT else AGENCY,
        version=stored.get("version") if isinstance(stored.get("version"), int) else None,
        values=values,
        overridden=frozenset(stored.get("overridden") or ()),
        recorded=bool(stored),
    )


async def latest_overrides(session: AsyncSession, client_id: str) -> ClientPolicy | None:
    row: ClientPolicy | None = await session.scalar(
        select(ClientPolicy)
        .where(ClientPolicy.party_id == client_id)
        .order_by(ClientPolicy.version.desc())
        .limit(1)
    )
    return row


async def snapshot(session: AsyncSession, client_id: str, agency: Policy) -> dict[str, Any]:
    """The policy an interview with this client contact requested now runs under, as
    ``interviews.policy`` records it. Overrides stored were valid over the agency's policy when
    set; if the agency's has changed since so that they no longer run together, the agency's is
    used rather than a policy that cannot run."""
    row = await latest_overrides(session, client_id)
    if row is not None and row.overrides:
        try:
            parsed = fields.parse_values(row.overrides)
            merged = fields.checked(agency, parsed)
        except fields.InvalidPolicy:
            merged = None
        if merged is not None:
            return {"source": CLIENT, "version": row.version, "overridden": sorted(parsed),
                    "values": fields.to_dict(merged)}
    return {"source": AGENCY, "version": None, "overridden": [], "values": fields.to_dict(agency)}
