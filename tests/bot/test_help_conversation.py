"""The bot's greeting and help, through the SDK's TestAdapter (plain inspectors, DESIGN.md §6)."""

from __future__ import annotations

from botbuilder.core import ConversationState, MemoryStorage, TurnContext, UserState
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, Mention

from bot.handler import AskarsanBot


def make_adapter() -> TestAdapter:
    storage = MemoryStorage()
    bot = AskarsanBot(ConversationState(storage), UserState(storage))

    async def logic(context: TurnContext) -> None:
        await bot.on_turn(context)

    return TestAdapter(logic)


def says(*fragments: str):  # type: ignore[no-untyped-def]
    def inspect(activity: Activity, description: str = "") -> None:
        for fragment in fragments:
            assert fragment in (activity.text or ""), f"{fragment!r} not in {activity.text!r}"

    return inspect


async def test_help_lists_what_the_bot_can_do() -> None:
    adapter = make_adapter()
    await (await adapter.send("help")).assert_reply(says("schedule", "pipeline", "help"))


async def test_help_works_with_a_teams_mention_and_capitals() -> None:
    adapter = make_adapter()
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


async def test_unknown_text_says_what_to_do() -> None:
    adapter = make_adapter()
    await (await adapter.send("what's the weather")).assert_reply(says("didn't understand", "help"))


async def test_a_new_member_is_greeted_but_not_the_bot_itself() -> None:
    adapter = make_adapter()
    update = Activity(
        type=ActivityTypes.conversation_update,
        members_added=[ChannelAccount(id="bot"), ChannelAccount(id="user-1")],
        recipient=ChannelAccount(id="bot"),
    )
    step = await (await adapter.send(update)).assert_reply(says("askARSAN", "help"))
    await (await step.send("help")).assert_reply(says("schedule"))
