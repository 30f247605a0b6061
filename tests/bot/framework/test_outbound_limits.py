"""Outbound sends honour Teams' limits and the connector's Retry-After."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.dev.loopback import FakeConnector
from bot.framework.adapter import create_adapter
from bot.framework.proactive import Messenger
from bot.framework.throttle import Limits, SendThrottle
from bot.settings import Settings
from integrations.errors import PermanentError, TransientError
from tests.helpers.clock import Clock


def test_seven_a_second_per_conversation_then_wait() -> None:
    clock = Clock(1000.0)
    throttle = SendThrottle(clock=clock)
    assert [throttle.reserve("c1") for _ in range(7)] == [0.0] * 7
    wait = throttle.reserve("c1")
    assert 0 < wait <= 1.0
    assert throttle.reserve("c2") == 0.0  # another conversation is not held up
    clock.now += wait
    assert throttle.reserve("c1") == 0.0


def test_sixty_in_thirty_seconds_per_conversation() -> None:
    clock = Clock(1000.0)
    throttle = SendThrottle(clock=clock)
    for _ in range(60):
        assert throttle.reserve("c1") == 0.0
        clock.now += 0.2  # 5 a second: under the per-second limit
    wait = throttle.reserve("c1")
    assert wait > 15  # the first of the 60 leaves the 30-second window at t=30
    clock.now += wait
    assert throttle.reserve("c1") == 0.0


def test_fifty_a_second_per_tenant_across_conversations() -> None:
    clock = Clock(1000.0)
    throttle = SendThrottle(Limits(), clock=clock)
    assert all(throttle.reserve(f"c{i}", "tenant-a") == 0.0 for i in range(50))
    assert throttle.reserve("c-new", "tenant-a") > 0
    assert throttle.reserve("c-new", "tenant-b") == 0.0


def reference(connector: FakeConnector, conversation: str = "conv-1") -> dict[str, Any]:
    return {
        "serviceUrl": connector.url,
        "channelId": "msteams",
        "conversation": {"id": conversation, "tenantID": "tenant-a"},
        "bot": {"id": "bot"},
        "user": {"id": "user"},
    }


async def test_a_429_with_retry_after_is_a_transient_error_with_that_delay(connector: FakeConnector) -> None:
    messenger = Messenger(create_adapter(Settings(_env_file=None)), "")
    connector.throttle_next, connector.retry_after = 1, "7"
    with pytest.raises(TransientError) as caught:
        await messenger.send(reference(connector), {"type": "message", "text": "hi"})
    assert caught.value.after == timedelta(seconds=7)
    await messenger.send(reference(connector), {"type": "message", "text": "hi"})
    assert connector.texts("conv-1") == ["hi"]


async def test_a_long_throttle_wait_hands_the_job_back(connector: FakeConnector) -> None:
    clock = Clock(1000.0)
    throttle = SendThrottle(clock=clock)
    for _ in range(60):
        throttle.reserve("conv-1")
        clock.now += 0.2
    messenger = Messenger(create_adapter(Settings(_env_file=None)), "", throttle)
    with pytest.raises(TransientError):
        await messenger.send(reference(connector), {"type": "message", "text": "hi"})
    assert connector.received == []


async def test_a_reference_to_an_untrusted_host_is_never_contacted(connector: FakeConnector) -> None:
    messenger = Messenger(create_adapter(Settings(_env_file=None)), "")
    tampered = {**reference(connector), "serviceUrl": "https://evil.example.net/"}
    with pytest.raises(PermanentError):
        await messenger.send(tampered, {"type": "message", "text": "hi"})
