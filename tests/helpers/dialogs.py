"""The bot behind the SDK's TestAdapter, and plain (not async) inspectors: TestFlow.assert_reply
silently ignores failures raised by an async inspector (docs/architecture.md, "SDK traps")."""

from __future__ import annotations

from collections.abc import Callable

from botbuilder.core import ConversationState, MemoryStorage, TurnContext, UserState
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.framework.activity_handler import AskarsanBot
from services import ServiceContext, Services

Inspector = Callable[[Activity, str], None]


def make_adapter(sessions: async_sessionmaker[AsyncSession]) -> TestAdapter:
    storage = MemoryStorage()
    bot = AskarsanBot(ConversationState(storage), UserState(storage), Services(ServiceContext(sessions)))

    async def logic(context: TurnContext) -> None:
        await bot.on_turn(context)

    return TestAdapter(logic)


def says(*fragments: str) -> Inspector:
    def inspect(activity: Activity, description: str = "") -> None:
        for fragment in fragments:
            assert fragment in (activity.text or ""), f"{fragment!r} not in {activity.text!r}"

    return inspect
