"""bot.framework.sdk4171.activity_codec gives msrest's results: the JSON msrest's connector client sends for an
activity, and the Activity graph `Activity().deserialize` builds; for input its fast path does not
reproduce exactly it lets msrest decide (same result, same exception)."""

from __future__ import annotations

import copy
import json
import logging
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from botbuilder.core import CardFactory
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
    Entity,
    RoleTypes,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msrest.serialization import Model

from bot.framework.sdk4171 import activity_codec
from bot.framework.sdk4171.activity_codec import deserialize_activity, serialize_activity
from tests.helpers.activity_corpus import ADAPTIVE_CARD, OUTGOING, EntityWithExtras, reply_base

# --- helpers --------------------------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """Deep equality that also compares types, datetimes' tzinfo and models' extra properties."""
    if type(a) is not type(b):
        return False
    if isinstance(a, Model):
        return same(a.__dict__, b.__dict__)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, datetime):
        return (
            a.replace(tzinfo=None) == b.replace(tzinfo=None)
            and type(a.tzinfo) is type(b.tzinfo)
            and a.utcoffset() == b.utcoffset()
            and a.tzname() == b.tzname()
        )
    return bool(a == b)


def msrest_body(activity: Any) -> Any:
    """What the SDK's connector client puts on the wire for `activity` (as a dict)."""
    client = ConnectorClient(MicrosoftAppCredentials.empty(), base_url="https://example.invalid/")
    return client._serialize.body(activity, "Activity")


def outcome(call: Any) -> tuple[str, Any]:
    try:
        return "ok", call()
    except Exception as error:  # noqa: BLE001 - compared between msrest and the codec
        return "raised", type(error)


