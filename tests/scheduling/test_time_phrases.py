"""The labelled corpus of typed times (tests/scheduling/time_phrases.py), one test per phrase.

A phrase the parser cannot read yet is marked xfail(strict=True) with the reason in the corpus, so
that it is seen, and so that reading it one day turns the mark into a failure to remove.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from scheduling.phrases import parse_times
from tests.scheduling.time_phrases import CORPUS, Phrase


def _params() -> list[object]:
    return [
        pytest.param(
            phrase,
            id=phrase.id,
            marks=[pytest.mark.xfail(strict=True, reason=phrase.xfail)] if phrase.xfail else [],
        )
        for phrase in CORPUS
    ]


@pytest.mark.parametrize("phrase", _params())
def test_a_typed_time_gives_the_windows_it_means(phrase: Phrase) -> None:
    result = parse_times(
        phrase.text,
        zone=phrase.zone,
        now=phrase.now_utc(),
        locale=phrase.locale,
        duration=timedelta(minutes=phrase.duration) if phrase.duration else None,
    )
    wrong = phrase.judge(result.windows, result.problems)
    assert not wrong, f"{wrong}\nwindows: {result.windows}\nproblems: {result.problems}"


def test_the_corpus_covers_three_languages_five_kinds_of_zone_and_the_ends_of_months_and_years() -> None:
    languages = Counter(phrase.language for phrase in CORPUS)
    assert len(CORPUS) >= 150
    assert all(languages[language] >= 40 for language in ("en", "es", "fr")), languages
    zones = {phrase.zone for phrase in CORPUS}
    assert {"Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Adelaide", "Asia/Tokyo"} <= zones
    nows = {phrase.now[:10] for phrase in CORPUS}
    assert {"2026-12-31", "2026-12-28", "2026-02-28", "2026-09-30", "2026-10-30"} <= nows
    assert len({phrase.id for phrase in CORPUS}) == len(CORPUS)
