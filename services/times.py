"""Times a person types, read with the one parser (``scheduling.phrases``) and never built inside
a turn.

The recognizer's models cost a quarter of a second (English, Spanish) to 2.6 s (French) to build,
once per process. ``TimeReader.warm`` builds them in a worker thread at start-up (the composition
root starts it and does not wait for it); until a language is built, ``read`` answers
``NotReadYet`` rather than block the event loop, and the conversation keeps its buttons. A language
the recognizer does not resolve (German, Portuguese) answers ``NotReadable``: the buttons remain and
the bot says so.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduling.phrases import SUPPORTED_LANGUAGES, ParseResult, language_of, parse_times, ready, warm_up

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotReadable:
    """Times in this language cannot be read: ``reason`` says so in a sentence."""

    reason: str


@dataclass(frozen=True)
class NotReadYet:
    """The language's model is still being built (the first seconds after start-up)."""

    language: str


TimesRead = ParseResult | NotReadable | NotReadYet


class TimeReader:
    """The one way a turn reads times from text."""

    def __init__(self, languages: Sequence[str] = SUPPORTED_LANGUAGES) -> None:
        self._languages = tuple(languages)
        self._warming: asyncio.Future[list[str]] | None = None

    def warm(self) -> asyncio.Future[list[str]]:
        """Start building the models in a worker thread (once); the future ends when all are built."""
        if self._warming is None:
            loop = asyncio.get_running_loop()
            self._warming = loop.run_in_executor(None, warm_up, self._languages)
            self._warming.add_done_callback(_log_failure)
        return self._warming

    def read(
        self, text: str, *, zone: str, now: datetime, locale: str, duration: timedelta | None = None
    ) -> TimesRead:
        language = language_of(locale or "en")
        if language is None:
            return NotReadable(
                "I can read typed times in English, Spanish and French; please use the buttons."
            )
        if not ready(language):
            return NotReadYet(language)
        return parse_times(text, zone=zone, now=now, locale=locale or "en", duration=duration)


def _log_failure(future: asyncio.Future[list[str]]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("building the time recognizers failed", exc_info=future.exception())


__all__ = ["NotReadYet", "NotReadable", "TimeReader", "TimesRead"]
