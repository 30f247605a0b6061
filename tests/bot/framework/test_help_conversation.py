"""The bot's greeting and help, through the SDK's TestAdapter (plain inspectors: docs/architecture.md, "SDK traps")."""

from __future__ import annotations

from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, Mention
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.helpers.dialogs import make_adapter, says


async def test_help_lists_what_the_bot_can_do(sqlite_sessions: async_sessionmaker[AsyncSession]) -> None:
    adapter = make_adapter(sqlite_sessions)
    await (await adapter.send("help")).assert_reply(says("schedule", "pipeline", "help"))


async def test_help_works_with_a_teams_mention_and_capitals(
    sqlite_sessions: async_sessionmaker[AsyncSession],
) -> None:
    adapter = make_adapter(sqlite_sessions)
    activity = Activity(
        type=ActivityTypes.message,
        text="<at>askARSAN</at> HELP ",
        entities=[
            Mention(
                type="mention",
                text="<at>askARSAN</at>",
                mentioned=ChannelAccount(id="bot", name="askARSAN"),
            )
        ],
        recipient=ChannelAccount(id="bot", name="askARSAN"),
    )
    await (await adapter.send(activity)).assert_reply(says("schedule", "pipeline"))


async def test_unknown_text_says_what_to_do(sqlite_sessions: async_sessionmaker[AsyncSession]) -> None:
    adapter = make_adapter(sqlite_sessions)
    await (await adapter.send("what's the weather")).assert_reply(says("didn't catch that", "help"))


async def test_a_new_member_is_greeted_but_not_the_bot_itself(
    sqlite_sessions: async_sessionmaker[AsyncSession],
) -> None:
    adapter = make_adapter(sqlite_sessions)
    update = Activity(
        type=ActivityTypes.conversation_update,
        members_added=[ChannelAccount(id="bot"), ChannelAccount(id="user-1")],
        recipient=ChannelAccount(id="bot"),
    )
    step = await (await adapter.send(update)).assert_reply(says("askARSAN", "help"))
    await (await step.send("help")).assert_reply(says("schedule"))
