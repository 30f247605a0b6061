"""The directory port: reaching a person in Microsoft Teams before they have talked to the bot.

The implementation needs the Bot Framework adapter, so it lives at the edge
(``bot/framework/teams_reach.py``); the use cases see only this protocol. Failures follow
``integrations.errors``: throttling is a :class:`~integrations.errors.TransientError`; "Teams cannot
reach this person" (another organisation, the app not installed for them) is ``None``, not an error,
and the caller falls back to e-mail with a web chat link.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["NoTeams", "TeamsDirectory", "TeamsUser"]


@dataclass(frozen=True)
class TeamsUser:
    """Who to reach: their Teams user id (``29:...``) or Entra object id, and their tenant."""

    user_id: str
    tenant_id: str
    service_url: str | None = None  # their region's service URL, when a reference already told us


class TeamsDirectory(Protocol):
    @property
    def agency_tenant_id(self) -> str: ...

    async def open(self, user: TeamsUser) -> dict[str, Any] | None:
        """Create the personal conversation: its serialized conversation reference, or None when
        Teams cannot reach the person."""
        ...


class NoTeams:
    """No Teams at all (local runs, tests of the use cases): nobody is reachable there."""

    @property
    def agency_tenant_id(self) -> str:
        return ""

    async def open(self, user: TeamsUser) -> dict[str, Any] | None:
        return None
