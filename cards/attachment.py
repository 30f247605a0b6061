"""The one place in cards/ that knows the Bot Framework: wrapping a card dict as an attachment."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Attachment

ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def attachment(card: dict[str, Any]) -> Attachment:
    return Attachment(content_type=ADAPTIVE_CARD_CONTENT_TYPE, content=card)
