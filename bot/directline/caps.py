"""Caps on one conversation's traffic on the built-in Direct Line channel: how fast its browser may
post activities (each is stored and runs a bot turn), and how many WebSockets it may hold open.

Posts: a token bucket per conversation (`PostBuckets`): `burst` posts at once, then `per_second`
sustained. A person types a message in seconds; the burst covers a quick run of card clicks, a
typing indicator and a message sent together, or Web Chat's own retries; a sustained rate of one a
second is far above what a person sends and far below a script's hundreds. An over-limit post is
answered 429 with Retry-After (Azure Direct Line answers its throttled calls the same way) and is
neither stored nor run.

Streams: at most `limit` open WebSockets per conversation (`StreamSlots`); the next one is taken and
the oldest is closed with the reason ``collision``, as Azure Direct Line closes the WebSockets of a
conversation beyond its own allowance. The newest connection is the one a person is looking at
(a page just reloaded, a phone back on the network); the oldest is the one most likely half-open,
so a stale socket never keeps a reconnecting Web Chat out. directlinejs reconnects a closed stream
by itself (a fresh streamUrl after 3 to 15 s) and resumes from its watermark: nothing is lost.

Both live in this process's memory: with several server instances the limits are per instance.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

# Conversations whose buckets are remembered; beyond it the least recently used are forgotten
# (a forgotten conversation starts again with a full bucket). Buckets that have refilled carry no
# information and are dropped first, so this only matters under thousands of active chats.
MAX_TRACKED_CONVERSATIONS = 10_000
COLLISION = "collision"


@dataclass
class _Bucket:
    tokens: float
    at: float


class PostBuckets:
    """Per conversation: `burst` posts at once, refilled at `per_second`; bounded in memory."""

    def __init__(
        self,
        burst: int,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_tracked: int = MAX_TRACKED_CONVERSATIONS,
    ) -> None:
        self.burst = burst
        self.per_second = per_second
        self.clock = clock
        self.max_tracked = max_tracked
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, conversation_id: str) -> int:
        """Spend one post of this conversation: 0 when it may go ahead, else the whole seconds
        to wait (Retry-After) before one is allowed."""
        now = self.clock()
        bucket = self._buckets.pop(conversation_id, None)
        if bucket is None:
            bucket = _Bucket(float(self.burst), now)
        else:
            elapsed = max(0.0, now - bucket.at)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.per_second)
            bucket.at = now
        self._buckets[conversation_id] = bucket  # the most recently used go last
        self._forget(now)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0
        return max(1, math.ceil((1.0 - bucket.tokens) / self.per_second))

    def _forget(self, now: float) -> None:
        refill = self.burst / self.per_second
        while self._buckets:
            oldest = next(iter(self._buckets.values()))
            # Untouched for a whole refill: full again, the same as not remembered.
            if now - oldest.at < refill and len(self._buckets) <= self.max_tracked:
                break
            self._buckets.popitem(last=False)


class Closable(Protocol):
    async def close(self, *, code: int = ..., message: bytes = ...) -> bool: ...


class StreamSlots:
    """The open streams of each conversation, oldest first; entries go when the streams close."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, list[Closable]] = {}

    def open_count(self, conversation_id: str) -> int:
        return len(self._open.get(conversation_id, ()))

    def admit(self, conversation_id: str, stream: Closable) -> list[Closable]:
        """Take `stream`; returns the oldest streams it displaces (for the caller to close)."""
        streams = self._open.setdefault(conversation_id, [])
        streams.append(stream)
        displaced = streams[: max(0, len(streams) - self.limit)]
        del streams[: len(displaced)]
        return displaced

    def release(self, conversation_id: str, stream: Closable) -> None:
        streams = self._open.get(conversation_id)
        if streams is None:
            return
        if stream in streams:
            streams.remove(stream)
        if not streams:
            del self._open[conversation_id]


__all__ = ["COLLISION", "MAX_TRACKED_CONVERSATIONS", "PostBuckets", "StreamSlots"]
