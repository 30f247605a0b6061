"""Activities as the channels post them to /api/messages, and what the bot sent back to the
loopback connector. One builder, `activity`; the others are it with a channel's own shape."""

from __future__ import annotations

import uuid
from typing import Any

from bot.dev.loopback import FakeConnector

CARD = "application/vnd.microsoft.card.adaptive"


def activity(
    service_url: str, conversation: str = "conv-1", user: str = "29:user-1", /, **fields: Any
) -> dict[str, Any]:
    """A Teams message from `user` in `conversation` saying "help". `fields` add or replace
    top-level fields by their wire names (``channelId``, ``from``, ``conversation``, ``value``...);
    a None removes one."""
    body: dict[str, Any] = {
        "type": "message",
        "id": "act-1",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": user, "name": user},
        "conversation": {"id": conversation},
        "recipient": {"id": "28:bot", "name": "askARSAN"},
        "text": "help",
        "locale": "en-US",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def emulator_activity(service_url: str, **fields: Any) -> dict[str, Any]:
    """An activity shaped as the Bot Framework Emulator posts it (timestamps, roles)."""
    return activity(service_url, "conv-1", "user-1", **{
        "timestamp": "2026-11-22T10:00:00.000Z",
        "localTimestamp": "2026-11-22T11:00:00.000+01:00",
        "channelId": "emulator",
        "from": {"id": "user-1", "name": "User", "role": "user"},
        "recipient": {"id": "bot-1", "name": "Bot", "role": "bot"},
        **fields,
    })


def teams_activity(service_url: str, **fields: Any) -> dict[str, Any]:
    """A message in a Teams channel, with Teams' own ids (colons, a semicolon, equals signs)."""
    return activity(service_url, **{
        "id": "1714641331123",
        "timestamp": "2024-05-02T09:15:31.1234567Z",
        "from": {"id": "29:1abc-DEF_ghi", "name": "Rita", "aadObjectId": "3c7e1f9a"},
        "conversation": {"id": "19:abc123DEF@thread.tacv2;messageid=1714641331123", "isGroup": True,
                         "conversationType": "channel", "tenantId": "t-1"},
        "channelData": {"tenant": {"id": "t-1"}},
        **fields,
    })


def user_activity(service_url: str, conversation: str, user: str, /, **fields: Any) -> dict[str, Any]:
    """What a person of the journeys sends, a new activity each time (its own id): the recruiter in
    the Emulator, the client and the candidate in web chat (``channelId="directline"``), with
    London as their time zone; no text unless they type some."""
    return activity(service_url, conversation, user, **{
        "id": uuid.uuid4().hex,
        "channelId": "emulator",
        "text": None,
        "localTimezone": "Europe/London",
        **fields,
    })


def sent_cards(connector: FakeConnector, conversation: str) -> list[dict[str, Any]]:
    """The Adaptive Cards the bot sent to `conversation`, oldest first."""
    return [
        attachment["content"]
        for sent in connector.activities(conversation)
        for attachment in sent.get("attachments") or []
        if attachment.get("contentType") == CARD
    ]
