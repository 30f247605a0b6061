"""Reaching a person in Teams before they have talked to the bot: create the 1:1 conversation.

For a recruiter or a client contact in the agency's own tenant, the bot can open a personal chat
itself (the app must be installed for the user, e.g. by an admin policy): ``create_conversation``
on the user's region service URL, with the tenant id both in ``tenantId`` and in
``channelData.tenant.id`` (Teams reads the latter; without it the call fails with "tenant id
required"). The conversation reference that comes back is stored like any other (``teams`` key of
``Party.conversation_reference``), so proactive cards reach them from then on.

When it cannot work — a person in another organisation, the app not installed for the user (the
connector answers 403 or 404), a service URL outside the allow-list — :meth:`TeamsReach.open` returns
None and the caller falls back to e-mail with a web chat link. Throttling (429/503) is a
``TransientError`` with the connector's Retry-After. ``TeamsReach`` is the edge's implementation of
the directory port the use cases see (``integrations/directory.py``); storing the reference that
comes back is theirs (``services.identity.ensure_teams_reference``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, ClassVar

from botbuilder.core import TurnContext
from botbuilder.schema import (
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from msrest.exceptions import HttpOperationError

from bot.framework.adapter import AskarsanAdapter, UntrustedServiceUrl
from bot.framework.proactive import retry_after
from bot.framework.sdk4171.activity_codec import serialize_reference
from integrations.directory import TeamsUser
from integrations.errors import TransientError

__all__ = ["GLOBAL_TEAMS_SERVICE_URL", "TeamsReach"]

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


class TeamsReach:
    def __init__(
        self,
        adapter: AskarsanAdapter,
        *,
        app_id: str,
        agency_tenant_id: str,
        service_url: str = GLOBAL_TEAMS_SERVICE_URL,
        served_tenants: Iterable[str] = (),
    ) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._tenant = agency_tenant_id.lower()
        self._service_url = service_url
        # The agency's tenant and the ones it serves (ASKARSAN_ALLOWED_TENANTS): the directories
        # whose e-mail addresses are believed (``vouches_for``).
        self._vouched = {t.lower() for t in (agency_tenant_id, *served_tenants) if t}

    @property
    def agency_tenant_id(self) -> str:
        return self._tenant

    def vouches_for(self, tenant_id: str | None) -> bool:
        """E-mail addresses in Teams profiles are believed from the agency's tenant (members, and
        the guests it invited) and the tenants it serves, never from any other: anyone can make
        a tenant whose user claims a client's address."""
        return bool(tenant_id) and str(tenant_id).lower() in self._vouched

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
                raise TransientError(str(status), after=after) from error
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
