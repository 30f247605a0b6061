"""A hostile candidate name and role title through the real app: what the
client and the candidate get in their web chats over the wire never turns the values into a link
or emphasis when rendered as markdown, shows them as typed, and the e-mails carry them unescaped."""

from __future__ import annotations

import dataclasses
import html
import re
from typing import Any

from markdown_it import MarkdownIt

from bot.dev.loopback import FakeConnector
from cards import md
from tests.helpers.activities import sent_cards
from tests.helpers.cards import walk
from tests.helpers.interviews import a_request
from tests.helpers.journeys import start

NAME = "Asha](https://evil.example/login) [Click to verify](https://evil.example/login)"
ROLE = "**Urgent** [Data Engineer](https://evil.example/role) _now_"
RENDERER = MarkdownIt("commonmark").enable(["strikethrough", "table"])


def _visible(markdown: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", RENDERER.render(markdown))).strip()


async def test_hostile_values_reach_chat_and_mail_as_text(app_client: Any, connector: FakeConnector) -> None:
    request = dataclasses.replace(a_request(candidate_name=NAME), role_title=ROLE)
    journey, _ = await start(app_client, connector, request)
    markdown: list[str] = []
    for chat in ("client-chat", "cand-chat"):
        markdown += [t for t in journey.texts(chat) if t]
        markdown += [n["text"] for c in sent_cards(connector, chat) for n in walk(c)
                     if n.get("type") == "TextBlock"]
    assert markdown
    rendered = "".join(RENDERER.render(t) for t in markdown)
    assert "evil.example" not in "".join(re.findall(r'href="[^"]*"', rendered))
    assert "<em>" not in rendered and "<img" not in rendered
    assert any(ROLE in _visible(t) for t in markdown)  # shown, exactly as typed
    mails = [m.text for m in journey.mail.sent]
    assert any(NAME in text for text in mails) and any(ROLE in text for text in mails)
    assert not any(md(NAME) in text or md(ROLE) in text for text in mails)
