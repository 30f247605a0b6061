"""Every card of tests/cards/test_cards.py (its CASES, so a card added there is checked here too)
drawn for a candidate who reads English, Spanish, French, German or Portuguese: still valid
Adaptive Card 1.5 with the same submits, and the candidate's own cards in their language, with
the dates written the CLDR way for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

import cards
from cards.i18n import LANGUAGES
from cards.messages import already_booked_reply, confirmation_lead, feedback_lead, zone_changed_reply
from scheduling.interview import InterviewView, Role, Stage
from tests.cards import test_cards
from tests.helpers.cards import actions_of, all_text, booked_view, make_view, submits

# The cards of CASES the candidate reads (the others are the client's and recruiter's: English).
CANDIDATE_CASES = {
    "pick_slot", "pick_slot_no_slots", "pick_live_times", "pick_live_times_none_left",
    "confirmation_candidate_on_site", "reminder", "candidate_feedback",
}
CASES = [pytest.param(lang, build, id=f"{name}-{lang}")
         for name, build, _ in test_cards.CASES for lang in LANGUAGES]


@pytest.fixture
def candidate_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Makes the interviews CASES draw have a candidate whose language is the one given."""

    def speaking(draw: Callable[..., InterviewView], lang: str) -> Callable[..., InterviewView]:
        def drawn(**overrides: Any) -> InterviewView:
            view = draw(**overrides)
            return replace(view, candidate=replace(view.candidate, language=lang))
        return drawn

    def set_language(lang: str) -> None:
        monkeypatch.setattr(test_cards, "make_view", speaking(make_view, lang))
        monkeypatch.setattr(test_cards, "booked_view", speaking(booked_view, lang))

    yield set_language


@pytest.mark.parametrize(("lang", "build"), CASES)
def test_every_card_is_valid_adaptive_card_1_5_in_every_language(
    lang: str, build: Callable[[], dict[str, Any]], validate: Callable[[dict[str, Any]], None],
    candidate_reads: Callable[[str], None],
) -> None:
    candidate_reads(lang)
    card = build()
    assert card["version"] == "1.5"
    validate(card)


@pytest.mark.parametrize(("name", "build"), [(n, b) for n, b, _ in test_cards.CASES if n in CANDIDATE_CASES])
@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_the_candidates_cards_are_in_their_language_with_the_same_buttons_data(
    name: str, build: Callable[[], dict[str, Any]], lang: str, candidate_reads: Callable[[str], None]
) -> None:
    english = build()
    candidate_reads(lang)
    translated = build()
    assert submits(translated) == submits(english)
    # The heading (or first line) and every button title are the candidate's language, not English.
    english_titles = {a["title"] for a in actions_of(english)}
    assert not english_titles & {a["title"] for a in actions_of(translated)}, name
    assert all_text(translated) != all_text(english)


EXPECTED_PICK = {
    # Tue 3 Mar 2026 09:00 UTC is 14:30 in Kolkata: the day as each language writes it (CLDR).
    "en": ("Pick a time for your interview", "Tue 3 Mar 2026, 14:30–15:30 IST (Asia/Kolkata)", "Book this time"),
    "es": ("Elige un horario para tu entrevista", "mar., 3 mar. 2026, 14:30–15:30 IST (Asia/Kolkata)",
           "Reservar este horario"),
    "fr": ("Choisissez un créneau pour votre entretien", "mar. 3 mars 2026, 14:30–15:30 IST (Asia/Kolkata)",
           "Réserver ce créneau"),
    "de": ("Wählen Sie einen Termin für Ihr Gespräch", "Di., 3. März 2026, 14:30–15:30 IST (Asia/Kolkata)",
           "Diesen Termin buchen"),
    "pt": ("Escolha um horário para sua entrevista", "ter., 3 de mar. de 2026, 14:30–15:30 IST (Asia/Kolkata)",
           "Reservar este horário"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_candidate_picks_from_times_written_in_their_language(lang: str) -> None:
    view = make_view()
    card = cards.pick_slot_card(replace(view, candidate=replace(view.candidate, language=lang)))
    heading, first_slot, button = EXPECTED_PICK[lang]
    assert card["body"][0]["text"] == heading
    choice = next(e for e in _walk(card) if e.get("id") == "slot_id")
    assert choice["choices"][0]["title"] == first_slot
    assert button in {a["title"] for a in actions_of(card, "Action.Submit")}


def test_a_client_reads_the_candidates_language_nowhere_on_their_own_cards() -> None:
    view = booked_view()
    spanish = replace(view, candidate=replace(view.candidate, language="es"))
    assert cards.booking_confirmation_card(spanish, Role.CLIENT) == cards.booking_confirmation_card(
        view, Role.CLIENT
    )


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def test_the_candidates_chat_replies_about_zone_and_booking_are_in_their_language() -> None:
    view = booked_view()
    french = replace(view, candidate=replace(view.candidate, language="fr"))
    assert zone_changed_reply(french, Role.CANDIDATE, "Europe/Paris") == (
        "C'est fait : je vous montrerai désormais les horaires en **Europe/Paris**."
    )
    assert already_booked_reply(french, Role.CANDIDATE).startswith("Cet entretien est déjà réservé pour le ")
    assert zone_changed_reply(french, Role.CLIENT, "Europe/London").startswith("Done: I'll show you")


def test_the_candidates_feedback_greeting_and_the_recruiters_notices_are_in_their_language() -> None:
    view = booked_view()
    spanish = replace(view, candidate=replace(view.candidate, language="es"))
    asked = replace(spanish, stage=Stage.AWAITING_FEEDBACK)
    assert feedback_lead(asked, Role.CANDIDATE, answered=False).startswith("¡Hola, ")
    assert "¿Qué tal fue la entrevista" in feedback_lead(asked, Role.CANDIDATE, answered=False)
    assert feedback_lead(replace(spanish, stage=Stage.DECIDED), Role.CANDIDATE, answered=True).startswith("¡Hola, ")
    assert confirmation_lead(spanish, Role.CANDIDATE, "reschedule_allowed") == (
        "Tu reclutador te permite cambiar la fecha una vez más: si este horario no te viene bien, "
        "pulsa Cambiar fecha."
    )
    assert confirmation_lead(spanish, Role.CLIENT, "resent") == "Here is your interview invitation again."
    assert confirmation_lead(spanish, Role.CANDIDATE, "booked") is None
