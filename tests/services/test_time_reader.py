"""The one way a turn reads typed times: never builds a model inside a turn."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scheduling.phrases import ParseResult
from services import times
from services.times import NotReadable, NotReadYet, TimeReader

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # a Friday


async def test_once_warm_a_typed_time_is_read_in_the_senders_zone() -> None:
    reader = TimeReader(["en"])
    assert await reader.warm() in (["en"], [])  # [] when another test built it first
    result = reader.read("Tuesday at 3pm", zone="Europe/London", now=NOW, locale="en-GB")
    assert isinstance(result, ParseResult)
    assert [w.start for w in result.windows] == [datetime(2026, 12, 8, 15, 0, tzinfo=UTC)]


async def test_warming_twice_builds_once() -> None:
    reader = TimeReader(["en"])
    assert reader.warm() is reader.warm()
    await reader.warm()


def test_a_language_still_being_built_is_not_read_inside_the_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(times, "ready", lambda language: False)
    result = TimeReader().read("el martes", zone="Europe/Madrid", now=NOW, locale="es-ES")
    assert result == NotReadYet("es")


@pytest.mark.parametrize("locale", ["de-DE", "pt-BR"])
def test_a_language_the_recognizer_cannot_read_says_so(locale: str) -> None:
    result = TimeReader().read("Dienstag", zone="Europe/Berlin", now=NOW, locale=locale)
    assert isinstance(result, NotReadable)
    assert "buttons" in result.reason
