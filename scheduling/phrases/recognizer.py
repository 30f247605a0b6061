"""The one door to Microsoft's Recognizers-Text DateTime (``recognizers_date_time``, untyped).

Everything the library returns is turned here into typed :class:`Mention` records, so the rest of
the domain never touches its objects. The models are costly to build (about 0.25 s for English
and Spanish, 2.6 s for French, measured in ``bench/bench_phrases.py``) and are built once per
process and language: lazily on first use, or ahead of time by :func:`warm_up`, which a server
calls at start-up off its event loop. Building and parsing are pure computation (no I/O).

Traits of release 1.0.2a2 handled here (docs/time-phrases.md lists them all, with examples):

- an entity that ends on the text's last character makes the extractor index past the end, and
  the model swallows that error and returns nothing for the whole sentence ("Tuesday after 2pm"):
  the text is given one trailing space;
- one entity that fails to parse throws away every other entity of the sentence: entities are
  parsed one by one here, and only the failing one is dropped;
- only English, Spanish and French resolve (Chinese too, not one of our languages); Portuguese is
  registered without a parser and returns nothing, and any other culture silently falls back to
  English: :func:`culture_for` only answers for the three.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["SUPPORTED_LANGUAGES", "Mention", "culture_for", "is_built", "mentions", "warm_up"]

# Recognizers-Text's culture codes (``recognizers_text.Culture``) for the languages it resolves.
_CULTURES = {"en": "en-us", "es": "es-es", "fr": "fr-fr"}
SUPPORTED_LANGUAGES: tuple[str, ...] = tuple(_CULTURES)

_models: dict[str, Any] = {}
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Mention:
    """One date/time entity found by the recognizer: where it is and its TIMEX resolutions.

    ``timexes`` holds the distinct TIMEX 3 values in the recognizer's order (a bare "10:30" gives
    ``("T10:30", "T22:30")``); ``mod`` is its "before"/"after"/"since"/"until" modifier, if any.
    ``start``/``end`` are character offsets, ``end`` exclusive.
    """

    start: int
    end: int
    kind: str  # "date", "daterange", "time", "timerange", "datetime", "datetimerange", "duration", "set"
    timexes: tuple[str, ...]
    mod: str | None


def culture_for(language: str) -> str | None:
    """The recognizer's culture for a two-letter language, or None when it does not resolve it."""
    return _CULTURES.get(language)


def is_built(language: str) -> bool:
    """True when this process has already built the model for ``language``."""
    return language in _models


def warm_up(languages: Iterable[str] = SUPPORTED_LANGUAGES) -> list[str]:
    """Build the models of ``languages`` now (blocking: call it off the event loop).

    Returns the languages built by this call; unknown languages raise ``ValueError``.
    """
    built = []
    for language in languages:
        if culture_for(language) is None:
            raise ValueError(f"the recognizer does not resolve {language!r}")
        if not is_built(language):
            _model(language)
            built.append(language)
    return built


def _model(language: str) -> Any:
    model = _models.get(language)
    if model is None:
        with _lock:  # two threads warming the same language build it once
            model = _models.get(language)
            if model is None:
                from recognizers_date_time import DateTimeRecognizer

                culture = _CULTURES[language]
                # lazy_initialization=False: build only the model asked for, not every culture's.
                recognizer = DateTimeRecognizer(culture, lazy_initialization=False)
                model = recognizer.get_datetime_model(culture, fallback_to_default_culture=False)
                _models[language] = model
    return model


def mentions(text: str, language: str, reference: datetime) -> list[Mention]:
    """The recognizer's entities in ``text`` (lower case), relative to the naive wall time
    ``reference`` (the sender's "now" in their own zone), in text order.

    Offsets refer to ``text`` itself: the library's pre-processing only swaps single characters.
    """
    model = _model(language)
    padded = text + " "  # see the module docstring: an entity at the very end breaks extraction
    try:
        extracted = model.extractor.extract(padded, reference)
    except Exception:  # noqa: BLE001 - the library's own model swallows these too; we lose only dates
        return []
    found: list[Mention] = []
    for entity in extracted:
        try:
            parsed = model.parser.parse(entity, reference)
        except Exception:  # noqa: BLE001, S112 - one broken entity must not cost the others
            continue
        for result in parsed.value if isinstance(parsed.value, list) else [parsed]:
            mention = _mention(result, len(text))
            if mention is not None:
                found.append(mention)
    found.sort(key=lambda m: (m.start, -m.end))
    return found


def _mention(result: Any, length: int) -> Mention | None:
    start = getattr(result, "start", None)
    size = getattr(result, "length", None)
    if not isinstance(start, int) or not isinstance(size, int):
        return None
    kind = str(getattr(result, "type", "") or "").rsplit(".", 1)[-1]
    value = getattr(result, "value", None)
    values = value.get("values") if isinstance(value, dict) else None
    timexes: list[str] = []
    mod: str | None = None
    for item in values if isinstance(values, list) else []:
        if not isinstance(item, dict):
            continue
        timex = item.get("timex")
        if isinstance(timex, str) and timex and timex not in timexes:
            timexes.append(timex)
        item_mod = item.get("Mod")
        if mod is None and isinstance(item_mod, str) and item_mod:
            mod = item_mod
    return Mention(start=start, end=min(start + size, length), kind=kind, timexes=tuple(timexes), mod=mod)
