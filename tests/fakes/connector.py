"""The loopback Bot Connector lives in `bot/loopback.py` (the demo uses it too)."""

from bot.dev.loopback import FakeConnector, Received

__all__ = ["FakeConnector", "Received"]
