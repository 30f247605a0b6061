"""A client contact's policy: their overrides of the agency's (reminder times, reschedule cutoff
and cap, escalation and feedback windows and counts), set by a recruiter on the tracker or by the
JSON API, and read back with their history.

Overrides are the fields given (text, as ``scheduling.policy`` reads them); a field left out or
empty is the agency's. They are checked over the agency's policy (``scheduling.policy.checked``):
every unreadable or unworkable field is named with its reason and nothing is stored. A change
carries the version it was read at; one changed meanwhile is refused, so that a change made by
someone else is not overwritten unseen. Each change is stored as the next version, who set it and
when, never changed afterwards. A change applies to interviews requested after it
(``services.policy``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling import policy as fields
from scheduling.interview import Policy
from services.availability import client_party
from services.context import ServiceContext
from services.core import InvalidRequest
from storage.models import ClientPolicy, Party

__all__ = [
    "ClientPolicies",
    "ClientPolicyView",
    "PolicyChanged",
    "PolicyVersion",
    "client_policy",
    "set_client_policy",
]

_ATTEMPTS = 3
HISTORY = 20


class PolicyChanged(InvalidRequest):
    """The client's policy changed since the version the change was read at (``current``)."""

    def __init__(self, problems: dict[str, str], current: int) -> None:
        super().__init__(problems)
        self.current = current


@dataclass(frozen=True)
class PolicyVersion:
    version: int
    overrides: dict[str, Any]
    at: datetime
    by: str


@dataclass(frozen=True)
class ClientPolicyView:
    """A client's policy as it is now: the agency's, their overrides (text, by field), the
    policy that results, and the versions newest first."""

    agency: dict[str, Any]
    version: int | None
    overrides: dict[str, Any]
    effective: dict[str, Any]
    history: tuple[PolicyVersion, ...]


def _parse(data: object, agency: Policy) -> tuple[dict[str, Any], int | None]:
    """(the overrides as stored, the version they were read at) of a change; InvalidRequest
    names every field with its reason."""
    if not isinstance(data, Mapping):
        raise InvalidRequest({"policy": "send an object of the fields to override"})
    body = dict(data)
    version = body.pop("version", None)
    problems: dict[str, str] = {}
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 0):
        problems["version"] = "the version you read, a whole number (0: there were no overrides)"
        version = None
    parsed: dict[str, Any] = {}
    try:
        parsed = fields.parse_values(body)
    except fields.InvalidPolicy as error:
        problems.update(error.problems)
        readable = {k: v for k, v in body.items() if k not in error.problems}
        parsed = fields.parse_values(readable)
    try:
        fields.checked(agency, parsed)
    except fields.InvalidPolicy as error:
        problems.update({k: v for k, v in error.problems.items() if k not in problems})
    if problems:
        raise InvalidRequest(problems)
    return {name: fields.format_value(name, value) if fields.BY_NAME[name].kind != "count" else value
            for name, value in parsed.items()}, version


async def set_client_policy(
    sessions: async_sessionmaker[AsyncSession],
    client_id: str,
    data: object,
    agency: Policy,
    *,
    now: datetime,
    by: str,
) -> int:
    """Store `data` (the fields to override, and the ``version`` read, 0 when there were none)
    as the client's next policy version; its number. InvalidRequest names each bad field
    (nothing is written), ``version`` when the policy changed since it was read."""
    overrides, read_at = _parse(data, agency)
    for attempt in range(_ATTEMPTS):
        try:
            async with sessions() as session, session.begin():
                await client_party(session, client_id, lock=True)
                current = await session.scalar(
                    select(func.max(ClientPolicy.version)).where(ClientPolicy.party_id == client_id)
                ) or 0
                if read_at is not None and read_at != current:
                    raise PolicyChanged({
                        "version": f"the client's policy is at version {current} now, not {read_at}; "
                        "read it again and send that version (or leave version out to replace it)"
                    }, current)
                session.add(ClientPolicy(party_id=client_id, version=current + 1, overrides=overrides,
                                         created_at=now, created_by=by[:200]))
            return current + 1
        except IntegrityError:
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


async def client_policy(
    sessions: async_sessionmaker[AsyncSession], client_id: str, agency: Policy
) -> ClientPolicyView:
    async with sessions() as session:
        await client_party(session, client_id)
        rows = list(await session.scalars(
            select(ClientPolicy).where(ClientPolicy.party_id == client_id)
            .order_by(ClientPolicy.version.desc()).limit(HISTORY)
        ))
        names = await _names(session, [row.created_by for row in rows])
    latest = rows[0] if rows else None
    overrides = dict(latest.overrides) if latest is not None else {}
    try:
        effective = fields.checked(agency, fields.parse_values(overrides))
    except fields.InvalidPolicy:
        effective = agency  # the agency's changed since so that they no longer run together
    return ClientPolicyView(
        agency=fields.to_dict(agency),
        version=latest.version if latest is not None else None,
        overrides=overrides,
        effective=fields.to_dict(effective),
        history=tuple(PolicyVersion(row.version, dict(row.overrides), row.created_at,
                                    names.get(row.created_by, row.created_by)) for row in rows),
    )


async def _names(session: AsyncSession, who: list[str]) -> dict[str, str]:
    """A party id of `created_by` by the party's name, as the history shows it."""
    ids = [w for w in set(who) if len(w) == 32]
    if not ids:
        return {}
    rows = await session.execute(select(Party.id, Party.display_name).where(Party.id.in_(ids)))
    return {party_id: name for party_id, name in rows.tuples()}


class ClientPolicies:
    """The client-policy use cases bound to the app's context (``Services.policies``)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    @property
    def agency(self) -> Policy:
        return self._ctx.config.policy

    async def set(self, client_id: str, data: object, *, by: str) -> int:
        return await set_client_policy(self._ctx.sessions, client_id, data, self.agency,
                                       now=self._ctx.now(), by=by)

    async def of(self, client_id: str) -> ClientPolicyView:
        return await client_policy(self._ctx.sessions, client_id, self.agency)
