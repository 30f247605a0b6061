"""What a typed message asks for: help, when the interview is, to move it, to cancel it, to set
one's availability (a client's booking hours) — or something we do not understand.

A small keyword table per language (English, Spanish, French, German, Portuguese), matched on
:func:`~scheduling.phrases.lexicon.fold`-ed text (lower case, accents off). It is a table on
purpose, not a classifier: every phrase it knows is listed here and tested, and what it does not
know is ``UNKNOWN``, which the chat answers with "I didn't catch that" and the options, never with
a guess. The translations of the answers are not here; they are the chat's business.

When a message matches more than one intent the safer reading wins: moving the interview over
cancelling it ("cancel and find another time" is a reschedule), either over one's availability
("I can't make it, my availability changed" is a reschedule), and all of them over asking when
it is or for help ("help me set my availability" is about availability).
A cancel never cancels at once: the chat asks for confirmation on the cancel card.
"""

from __future__ import annotations

import re
from enum import StrEnum

from scheduling.phrases.lexicon import fold

__all__ = ["MAX_INTENT_LENGTH", "Intent", "read_intent"]

# Longer messages are not requests but letters: nothing in them is read as a command.
MAX_INTENT_LENGTH = 300


class Intent(StrEnum):
    HELP = "help"
    WHEN = "when"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    AVAILABILITY = "availability"
    UNKNOWN = "unknown"


_A = r"(?:an?|the|my|this|our|that)"
_THING = r"(?:interview|meeting|appointment|call|booking|slot|time|date|it)"

