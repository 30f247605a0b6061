"""The adapter's middleware: a card submit is acted on once however often the channel delivers it
(`ReplayGuard`), and the Teams tenant is restored on the activity and checked against the tenants
we serve (`TeamsTenantMiddleware`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from botbuilder.core import Middleware, TurnContext
from botbuilder.schema import Activity
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import replay

log = logging.getLogger(__name__)

PRUNE_EVERY = 500  # claims older than storage.replay.KEEP are deleted every this many submits


class ReplayGuard(Middleware):  # type: ignore[misc]
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._claims = 0

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[None]]) -> None:
        activity = context.activity
        key = submit_key(activity)
        if key is None:
            await logic()
            return
        if not await replay.claim(self._sessions, key, self._clock()):
            log.info("ignored a replayed card submit (activity %s)", activity.id)
            return
        self._claims += 1
        if self._claims % PRUNE_EVERY == 0:
            await replay.forget_old(self._sessions, self._clock())
        try:
            await logic()
        except BaseException:
            await replay.release(self._sessions, key)
            raise


def submit_key(activity: object) -> str | None:
    """The replay key of a card submit (a message carrying a `value` object), else None."""
    if getattr(activity, "type", None) != "message" or not isinstance(getattr(activity, "value", None), dict):
        return None
    activity_id = getattr(activity, "id", None)
    conversation = getattr(activity, "conversation", None)
    conversation_id = getattr(conversation, "id", None)
    if not activity_id or not conversation_id:
        return None
    return f"{getattr(activity, 'channel_id', '')}|{conversation_id}|{activity_id}"


class TeamsTenantMiddleware(Middleware):  # type: ignore[misc]
    """Restore the Teams tenant id the schema drops, and serve only the configured tenants."""

    def __init__(self, allowed_tenants: list[str]) -> None:
        self._allowed = {t.lower() for t in allowed_tenants}

    async def on_turn(
        self, context: TurnContext, logic: Callable[[], Awaitable[None]]
    ) -> None:
        activity = context.activity
        tenant = teams_tenant_id(activity)
        if tenant and activity.conversation is not None and not activity.conversation.tenant_id:
            activity.conversation.tenant_id = tenant
        if self._allowed and activity.channel_id == "msteams":
            if not tenant or tenant.lower() not in self._allowed:
                log.warning(
                    "dropped an activity from a tenant we do not serve",
                    extra={"activity_id": activity.id, "tenant_id": tenant},
                )
                return
        await logic()


def teams_tenant_id(activity: Activity) -> str | None:
    # channelData is whatever JSON the sender put there: read it defensively.
    data = activity.channel_data
    tenant: Any = None
    if isinstance(data, dict):
        info = data.get("tenant")
        tenant = info.get("id") if isinstance(info, dict) else None
    elif data is not None:
        tenant = getattr(getattr(data, "tenant", None), "id", None)
    if not tenant and activity.conversation is not None:
        tenant = activity.conversation.tenant_id
    return tenant if isinstance(tenant, str) and tenant else None
