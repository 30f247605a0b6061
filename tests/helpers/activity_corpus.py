"""Outgoing activities of every shape the bot sends (and some it could): the corpus the activity
codec and the lean connector client are checked against msrest with."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    CardAction,
    CardImage,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
    Entity,
    HeroCard,
    InputHints,
    Mention,
    MessageReaction,
    RoleTypes,
    SemanticAction,
    SuggestedActions,
    TextFormatTypes,
    TextHighlight,
)
from botbuilder.schema.teams import NotificationInfo, TeamsChannelData, TenantInfo

ADAPTIVE_CARD = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
    "body": [
        {"type": "TextBlock", "text": "Créneaux proposés — 面接 📅", "wrap": True, "weight": "Bolder"},
        {"type": "Input.ChoiceSet", "id": "slot", "isMultiSelect": False, "choices": [
            {"title": "Tue 10:00 (Europe/London)", "value": "2024-05-07T09:00:00Z"},
            {"title": "Wed 14:30", "value": "2024-05-08T13:30:00Z"},
        ], "placeholder": None},
        {"type": "ColumnSet", "columns": [{"width": 1.5, "items": []}, {"width": "auto"}]},
    ],
    "actions": [{"type": "Action.Submit", "title": "Book", "data": {"verb": "pick", "n": 3}}],
}


class EntityWithExtras(Entity):
    """A model that sends its additional properties (what `enable_additional_properties_sending`
    does to a class, on a subclass so the schema's classes stay untouched)."""

    _attribute_map: ClassVar[dict[str, Any]] = {
        **Entity._attribute_map,
        "additional_properties": {"key": "", "type": "{object}"},
    }


class EntityExtrasFirst(Entity):
    """Extras mapped before the fields: msrest never overwrites a key already written."""

    _attribute_map: ClassVar[dict[str, Any]] = {
        "additional_properties": {"key": "", "type": "{object}"},
        **Entity._attribute_map,
    }


def with_extras(entity: Entity, **extras: Any) -> Entity:
    entity.additional_properties = extras
    return entity


class ConversationWithTenantId(ConversationAccount):
    """Like bot/framework/teams_reach.py's parameters: a subclass that maps an attribute to another key."""

    _attribute_map: ClassVar[dict[str, Any]] = {
        **ConversationAccount._attribute_map,
        "tenant_id": {"key": "tenantId", "type": "str"},
    }


def teams_conversation() -> ConversationAccount:
    return ConversationAccount(
        id="19:abc123DEF@thread.tacv2;messageid=1714641331123",
        conversation_type="channel",
        tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47",
        is_group=True,
        name="Hiring — Data Engineers",
    )


def reply_base(**fields: Any) -> Activity:
    activity = Activity(
        type=ActivityTypes.message,
        service_url="https://smba.trafficmanager.net/emea/",
        channel_id="msteams",
        from_property=ChannelAccount(id="28:bot-id", name="askARSAN", role=RoleTypes.bot),
        recipient=ChannelAccount(id="29:1abc-DEF_ghi", name="Rita", aad_object_id="3c7e1f9a"),
        conversation=teams_conversation(),
        reply_to_id="1714641331123",
    )
    for name, value in fields.items():
        setattr(activity, name, value)
    return activity


def outgoing_corpus() -> dict[str, Activity]:
    mention = Mention(
        mentioned=ChannelAccount(id="29:1abc-DEF_ghi", name="Rita"), text="<at>Rita</at>", type="mention"
    )
    hero = CardFactory.hero_card(
        HeroCard(
            title="Asha — Data Engineer",
            images=[CardImage(url="https://example.org/a.png", alt="photo")],
            buttons=[CardAction(type="imBack", title="Yes", value="yes")],
        )
    )
    return {
        "text": MessageFactory.text("I'm askARSAN. Type *schedule* to start."),
        "text reply": reply_base(text="Hello Rita", text_format=TextFormatTypes.markdown,
                                 input_hint=InputHints.accepting_input, locale="en-GB"),
        "non-ASCII text": reply_base(text="Zürich · 東京 · مرحبا · 🗓️ \u2028 \"quoted\" \\ back"),
        "adaptive card": reply_base(attachments=[CardFactory.adaptive_card(copy.deepcopy(ADAPTIVE_CARD))]),
        "hero card (a model inside an object)": reply_base(attachments=[hero]),
        "attachment fields": reply_base(attachment_layout="carousel", attachments=[
            Attachment(content_type="text/plain", content_url="https://example.org/x.txt",
                       name="x.txt", thumbnail_url="https://example.org/t.png", content="plain"),
        ]),
        "mention entity": reply_base(text="<at>Rita</at> hi", entities=[mention]),
        "entity with extras": reply_base(entities=[
            EntityWithExtras(type="clientInfo"), Entity(type="plain"),
            with_extras(EntityWithExtras(type="clientInfo"), locale="en-GB", type="overwritten"),
            with_extras(EntityExtrasFirst(type="own"), type="from extras", other=[1]),
            with_extras(Entity(type="plain"), dropped=True),
        ]),
        "channelData dict": reply_base(channel_data={
            "notification": {"alert": True, "alertInMeeting": False},
            "tenant": {"id": "t-1"}, "nested": [1, 2.5, None, "x", {"deep": [True]}], "empty": {},
        }),
        "channelData model": reply_base(channel_data=TeamsChannelData(
            tenant=TenantInfo(id="t-1"), notification=NotificationInfo(alert=True),
        )),
        "suggested actions": MessageFactory.suggested_actions(
            [CardAction(type="imBack", title="Mon 10:00", value="slot-1"),
             CardAction(type="messageBack", title="More", value={"page": 2}, text="more",
                        display_text="More…", channel_data={"k": "v"})],
            text="Pick a time",
        ),
        "suggested actions to someone": reply_base(suggested_actions=SuggestedActions(
            to=["29:1abc-DEF_ghi"], actions=[CardAction(type="imBack", title="Yes", value="yes")])),
        "timestamps with offsets": reply_base(
            timestamp=datetime(2024, 5, 2, 9, 15, 31, 123456, tzinfo=UTC),
            local_timestamp=datetime(2024, 5, 2, 14, 45, 31, 120000,
                                     tzinfo=timezone(timedelta(hours=5, minutes=30))),
            expiration=datetime(2024, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-8))),
            local_timezone="Asia/Kolkata",
        ),
        "timestamp without microseconds": reply_base(timestamp=datetime(2024, 1, 1, tzinfo=UTC)),
        "naive timestamp (msrest: considered UTC)": reply_base(timestamp=datetime(2024, 5, 2, 9, 0, 0, 5)),
        "everything else": reply_base(
            members_added=[ChannelAccount(id="29:new", name="New")], members_removed=[],
            reactions_added=[MessageReaction(type="like")], topic_name="t", history_disclosed=False,
            speak="<speak>hi</speak>", summary="s", action="add", label="l", value_type="v",
            value={"a": [1, {"b": None}]}, name="n", code="completedSuccessfully",
            importance="high", delivery_mode="notification", listen_for=["yes", "no"],
            text_highlights=[TextHighlight(text="hi", occurrence=1)],
            semantic_action=SemanticAction(id="sa", state="start", entities={"e": Entity(type="x")}),
            relates_to=ConversationReference(activity_id="1", conversation=teams_conversation(),
                                             channel_id="msteams", service_url="https://x/"),
            caller_id="urn:botframework:azure", id=None,
        ),
        "model subclass with its own key": reply_base(conversation=ConversationWithTenantId(
            id="a:1", tenant_id="t-9")),
        "empty activity": Activity(),
    }


OUTGOING = outgoing_corpus()