class Spy:
    """Counts calls to msrest: the fallback the codec must (or must not) take."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.inner(*args, **kwargs)

    def body(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.inner.body(*args, **kwargs)


@pytest.fixture
def deserializer_spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    spy = Spy(activity_codec._MsrestDeserializer)
    monkeypatch.setattr(activity_codec, "_MsrestDeserializer", spy)
    return spy


@pytest.mark.parametrize("name", list(OUTGOING))
def test_serializing_gives_msrests_body_byte_for_byte(name: str) -> None:
    activity = OUTGOING[name]
    expected = msrest_body(copy.deepcopy(activity))
    spy = Spy(activity_codec.CONNECTOR.serializer)
    got = serialize_activity(copy.deepcopy(activity), spy)
    assert spy.calls == 0, "the fast path handles the whole corpus"
    assert got == expected
    assert json.dumps(got) == json.dumps(expected)  # same keys in the same order: same bytes
    assert json.dumps(got) == json.dumps(copy.deepcopy(activity).serialize())


def test_serializing_omits_nones_uses_camel_case_and_utc_iso_8601() -> None:
    body = serialize_activity(OUTGOING["timestamps with offsets"])
    assert body["timestamp"] == "2024-05-02T09:15:31.123456Z"
    assert body["localTimestamp"] == "2024-05-02T09:15:31.120Z"  # msrest sends UTC
    assert body["expiration"] == "2025-01-01T07:59:59.000Z"
    assert body["replyToId"] == "1714641331123" and "reply_to_id" not in body
    assert None not in body.values() and "speak" not in body
    assert body["from"]["role"] == "bot" and body["type"] == "message"
    assert "tenantID" in body["conversation"]  # the schema's key, as msrest sends it
    extras = serialize_activity(reply_base(entities=[EntityWithExtras(type="clientInfo")]))
    assert extras["entities"] == [{"type": "clientInfo"}]


def test_additional_properties_are_sent_only_by_classes_that_map_them() -> None:
    with_extras = EntityWithExtras(type="clientInfo")
    with_extras.additional_properties = {"locale": "en-GB", "country": "GB"}
    plain = Entity(type="plain")
    plain.additional_properties = {"dropped": True}
    activity = reply_base(entities=[with_extras, plain])
    expected = msrest_body(copy.deepcopy(activity))
    assert serialize_activity(activity) == expected
    assert expected["entities"] == [{"type": "clientInfo", "locale": "en-GB", "country": "GB"},
                                    {"type": "plain"}]


def test_a_naive_timestamp_logs_msrests_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="msrest.serialization"):
        serialize_activity(OUTGOING["naive timestamp (msrest: considered UTC)"])
    assert "considered UTC" in caplog.text


def odd_outgoing() -> dict[str, Any]:
    def without_attribute() -> Activity:
        activity = reply_base(text="x")
        del activity.__dict__["speak"]
        return activity

    return {
        "int text": reply_base(text=5),
        "int bool": reply_base(history_disclosed=1),
        "str timestamp": reply_base(timestamp="2024-05-02T09:15:31Z"),
        "bad str timestamp": reply_base(timestamp="yesterday"),
        "dict entity (msrest converts, drops extras)": reply_base(entities=[{"type": "mention", "text": "x"}]),
        "dict attachment": reply_base(attachments=[{"contentType": "x", "content": {"a": 1}}]),
        "dict conversation": reply_base(conversation={"id": "c-1", "isGroup": True}),
        "tuple attachments": reply_base(attachments=(CardFactory.adaptive_card({}),)),
        "tuple in channelData": reply_base(channel_data={"t": (1, 2)}),
        "date in channelData": reply_base(channel_data={"d": datetime(2024, 1, 1).date()}),
        "enum in channelData": reply_base(channel_data={"e": ActivityTypes.message}),
        "int keys in channelData": reply_base(channel_data={1: "one"}),
        "str listen_for": reply_base(listen_for="abc"),
        "set listen_for": reply_base(listen_for={"a"}),
        "missing attribute": without_attribute(),
        "not a model": {"type": "message"},
        "none": None,
    }


ODD_OUTGOING = odd_outgoing()


@pytest.mark.parametrize("name", list(ODD_OUTGOING))
def test_odd_activities_get_msrests_answer_or_its_exception(name: str) -> None:
    activity = ODD_OUTGOING[name]
    expected = outcome(lambda: msrest_body(copy.deepcopy(activity)))
    spy = Spy(activity_codec.CONNECTOR.serializer)
    got = outcome(lambda: serialize_activity(copy.deepcopy(activity), spy))
    assert spy.calls == 1, "msrest decides"
    assert got[0] == expected[0]
    if got[0] == "ok":
        assert json.dumps(got[1]) == json.dumps(expected[1])
    else:
        assert got[1] is expected[1]


# --- the incoming corpus ----------------------------------------------------------------------


def teams_message(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "text": "help", "textFormat": "plain", "type": "message",
        "timestamp": "2024-05-02T09:15:31.1234567Z",
        "localTimestamp": "2024-05-02T11:15:31.123+02:00",
        "id": "1714641331123", "channelId": "msteams",
        "serviceUrl": "https://smba.trafficmanager.net/emea/",
        "from": {"id": "29:1abcDEF-ghij", "name": "Rita Recruiter",
                 "aadObjectId": "3c7e1f9a-1111-2222-3333-444455556666"},
        "conversation": {"conversationType": "personal", "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
                         "id": "a:1XyZ_abcdefghij-KLMN"},
        "recipient": {"id": "28:00000000-0000-0000-0000-00000000a991", "name": "askARSAN"},
        "entities": [{"locale": "en-GB", "country": "GB", "platform": "Web",
                      "timezone": "Europe/London", "type": "clientInfo"}],
        "channelData": {"tenant": {"id": "72f988bf-86f1-41af-91ab-2d7cd011db47"}},
        "locale": "en-GB", "localTimezone": "Europe/London",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


INCOMING: dict[str, Any] = {
    "Teams message": teams_message(),
    "Teams channel message with mention": teams_message(
        text="<at>askARSAN</at> schedule",
        conversation={"isGroup": True, "conversationType": "channel", "tenantId": "t-1",
                      "id": "19:abc@thread.tacv2;messageid=1714641331123", "name": None},
        entities=[{"type": "mention", "text": "<at>askARSAN</at>",
                   "mentioned": {"id": "28:bot", "name": "askARSAN"}}],
        channelData={"teamsChannelId": "19:abc@thread.tacv2", "teamsTeamId": "19:team@thread.tacv2",
                     "channel": {"id": "19:abc@thread.tacv2"}, "team": {"id": "19:team@thread.tacv2"},
                     "tenant": {"id": "t-1"}},
    ),
    "card submit (value)": teams_message(text=None, value={"verb": "pick", "slot": "2024-05-07T09:00:00Z",
                                                           "n": 3, "ok": True, "x": None, "f": 1.5}),
    "invoke (Action.Execute)": {
        "type": "invoke", "name": "adaptiveCard/action", "id": "f:1", "channelId": "msteams",
        "serviceUrl": "https://smba.trafficmanager.net/emea/", "conversation": {"id": "a:1"},
        "from": {"id": "29:x"}, "recipient": {"id": "28:bot"},
        "value": {"action": {"type": "Action.Execute", "verb": "book", "data": {"slot": 1}},
                  "trigger": "manual"},
    },
    "Emulator conversationUpdate": {
        "type": "conversationUpdate", "id": "c1", "channelId": "emulator",
        "serviceUrl": "http://localhost:51234", "timestamp": "2024-05-02T09:15:31.123Z",
        "localTimestamp": "2024-05-02T10:15:31+01:00", "conversation": {"id": "c-1|livechat"},
        "membersAdded": [{"id": "u-1", "name": "User", "role": "user"}, {"id": "bot", "name": "Bot"}],
        "membersRemoved": [], "recipient": {"id": "bot", "role": "bot"}, "from": {"id": "u-1"},
        "locale": "en-US", "localTimezone": "America/New_York",
    },
    "attachments and suggested actions": teams_message(
        attachments=[{"contentType": "application/vnd.microsoft.card.adaptive", "content": ADAPTIVE_CARD,
                      "name": "card", "unknown": 1}],
        suggestedActions={"to": ["29:x"], "actions": [{"type": "imBack", "title": "Yes", "value": "yes",
                                                       "image": None, "channelData": {"a": 1}}]},
        attachmentLayout="list",
    ),
    "reactions, history, misc": teams_message(
        type="messageReaction", reactionsAdded=[{"type": "like"}], reactionsRemoved=[{"type": "heart"}],
        historyDisclosed=True, listenFor=["a", "b"], textHighlights=[{"text": "x", "occurrence": 2}],
        semanticAction={"id": "s", "state": "continue", "entities": {"e": {"type": "t", "extra": 1}}},
        relatesTo={"activityId": "1", "conversation": {"id": "c"}, "bot": {"id": "b"}},
        expiration="2025-01-01T00:00:00Z", importance="normal", deliveryMode="normal",
        callerId="urn:botframework:azure", replyToId="r-1", label="l", valueType="t", name="n",
        code="c", action="add", topicName="t", speak="s", summary="s", inputHint="expectingInput",
    ),
    "non-ASCII and unknown keys": teams_message(
        text="Zürich · 東京 · مرحبا · 🗓️", somethingNew={"x": [1]}, another=None, **{"": "empty key"}
    ),
    "nulls and empty lists": teams_message(
        attachments=None, entities=[], channelData=None, membersAdded=[None], listenFor=[None, "x"],
    ),
    "timestamps in other shapes": teams_message(
        timestamp="2024-05-02t09:15:31z", localTimestamp="2024-05-02T09:15:31.1-05:30",
        expiration="2024-05-02T09:15:31",
    ),
    "timestamps isodate parses its own way": teams_message(
        timestamp="2024-05-02T09:15:31+0530", localTimestamp="2024-05-02T09:15:31,5Z",
        expiration="2024-00-02T09:15:31Z",  # isodate: month 00 is January
    ),
}


@pytest.mark.parametrize("name", list(INCOMING))
def test_deserializing_gives_msrests_activity(name: str) -> None:
    body = INCOMING[name]
    expected = Activity().deserialize(copy.deepcopy(body))
    got = deserialize_activity(copy.deepcopy(body))
    assert same(got, expected)


def test_the_fast_path_reads_the_corpus_without_msrest(deserializer_spy: Spy) -> None:
    for name, body in INCOMING.items():
        deserialize_activity(copy.deepcopy(body))
        assert deserializer_spy.calls == 0, name


def test_unknown_keys_are_kept_like_msrest_keeps_them() -> None:
    activity = deserialize_activity(INCOMING["non-ASCII and unknown keys"])
    assert activity.additional_properties == {"somethingNew": {"x": [1]}, "another": None, "": "empty key"}
    # Teams' conversation.tenantId: the schema maps tenantID, so it is an extra property.
    assert activity.conversation.tenant_id is None
    assert activity.conversation.additional_properties == {"tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47"}
    assert activity.entities[0].additional_properties["timezone"] == "Europe/London"


def test_object_fields_are_copies_as_with_msrest() -> None:
    body = INCOMING["card submit (value)"]
    activity = deserialize_activity(body)
    assert activity.value == body["value"] and activity.value is not body["value"]
    assert activity.channel_data["tenant"] is not body["channelData"]["tenant"]


def test_datetimes_have_msrests_tzinfo() -> None:
    activity = deserialize_activity(teams_message())
    expected = Activity().deserialize(teams_message())
    assert activity.timestamp == datetime(2024, 5, 2, 9, 15, 31, 123456, tzinfo=UTC)
    assert activity.timestamp.tzinfo is expected.timestamp.tzinfo  # isodate's UTC singleton
    assert activity.local_timestamp.utcoffset() == timedelta(hours=2)
    assert repr(activity.local_timestamp.tzinfo) == repr(expected.local_timestamp.tzinfo)


ODD_INCOMING: dict[str, Any] = {
    "int text": teams_message(text=5),
    "list text": teams_message(text=["a"]),
    "string from": teams_message(**{"from": "bob"}),
    "list conversation": teams_message(conversation=[]),
    "dict entities": teams_message(entities={"type": "x"}),
    "int in members": teams_message(membersAdded=[1]),
    "string bool": teams_message(historyDisclosed="true"),
    "int bool": teams_message(historyDisclosed=1),
    "junk bool": teams_message(historyDisclosed="maybe"),
    "bad timestamp": teams_message(timestamp="yesterday"),
    "impossible date": teams_message(timestamp="2024-02-30T10:00:00Z"),
    "number timestamp": teams_message(timestamp=12),
    "year 1 with offset": teams_message(timestamp="0001-01-01T00:00:00+01:00"),
    "list of key/value pairs for a dict": teams_message(
        semanticAction={"entities": [{"key": "k", "value": {"type": "t"}}]}),
    "string list": teams_message(listenFor="abc"),
    "string for a model list": teams_message(attachments="none"),
    "float occurrence": teams_message(textHighlights=[{"text": "x", "occurrence": 1.5}]),
    "string occurrence": teams_message(textHighlights=[{"text": "x", "occurrence": "2"}]),
    "not a dict": ["type", "message"],
    "a JSON string": '{"type": "message"}',
}


@pytest.mark.parametrize("name", list(ODD_INCOMING))
def test_odd_input_gets_msrests_result_or_its_exception(name: str, deserializer_spy: Spy) -> None:
    body = ODD_INCOMING[name]
    expected = outcome(lambda: Activity().deserialize(copy.deepcopy(body)))
    got = outcome(lambda: deserialize_activity(copy.deepcopy(body)))
    assert deserializer_spy.calls == 1, "msrest decides"
    assert got[0] == expected[0]
    assert same(got[1], expected[1]) if got[0] == "ok" else got[1] is expected[1]


# --- random input -----------------------------------------------------------------------------

ACTIVITY_KEYS = [d["key"] for d in Activity._attribute_map.values()]
SCALARS = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=8)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
DATES = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]),
).map(lambda d: d.isoformat().replace("+00:00", "Z"))
ACCOUNT = st.fixed_dictionaries({"id": st.text(max_size=6)}, optional={
    "name": SCALARS, "role": st.sampled_from(["user", "bot"]), "aadObjectId": JSON, "extra": JSON})
FIELD_VALUES = {
    "from": ACCOUNT | JSON, "recipient": ACCOUNT, "conversation": ACCOUNT | JSON,
    "membersAdded": st.lists(ACCOUNT | SCALARS, max_size=2), "timestamp": DATES | JSON,
    "localTimestamp": DATES, "expiration": DATES | SCALARS,
    "entities": st.lists(st.dictionaries(st.sampled_from(["type", "text", "mentioned"]), JSON), max_size=2),
    "attachments": st.lists(st.fixed_dictionaries({}, optional={
        "contentType": SCALARS, "content": JSON, "name": SCALARS}), max_size=2) | JSON,
}


@st.composite
def activity_bodies(draw: Any) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from([*ACTIVITY_KEYS, "unknownKey"]), max_size=10, unique=True))
    return {key: draw(FIELD_VALUES.get(key, JSON)) for key in keys}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(activity_bodies())
def test_random_activities_deserialize_like_msrest(body: dict[str, Any]) -> None:
    expected = outcome(lambda: Activity().deserialize(copy.deepcopy(body)))
    got = outcome(lambda: deserialize_activity(copy.deepcopy(body)))
    assert got[0] == expected[0], (got, expected)
    assert same(got[1], expected[1]) if got[0] == "ok" else got[1] is expected[1]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(activity_bodies())
def test_random_activities_serialize_like_msrest(body: dict[str, Any]) -> None:
    try:
        activity = Activity().deserialize(body)
    except Exception:  # noqa: BLE001 - only activities msrest can build
        return
    expected = outcome(lambda: msrest_body(copy.deepcopy(activity)))
    got = outcome(lambda: serialize_activity(copy.deepcopy(activity)))
    assert got[0] == expected[0], (got, expected)
    assert json.dumps(got[1]) == json.dumps(expected[1]) if got[0] == "ok" else got[1] is expected[1]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(activity_bodies())
def test_references_serialize_like_msrests_model_serialize(body: dict[str, Any]) -> None:
    """What every message turn stores (or compares with the stored one): the conversation
    reference, as `ConversationReference.serialize()` gives it."""
    from botbuilder.core import TurnContext

    try:
        reference = TurnContext.get_conversation_reference(Activity().deserialize(body))
    except Exception:  # noqa: BLE001 - only activities msrest can build
        return
    expected = outcome(lambda: copy.deepcopy(reference).serialize())
    got = outcome(lambda: activity_codec.serialize_reference(copy.deepcopy(reference)))
    assert got[0] == expected[0], (got, expected)
    assert json.dumps(got[1]) == json.dumps(expected[1]) if got[0] == "ok" else got[1] is expected[1]


def test_a_teams_reference_serializes_like_msrest() -> None:
    reference = ConversationReference(
        activity_id="1:abc",
        user=ChannelAccount(id="29:user", name="Harry", aad_object_id="aad-1", role=RoleTypes.user),
        bot=ChannelAccount(id="28:bot", name="askARSAN"),
        conversation=ConversationAccount(
            id="a:1", tenant_id="tenant", conversation_type="personal", is_group=False
        ),
        channel_id="msteams",
        locale="en-GB",
        service_url="https://smba.trafficmanager.net/emea/",
    )
    got = activity_codec.serialize_reference(reference)
    assert got == reference.serialize()
    # The SDK's own spelling of the key (its attribute map), which proactive sends read back.
    assert got["conversation"] == {
        "isGroup": False, "conversationType": "personal", "id": "a:1", "tenantID": "tenant"
    }
