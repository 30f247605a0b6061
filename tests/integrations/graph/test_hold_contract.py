"""The holds part of the CalendarGateway contract, for the in-memory fake and GraphCalendar on the
loopback Graph alike; the local calendar makes no holds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.dev.loopback_graph import FakeGraph
from integrations.calendar import CalendarGateway, LocalCalendar, MemoryCalendar, hold_transaction_id
from integrations.errors import PermanentError
from integrations.graph import GraphCalendar, GraphConnection
from scheduling.intervals import Interval
from scheduling.interview import Stage
from tests.helpers.graph import CLIENT_MAILBOX, FAST_RETRY, SDK_WARNINGS, StaticTokenCredential
from tests.helpers.views import make_view

pytestmark = SDK_WARNINGS

DAY = Interval(datetime(2026, 10, 20, tzinfo=UTC), datetime(2026, 10, 21, tzinfo=UTC))
SLOT = Interval(datetime(2026, 10, 20, 9, tzinfo=UTC), datetime(2026, 10, 20, 10, tzinfo=UTC))
VIEW = make_view(stage=Stage.AWAITING_PICK, booked=None, join_url=None)


@pytest.fixture(params=["memory", "graph"])
async def gateway(request: pytest.FixtureRequest) -> AsyncIterator[CalendarGateway]:
    if request.param == "memory":
        yield MemoryCalendar([CLIENT_MAILBOX])
        return
    fake = await FakeGraph().start()
    fake.add_mailbox(CLIENT_MAILBOX)
    connection = GraphConnection(StaticTokenCredential(), base_url=fake.url, retry=FAST_RETRY)
    try:
        yield GraphCalendar(connection)
    finally:
        await connection.close()
        await fake.close()


async def hold(gateway: CalendarGateway, slot_id: str = "slot-1", slot: Interval = SLOT) -> str | None:
    return await gateway.create_hold(
        VIEW, slot, mailbox=CLIENT_MAILBOX, transaction_id=hold_transaction_id(slot_id)
    )


async def test_a_hold_makes_the_mailbox_busy_until_it_is_released_and_a_retry_is_the_same_hold(
    gateway: CalendarGateway,
) -> None:
    assert gateway.holds_slots
    first = await hold(gateway)
    assert first is not None and await hold(gateway) == first
    later = Interval(SLOT.start + timedelta(hours=3), SLOT.end + timedelta(hours=3))
    other = await hold(gateway, "slot-2", later)
    assert other not in (None, first)
    assert await gateway.free_busy(CLIENT_MAILBOX, DAY) == [SLOT, later]
    await gateway.release_hold(first, mailbox=CLIENT_MAILBOX)
    await gateway.release_hold(first, mailbox=CLIENT_MAILBOX)  # gone already: fine
    assert await gateway.free_busy(CLIENT_MAILBOX, DAY) == [later]


async def test_an_unknown_mailbox_takes_no_hold(gateway: CalendarGateway) -> None:
    with pytest.raises(PermanentError):
        await gateway.create_hold(
            VIEW, SLOT, mailbox="nobody@agency.example", transaction_id=hold_transaction_id("s")
        )


async def test_the_local_calendar_makes_no_holds() -> None:
    calendar = LocalCalendar()
    assert not calendar.holds_slots
    assert await hold(calendar) is None
    await calendar.release_hold("anything", mailbox=CLIENT_MAILBOX)


def test_hold_transaction_ids_are_stable_per_slot() -> None:
    assert hold_transaction_id("slot-1") == hold_transaction_id("slot-1")
    assert hold_transaction_id("slot-1") != hold_transaction_id("slot-2")
