"""Proactive messages: to Teams and to web chat, through the same Bot Framework path.

A stored conversation reference is continued with the adapter; the connector client it uses is
the cached, allow-listed one (`bot/adapter.py`), so a tampered reference cannot send the bot's
token elsewhere. Throttling answers (429/503 with Retry-After) are a ``TransientError`` with that
delay (the job runner tries again after it, so other conversations are not held up); a refusal
that a retry cannot mend (an untrusted host, 401/403/404) is a ``PermanentError``.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference
from msrest.exceptions import HttpOperationError

from bot.framework.adapter import AskarsanAdapter, UntrustedServiceUrl
from bot.framework.throttle import SendThrottle
from integrations.errors import PermanentError, TransientError

# Waiting up to this long for a throttle window costs only this job's coroutine; longer waits
# hand the job back to the runner.
MAX_INLINE_WAIT = 2.0


def retry_after(headers: Any, default: timedelta = timedelta(seconds=5)) -> timedelta:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return timedelta(seconds=max(0.0, float(value))) if value is not None else default
    except (TypeError, ValueError):
        return default


class Messenger:
    def __init__(
        self, adapter: AskarsanAdapter, app_id: str, throttle: SendThrottle | None = None
    ) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._throttle = throttle or SendThrottle()

    async def send(self, reference: dict[str, Any], activity: dict[str, Any]) -> None:
        ref = ConversationReference().deserialize(reference)
        outgoing = Activity().deserialize(activity)
        conversation = ref.conversation.id if ref.conversation else ""
        tenant = ref.conversation.tenant_id if ref.conversation else None
        wait = self._throttle.reserve(conversation, tenant)
        if wait > MAX_INLINE_WAIT:
            raise TransientError("throttled", after=timedelta(seconds=wait))
        if wait > 0:
            await asyncio.sleep(wait)
            if self._throttle.reserve(conversation, tenant) > 0:
                raise TransientError("throttled", after=timedelta(seconds=MAX_INLINE_WAIT))

        async def callback(turn_context: TurnContext) -> None:
            await turn_context.send_activity(outgoing)

        try:
            await self._adapter.continue_conversation(ref, callback, self._app_id or None)
        except UntrustedServiceUrl as error:
            raise PermanentError(str(error)) from error
        except HttpOperationError as error:
            response = error.response
            status = getattr(response, "status_code", None)
            if status in (429, 503):
                after = retry_after(getattr(response, "headers", None))
                raise TransientError(str(status), after=after) from error
            if status in (401, 403, 404):
                raise PermanentError(f"the channel refused the message ({status})") from error
            raise
