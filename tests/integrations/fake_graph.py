"""The loopback Graph stand-in lives in `bot/loopback_graph.py` (`askarsan demo --graph` uses it too)."""

from bot.dev.loopback_graph import *  # noqa: F403
from bot.dev.loopback_graph import FakeGraph, parse_graph_time

__all__ = ["FakeGraph", "parse_graph_time"]
