"""Times in free text: "Tuesday after 2pm", "el martes por la tarde", "le 9 à 10h30" → windows.

The API::

    from scheduling.phrases import parse_times, warm_up

    warm_up(["en", "es", "fr"])            # at start-up, off the event loop (seconds for French)
    result = parse_times("Mon–Wed after 14:00", zone="Asia/Kolkata", now=now, locale="en-IN",
                         duration=timedelta(minutes=60))
    result.windows    # list[Interval]: half-open, UTC, in the order they were said
    result.problems   # list[str]: what could not be used and why ("... is in the past")

Pure computation: no clock, no I/O; ``now`` is a parameter. The hours given to "morning",
"after 2pm" and the rest are in :mod:`scheduling.phrases.terms`; docs/time-phrases.md explains
them and what is read by whom.
"""

from __future__ import annotations

from collections.abc import Iterable

from scheduling.phrases import recognizer
from scheduling.phrases.lexicon import lexicon
from scheduling.phrases.parser import (
    DEFAULT_DURATION,
    MAX_LENGTH,
    ParseResult,
    UnsupportedLanguage,
    language_of,
    parse_times,
)
from scheduling.phrases.terms import DAY_END, DAY_START, PARTS

__all__ = [
    "DAY_END",
    "DAY_START",
    "DEFAULT_DURATION",
    "MAX_LENGTH",
    "PARTS",
    "SUPPORTED_LANGUAGES",
    "ParseResult",
    "UnsupportedLanguage",
    "language_of",
    "parse_times",
    "ready",
    "warm_up",
]

SUPPORTED_LANGUAGES = recognizer.SUPPORTED_LANGUAGES


def ready(locale: str) -> bool:
    """Whether times in ``locale`` can be read now without building anything (``warm_up`` ran for
    its language): a turn that finds False offers buttons rather than block the event loop."""
    language = language_of(locale)
    return language is not None and recognizer.is_built(language)


def warm_up(locales: Iterable[str] = SUPPORTED_LANGUAGES) -> list[str]:
    """Build the recognizer models (and our lexicons) for ``locales`` ("fr-FR" or "fr") now, once
    per process.

    Blocking and CPU-bound (about 0.25 s for English and Spanish, 2.6 s for French): call it at
    start-up, off the event loop (``loop.run_in_executor``), never inside a turn. Locales whose
    language cannot be read are skipped. Returns the languages built by this call.
    """
    languages = []
    for locale in locales:
        language = language_of(locale)
        if language is not None and language not in languages:
            languages.append(language)
    for language in languages:
        lexicon(language, month_first=False)
        lexicon(language, month_first=True)
    return recognizer.warm_up(languages)