# Intent → language → patterns (on folded text). Order of the intents is the order of preference.
_TABLE: dict[Intent, dict[str, tuple[str, ...]]] = {
    Intent.RESCHEDULE: {
        "en": (
            r"\bre-?(?:schedul|book|arrang)\w*",
            r"\b(?:can ?not|can'?t|won'?t be able to|unable to|not able to|couldn'?t) "
            r"(?:make|attend|do|come|join)\b",
            r"\b(?:move|change|shift|push|postpone|delay|swap|rearrange)\b(?: back| forward)? "
            rf"(?:{_A} )?{_THING}\b",
            r"\bpostpone\b",
            r"\b(?:another|a different|an other|other|new|later|earlier) "
            r"(?:time|day|date|slot|slots|times)\b",
            r"\bnone of (?:these|those|them|the times)\b",
            r"\bsomething came up\b",
        ),
        "es": (
            r"\b(?:reprogram|reagend|reprogramm)\w*",
            r"\b(?:cambiar|mover|aplazar|posponer|retrasar|adelantar)\b",
            r"\bno (?:puedo|podre|voy a poder) (?:ir|asistir|acudir|ese dia|a esa hora)\b",
            r"\b(?:otro|otra) (?:dia|hora|fecha|momento|horario)\b",
            r"\bno me (?:viene|va) bien\b",
        ),
        "fr": (
            r"\breprogramm\w*", r"\b(?:decaler|deplacer|reporter|repousser|changer)\b",
            r"\bje ne (?:peux|pourrai|pourrais) pas (?:venir|y aller|etre|assister|participer)\b",
            r"\b(?:une autre|un autre) (?:date|heure|jour|moment|creneau|horaire)\b",
            r"\bempeche\b",
        ),
        "de": (
            r"\b(?:verschieb|umplan|umleg|verleg)\w*",
            r"\b(?:anderen|neuen) (?:termin|tag|zeitpunkt)\b", r"\b(?:andere|neue) (?:zeit|uhrzeit)\b",
            r"\b(?:kann|konnte) (?:leider )?nicht (?:kommen|teilnehmen|dabei sein)\b",
            r"\bschaffe (?:es )?(?:leider )?nicht\b",
        ),
        "pt": (
            r"\b(?:reagend|remarc)\w*", r"\b(?:adiar|mudar|alterar|trocar)\b",
            r"\bnao (?:posso|vou poder|consigo|poderei) (?:ir|comparecer|participar)\b",
            r"\b(?:outro|outra) (?:dia|horario|hora|data)\b",
        ),
    },
    Intent.CANCEL: {
        "en": (
            r"\bcancel\w*", r"\bwithdraw\w*", r"\bcall (?:it )?off\b",
            r"\b(?:no longer|not) interested\b", r"\bdrop out\b",
            r"\baccepted (?:another|an other) (?:offer|job)\b",
        ),
        "es": (r"\bcancel\w*", r"\banul\w*", r"\bretir\w*", r"\bya no (?:me )?interesa\b", r"\bdesist\w*"),
        "fr": (r"\bannul\w*", r"\b(?:me )?retirer\b", r"\bplus interesse\w*", r"\bdesist\w*"),
        "de": (r"\babsag\w*", r"\bsage?(?: \w+){1,3} ab\b", r"\bstornier\w*", r"\bzuruckzieh\w*",
               r"\bziehe?(?: \w+){1,3} zuruck\b", r"\bkein interesse\b"),
        "pt": (r"\bcancel\w*", r"\bdesist\w*", r"\bretirar\b", r"\bnao tenho mais interesse\b"),
    },
    # A bare "available" is left out: "I'm available on Monday" is a candidate proposing a time.
    Intent.AVAILABILITY: {
        "en": (
            r"\bavailabilit(?:y|ies)\b",
            r"\bmy (?:working |work |office |available |booking )?hours\b",
            r"\b(?:working|office|available|booking) hours\b",
            r"\bbooking page\b",
            r"\b(?:set|change|update|edit) (?:up )?my (?:schedule|calendar)\b",
        ),
        "es": (r"\bdisponibilidad\w*", r"\bmis (?:horarios|horas)\b", r"\bhorario (?:laboral|de trabajo)\b"),
        "fr": (r"\bdisponibilit\w*", r"\bmes (?:horaires|heures)\b", r"\bheures de (?:travail|bureau)\b"),
        "de": (r"\bverfugbarkeit\w*", r"\bmeine (?:arbeits|sprech|buchungs)?zeiten\b",
               r"\b(?:arbeits|sprech)zeiten\b"),
        "pt": (r"\bdisponibilidade\w*", r"\bmeus horarios\b", r"\bhorario de (?:trabalho|expediente)\b"),
    },
    Intent.WHEN: {
        "en": (
            r"\bwhen\b", r"\bwhat (?:time|day|date)\b", r"\bwhich (?:day|date|time)\b",
            r"\bwhat'?s the time\b", rf"\b(?:time|date|details) of (?:{_A} )?{_THING}\b",
            r"^(?:my )?(?:interview|booking|appointment) (?:time|date|details)\b",
        ),
        "es": (r"\bcuando\b", r"\b(?:a )?que (?:hora|dia|fecha)\b"),
        "fr": (r"\bquand\b", r"\b(?:a )?quel(?:le)? (?:heure|jour|date)\b"),
        "de": (r"\bwann\b", r"\bum wie ?viel uhr\b", r"\bwelche[rn]? (?:uhrzeit|tag|datum)\b"),
        "pt": (r"\bquando\b", r"\b(?:a )?que (?:horas|dia|data)\b", r"\bqual (?:o )?(?:horario|dia|data)\b"),
    },
    Intent.HELP: {
        "en": (
            r"\bhelp\b", r"\bwhat can (?:i|you)\b", r"\bhow does (?:this|it) work\b", r"\boptions\b",
            r"\bmenu\b", r"^(?:hi|hello|hey|start)\b", r"^\?+$",
        ),
        "es": (r"\bayuda\b", r"\bque puedo\b", r"^hola\b"),
        "fr": (r"\baide\b", r"\bque (?:puis|peux)-?je\b", r"^(?:bonjour|salut)\b"),
        "de": (r"\bhilfe\b", r"\bwas kann ich\b", r"^(?:hallo|guten tag)\b"),
        "pt": (r"\bajuda\b", r"\bo que posso\b", r"^(?:ola|oi)\b"),
    },
}

# "don't cancel", "no quiero cancelar", "ne pas annuler", "nicht absagen", "nao cancelar".
_NOT_CANCEL = re.compile(
    r"\b(?:don'?t|do not|not|no quiero|no|ne pas|pas|nicht|nao) (?:want to |quiero )?"
    r"(?:cancel|anul|annul|absag|stornier)\w*"
)

_COMPILED: tuple[tuple[Intent, re.Pattern[str]], ...] = tuple(
    (intent, re.compile("|".join(f"(?:{p})" for patterns in by_language.values() for p in patterns)))
    for intent, by_language in _TABLE.items()
)


def read_intent(text: str) -> Intent:
    """The intent of a typed message; ``UNKNOWN`` when it is none of ours (or too long to be one)."""
    folded = " ".join(fold(text).split())
    if not folded or len(folded) > MAX_INTENT_LENGTH:
        return Intent.UNKNOWN
    for intent, pattern in _COMPILED:
        if intent is Intent.CANCEL and _NOT_CANCEL.search(folded):
            continue
        if pattern.search(folded):
            return intent
    return Intent.UNKNOWN
