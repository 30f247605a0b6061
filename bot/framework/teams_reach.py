"""Reaching a person in Teams before they have talked to the bot: create the 1:1 conversation.

For a recruiter or a client contact in the agency's own tenant, the bot can open a personal chat
itself (the app must be installed for the user, e.g. by an admin policy): ``create_conversation``
on the user's region service URL, with the tenant id both in ``tenantId`` and in
``channelData.tenant.id`` (Teams reads the latter; without it the call fails with "tenant id
required"). The conversation reference that comes back is stored like any other (``teams`` key of
``Party.conversation_reference``), so proactive cards reach them from then on.

When it cannot work — a person in another organisation, the app not installed for the user (the
connector answers 403 or 404), a service URL outside the allow-list — :meth:`TeamsReach.open` returns
None and the caller falls back to e-mail with a web chat link (DESIGN.md §1). Throttling (429/503)
is ``RetryLater`` for the job runner.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar

from botbuilder.core import TurnContext
from botbuilder.schema import (
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from msrest.exceptions import HttpOperationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.framework.adapter import AskarsanAdapter, UntrustedServiceUrl
from bot.framework.proactive import retry_after
from bot.framework.sdk4171.activity_codec import serialize_reference
from bot.jobs.runner import RetryLater
from storage.models import Party

__all__ = ["GLOBAL_TEAMS_SERVICE_URL", "TeamsReach", "TeamsUser", "ensure_teams_reference"]

log = logging.getLogger(__name__)

# Teams' global Bot Connector endpoint for the public cloud: it routes to the user's region when
# the regional URL (e.g. .../emea/) is not known yet.
GLOBAL_TEAMS_SERVICE_URL = "https://smba.trafficmanager.net/teams/"


class _TeamsConversationParameters(ConversationParameters):  # type: ignore[misc]
    """The schema writes ``tenant_id`` as ``tenantID``; the Connector API documents ``tenantId``."""

    _attribute_map: ClassVar[dict[str, dict[str, str]]] = {
        **ConversationParameters._attribute_map,
        "tenant_id": {"key": "tenantId", "type": "str"},
    }


@dataclass(frozen=True)
class TeamsUser:
    """Who to reach: their Teams user id (``29:...``) or Entra object id, and their tenant."""

    user_id: str
    tenant_id: str
    service_url: str | None = None  # their region's service URL, when a reference already told us


class TeamsReach:
    def __init__(
        self,
        adapter: AskarsanAdapter,
        *,
        app_id: str,
        agency_tenant_id: str,
        service_url: str = GLOBAL_TEAMS_SERVICE_URL,
    ) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._tenant = agency_tenant_id.lower()
        self._service_url = service_url

    @property
    def agency_tenant_id(self) -> str:
        return self._tenant

    def can_reach(self, user: TeamsUser) -> bool:
        """Only people in the agency's own tenant: the bot is not installed anywhere else."""
        return bool(self._tenant) and bool(user.user_id) and user.tenant_id.lower() == self._tenant

    async def open(self, user: TeamsUser) -> dict[str, Any] | None:
        """Create the personal conversation; its serialized reference, or None when Teams can't reach them."""
        if not self.can_reach(user):
            return None
        service_url = user.service_url or self._service_url
        bot = ChannelAccount(id=f"28:{self._app_id}" if self._app_id else "askarsan")
        parameters = _TeamsConversationParameters(
            is_group=False,
            bot=bot,
            members=[ChannelAccount(id=user.user_id)],
            tenant_id=user.tenant_id,
            channel_data={"tenant": {"id": user.tenant_id}},
        )
        created: list[str] = []

        async def remember(turn_context: TurnContext) -> None:
            conversation = turn_context.activity.conversation
            if conversation is not None and conversation.id:
                created.append(conversation.id)

        try:
            await self._adapter.create_conversation(
                self._app_id, remember, parameters, "msteams", service_url, None
            )
        except UntrustedServiceUrl:
            log.warning("teams reach: the service URL is not an allowed Bot Connector host")
            return None
        except HttpOperationError as error:
            status = getattr(error.response, "status_code", None)
            if status in (429, 503):
                after = retry_after(getattr(error.response, "headers", None))
                raise RetryLater(after, str(status)) from error
            if status in (400, 403, 404):
                # 403: the app is not installed for the user (or blocked); 404: no such user here.
                log.info("teams reach: the connector refused a new conversation (%s)", status)
                return None
            raise
        if not created:
            return None  # the tenant middleware dropped it: not a tenant we serve
        reference = ConversationReference(
            channel_id="msteams",
            service_url=service_url,
            bot=bot,
            user=ChannelAccount(id=user.user_id),
            conversation=ConversationAccount(
                id=created[0], tenant_id=user.tenant_id, conversation_type="personal", is_group=False
            ),
        )
        serialized: dict[str, Any] = serialize_reference(reference)
        return serialized


async def ensure_teams_reference(
    sessions: async_sessionmaker[AsyncSession], reach: TeamsReach, party_id: str
) -> dict[str, Any] | None:
    """The party's Teams conversation reference, creating the conversation if we have none yet.

    Recruiters are agency staff, so in the agency's tenant; anyone else only when their tenant is
    known to be the agency's. Returns None when Teams cannot reach them (use e-mail instead). The
    connector call happens outside any transaction; the reference is stored afterwards, unless a
    message from the person stored one meanwhile.
    """
    async with sessions() as session:
        party = await session.get(Party, party_id)
        if party is None or party.erased_at is not None:
            return None
        existing = (party.conversation_reference or {}).get("teams")
        if existing:
            return dict(existing)
        user_id = party.teams_user_id or party.aad_object_id
        tenant = party.tenant_id or (reach.agency_tenant_id if party.kind == "recruiter" else None)
        if not user_id or not tenant:
            return None
        user = TeamsUser(user_id, tenant)
    reference = await reach.open(user)
    if reference is None:
        return None
    async with sessions() as session, session.begin():
        party = await session.get_one(Party, party_id)
        refs = dict(party.conversation_reference or {})
        if refs.get("teams"):
            return dict(refs["teams"])
        refs["teams"] = reference
        party.conversation_reference = refs
        party.tenant_id = party.tenant_id or tenant
    return reference
