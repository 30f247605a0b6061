"""The directory port: reaching a person in Microsoft Teams before they have talked to the bot,
and what Teams says about a person who has (their member profile).

The implementation needs the Bot Framework adapter, so it lives at the edge
(``bot/framework/teams_reach.py``); the use cases see only this protocol. Failures follow
``integrations.errors``: throttling is a :class:`~integrations.errors.TransientError`; "Teams cannot
reach this person" (another organisation, the app not installed for them) is ``None``, not an error,
and the caller falls back to e-mail with a web chat link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["NoTeams", "TeamsDirectory", "TeamsMember", "TeamsUser", "guest_home_address"]


@dataclass(frozen=True)
class TeamsUser:
    """Who to reach: their Teams user id (``29:...``) or Entra object id, and their tenant."""

    user_id: str
    tenant_id: str
    service_url: str | None = None  # their region's service URL, when a reference already told us


# A guest's user principal name in the inviting tenant: their home address with "@" made "_",
# then "#EXT#@" and the tenant's domain (e.g. ``jane.doe_fabrikam.com#EXT#@agency.onmicrosoft.com``).
# A domain has no "_", so the last one is where the "@" was.
_GUEST_UPN = re.compile(r"^(?P<local>.+)_(?P<domain>[^_@#]+\.[^_@#]+)#ext#@", re.IGNORECASE)


def guest_home_address(upn: str | None) -> str | None:
    """The home e-mail address inside a guest's ``#EXT#`` user principal name, else None."""
    match = _GUEST_UPN.match(upn or "")
    return f"{match['local']}@{match['domain']}".lower() if match else None


@dataclass(frozen=True)
class TeamsMember:
    """A Teams user's member profile, as the connector's ``GET /v3/conversations/{id}/members/
    {userId}`` answers it (Teams' ``TeamsChannelAccount``); the name is not kept."""

    user_id: str
    tenant_id: str | None
    aad_object_id: str | None = None
    email: str | None = None
    user_principal_name: str | None = None

    def addresses(self) -> tuple[str, ...]:
        """The e-mail addresses the profile names, lower-case: its e-mail, its user principal
        name, and for a guest the home address inside their ``#EXT#`` one."""
        found = [
            (value or "").strip().lower()
            for value in (self.email, self.user_principal_name, guest_home_address(self.user_principal_name))
        ]
        return tuple(dict.fromkeys(a for a in found if "@" in a and "#" not in a))


class TeamsDirectory(Protocol):
    @property
    def agency_tenant_id(self) -> str: ...

    def vouches_for(self, tenant_id: str | None) -> bool:
        """Whether the e-mail addresses in this tenant's directory name people truly: the agency's
        own tenant (its members and the guests it invited) and the tenants it serves. Anyone can
        make a tenant whose user claims someone else's address, so only these match a party by
        e-mail; an Entra object id is unique and matches anywhere."""
        ...

    async def open(self, user: TeamsUser) -> dict[str, Any] | None:
        """Create the personal conversation: its serialized conversation reference, or None when
        Teams cannot reach the person."""
        ...


class NoTeams:
    """No Teams at all (local runs, tests of the use cases): nobody is reachable there."""

    @property
    def agency_tenant_id(self) -> str:
        return ""

    def vouches_for(self, tenant_id: str | None) -> bool:
        return False

    async def open(self, user: TeamsUser) -> dict[str, Any] | None:
        return None
