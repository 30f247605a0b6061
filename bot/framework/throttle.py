"""Teams' outbound limits, as sliding windows: per conversation 7 messages a second and 60 in
30 seconds, per tenant 50 requests a second (Microsoft's documented bot limits).

`reserve` never blocks: it either records the send and returns 0, or returns how long to wait
before the send would be within every limit. The caller waits only for its own conversation
(or hands the job back to the runner), so one busy conversation never holds up the others.
The windows are per process: with several server instances, lower the limits in proportion.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

Limit = tuple[int, float]  # at most N sends in W seconds


@dataclass(frozen=True)
class Limits:
    per_conversation: tuple[Limit, ...] = ((7, 1.0), (60, 30.0))
    per_tenant: tuple[Limit, ...] = ((50, 1.0),)


class SendThrottle:
    def __init__(self, limits: Limits = Limits(), clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._sent: dict[str, deque[float]] = {}

    def reserve(self, conversation_id: str, tenant_id: str | None = None) -> float:
        now = self._clock()
        keys = [(f"c:{conversation_id}", self._limits.per_conversation)]
        if tenant_id:
            keys.append((f"t:{tenant_id}", self._limits.per_tenant))
        wait = 0.0
        for key, limits in keys:
            sent = self._sent.setdefault(key, deque())
            horizon = max(window for _, window in limits)
            while sent and sent[0] <= now - horizon:
                sent.popleft()
            for count, window in limits:
                recent = [t for t in sent if t > now - window]
                if len(recent) >= count:
                    # The oldest send in this window must leave it before another fits.
                    wait = max(wait, recent[-count] + window - now)
        if wait > 0:
            return wait
        for key, _ in keys:
            self._sent[key].append(now)
        return 0.0
