"""The loopback Bot Connector lives in `bot/loopback.py` (the demo uses it too)."""

from bot.loopback import FakeConnector, Received

__all__ = ["FakeConnector", "Received"]
