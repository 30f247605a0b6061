"""The reader's language: gettext catalogues (``cards/locale/<lang>/LC_MESSAGES/messages.po``,
compiled to ``.mo`` by ``make messages``) and dates written by Babel (CLDR) in that language.

Every text people read is wrapped in ``tr(lang, "...")`` / ``ntr(lang, "...", "...", n)`` (the
keywords ``make messages`` extracts) with its values as ``{name}`` fields, filled after the
translation, so a translator can move them. English is the source language: its texts are the
message ids themselves and its dates keep their own fixed patterns ("Tue 8 Dec 2026, 14:30").

Which language a surface is in: the party's stored one (``Party.language``: set by the API, else
from the chat's ``locale`` the first time they talk), else English (``language_for``). The
candidate's surfaces are translated; the client's and recruiter's stay English for now.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from gettext import NullTranslations
from pathlib import Path
from typing import Any

from babel.dates import format_skeleton
from babel.support import Translations

from scheduling.intervals import Interval
from scheduling.interview import FORMAT_LABELS, Format, InterviewView, Role
from scheduling.zones import day_label as english_day_label
from scheduling.zones import format_local as _format_local
from scheduling.zones import format_local_range as _format_local_range
from scheduling.zones import format_local_times as _format_local_times

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "day_label",
    "format_label",
    "format_local",
    "format_local_range",
    "format_local_times",
    "language_for",
    "ntr",
    "supported_language",
    "tr",
    "translations",
]

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "en"
# The languages shipped: English (the message ids) and a catalogue for each of the others.
LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "de", "pt")
# The day as each language writes it short, with its weekday (CLDR's "yMMMEd" skeleton):
# "mar., 8 dic. 2026", "Di., 8. Dez. 2026". English keeps its own "Tue 8 Dec 2026".
_DAY_SKELETON = "yMMMEd"


def N_(message: str) -> str:
    """Marks a text kept in a constant (a button's title) for extraction; ``tr`` translates it."""
    return message


def supported_language(value: object) -> str | None:
    """The shipped language a tag names ("fr-FR", "pt_BR", "ES" -> "fr", "pt", "es"), else None."""
    if not isinstance(value, str):
        return None
    primary = value.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def language_for(view: InterviewView, role: Role) -> str:
    """The language ``role``'s surfaces of this interview are written in. The candidate's own;
    the client's and the recruiter's surfaces are English for now."""
    if role is Role.CANDIDATE:
        return supported_language(view.candidate.language) or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> NullTranslations:
    """The compiled catalogue of ``lang`` (loaded once per process); English needs none."""
    if lang == DEFAULT_LANGUAGE or lang not in LANGUAGES:
        return NullTranslations()
    loaded: NullTranslations = Translations.load(str(LOCALE_DIR), [lang], domain="messages")
    return loaded


def tr(lang: str, message: str, **values: Any) -> str:
    """``message`` in ``lang``, its ``{fields}`` filled with ``values`` after translating."""
    translated = translations(lang).gettext(message)
    return translated.format(**values) if values else translated


def ntr(lang: str, singular: str, plural: str, n: int, **values: Any) -> str:
    """The singular or plural form for ``n`` in ``lang`` (its own plural rules); ``{n}`` is filled."""
    return translations(lang).ngettext(singular, plural, n).format(n=n, **values)


def format_label(kind: Format, lang: str = DEFAULT_LANGUAGE) -> str:
    """How the interview takes place ("Teams meeting"), in ``lang``."""
    match kind:
        case Format.TEAMS:
            return tr(lang, "Teams meeting")
        case Format.ON_SITE:
            return tr(lang, "On site")
        case Format.PHONE:
            return tr(lang, "Phone call")
    return FORMAT_LABELS[kind]  # pragma: no cover


def day_label(day: date, lang: str = DEFAULT_LANGUAGE) -> str:
    """A day with its weekday, short: "Tue 8 Dec 2026", "mar., 8 dic. 2026"."""
    if lang == DEFAULT_LANGUAGE or lang not in LANGUAGES:
        return english_day_label(day)
    return str(format_skeleton(_DAY_SKELETON, day, locale=lang))


def _label(lang: str) -> Callable[[date], str]:
    return lambda day: day_label(day, lang)


def format_local(dt_utc: datetime, zone_name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """``scheduling.zones.format_local`` with the day written in ``lang``."""
    return _format_local(dt_utc, zone_name, label=_label(lang))


def format_local_range(interval: Interval, zone_name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """``scheduling.zones.format_local_range`` with the days written in ``lang``."""
    return _format_local_range(interval, zone_name, label=_label(lang))


def format_local_times(interval: Interval, zone_name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """``scheduling.zones.format_local_times`` with the end's day (when another) in ``lang``."""
    return _format_local_times(interval, zone_name, label=_label(lang))
