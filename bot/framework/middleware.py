"""The middleware that acts on each card submit once, however often the channel delivers it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from botbuilder.core import Middleware, TurnContext
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
