"""scheduling.phrases.intents: what a typed message asks for, per language, and what it must not
be read as (a time proposal, a "don't cancel", gibberish)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduling.phrases.intents import MAX_INTENT_LENGTH, Intent, read_intent

H, W, R, C, U = Intent.HELP, Intent.WHEN, Intent.RESCHEDULE, Intent.CANCEL, Intent.UNKNOWN
A = Intent.AVAILABILITY

CASES: list[tuple[str, str, Intent]] = [
    # English
    ("en", "help", H),
    ("en", "HELP!", H),
    ("en", "What can I do here?", H),
    ("en", "hi", H),
    ("en", "?", H),
    ("en", "when is my interview?", W),
    ("en", "When's the interview", W),
    ("en", "what time is it booked for", W),
    ("en", "which day was it again?", W),
    ("en", "reschedule", R),
    ("en", "Can we reschedule?", R),
    ("en", "I can’t make it", R),
    ("en", "I cannot make it on Wednesday", R),
    ("en", "can we move it", R),
    ("en", "could we move the interview to next week?", R),
    ("en", "another time please", R),
    ("en", "I need a different day", R),
    ("en", "none of these work", R),
    ("en", "something came up, sorry", R),
    ("en", "cancel", C),
    ("en", "Cancel the interview", C),
    ("en", "I want to withdraw", C),
    ("en", "I'm no longer interested", C),
    ("en", "I accepted another offer", C),
    # the safer reading wins: moving over cancelling, either over "when"
    ("en", "cancel and find another time", R),
    ("en", "when can I reschedule?", R),
    ("en", "when is the last moment I can cancel?", C),
    ("en", "don't cancel it", U),
    ("en", "do not cancel, I'll be there", U),
    ("en", "set my availability", A),
    ("en", "My availability", A),
    ("en", "my hours", A),
    ("en", "What are my working hours?", A),
    ("en", "I'd like to update my availabilities", A),
    ("en", "update my booking page", A),
    ("en", "help me set my availability", A),  # about availability, not a plea for help
    ("en", "I can't make it, my availability changed", R),  # moving over one's hours
    ("en", "I'm available on Monday", U),  # a candidate's time, not a booking page
    # not requests
    ("en", "asdf qwer", U),
    ("en", "thanks", U),
    ("en", "Thursday mornings work", U),
    ("en", "", U),
    ("en", "   ", U),
    # Spanish
    ("es", "ayuda", H),
    ("es", "Hola", H),
    ("es", "¿Cuándo es mi entrevista?", W),
    ("es", "¿a qué hora es?", W),
    ("es", "quiero reprogramar", R),
    ("es", "No puedo ir ese día", R),
    ("es", "¿podemos cambiarla a otro día?", R),
    ("es", "quiero cancelar la entrevista", C),
    ("es", "ya no me interesa", C),
    ("es", "no quiero cancelar", U),
    ("es", "mi disponibilidad", A),
    ("es", "quiero actualizar mis horarios", A),
    ("es", "¿Cuál es mi horario laboral?", A),
    # French
    ("fr", "aide", H),
    ("fr", "Bonjour", H),
    ("fr", "Quand est mon entretien ?", W),
    ("fr", "à quelle heure ?", W),
    ("fr", "je ne peux pas venir", R),
    ("fr", "on peut décaler ?", R),
    ("fr", "une autre date svp", R),
    ("fr", "je veux annuler", C),
    ("fr", "je souhaite me retirer", C),
    ("fr", "mes disponibilités", A),
    ("fr", "modifier mes horaires", A),
    # German
    ("de", "Hilfe", H),
    ("de", "Wann ist mein Vorstellungsgespräch?", W),
    ("de", "um wie viel Uhr?", W),
    ("de", "können wir das verschieben?", R),
    ("de", "ich kann leider nicht kommen", R),
    ("de", "einen anderen Termin bitte", R),
    ("de", "ich möchte absagen", C),
    ("de", "ich ziehe meine Bewerbung zurück", C),
    ("de", "meine Verfügbarkeit festlegen", A),
    ("de", "meine Zeiten", A),
    ("de", "Arbeitszeiten ändern", A),
    # Portuguese
    ("pt", "ajuda", H),
    ("pt", "Olá", H),
    ("pt", "Quando é a minha entrevista?", W),
    ("pt", "que horas é?", W),
    ("pt", "posso remarcar?", R),
    ("pt", "não posso ir", R),
    ("pt", "outro dia, por favor", R),
    ("pt", "quero cancelar", C),
    ("pt", "vou desistir", C),
    ("pt", "minha disponibilidade", A),
    ("pt", "definir meus horários", A),
]


@pytest.mark.parametrize(("language", "text", "intent"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_a_typed_message_is_read_as_its_intent(language: str, text: str, intent: Intent) -> None:
    assert read_intent(text) is intent


def test_every_language_has_every_intent_in_the_table() -> None:
    languages = {"en", "es", "fr", "de", "pt"}
    for intent in (H, W, R, C, A):
        assert {lang for lang, _, i in CASES if i is intent} == languages, intent


def test_a_letter_is_not_a_command() -> None:
    letter = "Dear team, " + "I would like to say a few things about the process. " * 8 + "help"
    assert len(letter) > MAX_INTENT_LENGTH
    assert read_intent(letter) is U


@given(st.text(max_size=400))
def test_any_text_at_all_is_read_without_error(text: str) -> None:
    assert read_intent(text) in set(Intent)
