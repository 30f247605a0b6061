"""scheduling.phrases as its callers use it: languages, bad arguments, warm-up, any text at all.

What each phrase means is the corpus' business (test_time_phrases.py); here: the contract around it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.errors import DomainError, UnknownTimeZone
from scheduling.phrases import (
    MAX_LENGTH,
    SUPPORTED_LANGUAGES,
    UnsupportedLanguage,
    language_of,
    parse_times,
    ready,
    recognizer,
    warm_up,
)

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "language"),
    [("en-GB", "en"), ("en", "en"), ("es_MX", "es"), ("fr-CA", "fr"), (" FR-fr ", "fr"),
     ("de-DE", None), ("pt-BR", None), ("zh-CN", None), ("", None)],
    ids=["en-GB", "en", "es_MX", "fr-CA", "padded", "German", "Portuguese", "Chinese", "empty"],
)
def test_only_english_spanish_and_french_are_read(locale: str, language: str | None) -> None:
    assert language_of(locale) == language


@pytest.mark.parametrize("locale", ["de-DE", "pt-BR", "it"], ids=["German", "Portuguese", "Italian"])
def test_a_language_the_recognizer_cannot_read_is_refused_with_what_can_be(locale: str) -> None:
    # The recognizer itself would fall back to English for German, and return nothing for
    # Portuguese (registered without a parser): neither may pass for an answer.
    with pytest.raises(UnsupportedLanguage) as error:
        parse_times("morgen um 15 Uhr", zone="Europe/Berlin", now=NOW, locale=locale)
    assert isinstance(error.value, DomainError)
    assert "English, Spanish and French" in error.value.message


def test_an_unknown_zone_is_refused_with_an_example() -> None:
    with pytest.raises(UnknownTimeZone) as error:
        parse_times("Tuesday after 2pm", zone="Mars/Olympus_Mons", now=NOW, locale="en")
    assert "Europe/London" in error.value.message


@pytest.mark.parametrize(
    ("now", "duration"),
    [(datetime(2026, 12, 3, 10, 0), None), (NOW, timedelta(0)), (NOW, timedelta(minutes=-30))],
    ids=["naive now", "zero duration", "negative duration"],
)
def test_a_caller_mistake_is_a_value_error_not_an_answer(now: datetime, duration: timedelta | None) -> None:
    with pytest.raises(ValueError, match=r"now|duration"):
        parse_times("Tuesday after 2pm", zone="Europe/London", now=now, locale="en", duration=duration)


def test_a_message_too_long_to_read_says_so_and_names_nothing() -> None:
    result = parse_times("Tuesday after 2pm " * 40, zone="Europe/London", now=NOW, locale="en")
    assert len("Tuesday after 2pm " * 40) > MAX_LENGTH
    assert result.windows == []
    assert result.problems == [f"That message is too long to read times from: at most {MAX_LENGTH} characters."]


def test_warm_up_builds_each_language_once_and_skips_what_it_cannot_read() -> None:
    warm_up(["en-GB", "es-ES", "de-DE"])
    assert ready("en-US") and ready("es-MX") and not ready("de-DE")
    assert warm_up(["en", "en-US", "es-MX", "pt-BR"]) == []  # built already: nothing to do


def test_the_recognizer_alone_misses_what_the_parser_reads() -> None:
    """The gaps of Recognizers-Text 1.0.2a2 the wrapper covers. If a release closes them, this
    fails: then the workarounds in scheduling/phrases/recognizer.py can go."""
    from recognizers_date_time import recognize_datetime

    reference = datetime(2026, 12, 3, 10, 0)
    assert recognize_datetime("Tuesday after 2pm", "en-us", reference=reference) == []
    only = recognize_datetime("can we do the 9th at 10:30?", "en-us", reference=reference)
    assert [r.text for r in only] == ["10:30"]
    for text, expected in (("Tuesday after 2pm", 1), ("can we do the 9th at 10:30?", 1)):
        assert len(parse_times(text, zone="Europe/London", now=NOW, locale="en").windows) == expected


def test_an_entity_at_the_very_end_of_the_text_is_not_lost() -> None:
    """The release's extractor indexes past the end of the text when a date-and-time entity ends
    on its last character, and its model then returns nothing for the sentence: the wrapper pads
    the text, and offsets still point into the text given."""
    from recognizers_date_time import recognize_datetime

    reference = datetime(2026, 12, 3, 10, 0)
    assert recognize_datetime("mon-wed after 14:00", "en-us", reference=reference) == []
    first = recognizer.mentions("mon-wed after 14:00", "en", reference)[0]
    assert (first.start, first.end, first.timexes) == (0, 7, ("(XXXX-WXX-1,XXXX-WXX-3,P2D)",))


_WORDS = [
    "Tuesday", "tomorrow", "next", "week", "after", "before", "2pm", "10:30", "14h", "morning",
    "afternoon", "the", "9th", "or", "and", "except", "not", "-", "–", "to", "from", "at", "12",
    "31", "/", "noon", "Feb", "30", "Sunday", "1:30am", "mardi", "après-midi", "le", "9", "à",
    "10h30", "el", "martes", "por", "la", "tarde", "de", "las", "3", "sauf", "no", ",", ".", "?",
    "0", "99", "24:00", "25:61", "week-end", "la semaine prochaine", "entre", "y", "et", "🙂",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(st.sampled_from(_WORDS), max_size=12),
    locale=st.sampled_from(["en-GB", "en-US", "es-ES", "fr-FR"]),
    zone=st.sampled_from(["Europe/London", "America/New_York", "Australia/Adelaide", "Asia/Kolkata"]),
    minutes=st.one_of(st.none(), st.integers(min_value=15, max_value=240)),
    offset_days=st.integers(min_value=0, max_value=400),
)
def test_any_text_gives_future_windows_or_reasons_never_an_error(
    words: list[str], locale: str, zone: str, minutes: int | None, offset_days: int
) -> None:
    now = datetime(2026, 1, 1, 9, 17, 30, tzinfo=UTC) + timedelta(days=offset_days, hours=offset_days % 24)
    duration = timedelta(minutes=minutes) if minutes else None
    result = parse_times(" ".join(words), zone=zone, now=now, locale=locale, duration=duration)
    for window in result.windows:
        assert window.start.tzinfo is UTC and window.end > window.start
        assert window.start >= now  # nothing in the past, a window under way is cut at now
        if duration is not None:
            assert window.duration >= duration
    assert all(isinstance(p, str) and p for p in result.problems)
    assert len(result.windows) == len(set(result.windows))


def test_every_supported_language_has_a_lexicon_and_a_culture() -> None:
    from scheduling.phrases.lexicon import LANGUAGES

    assert set(SUPPORTED_LANGUAGES) == set(LANGUAGES) == {"en", "es", "fr"}
    assert all(recognizer.culture_for(language) for language in SUPPORTED_LANGUAGES)
