"""The words of English, Spanish and French that the parser reads itself, as regular expressions.

One module on purpose, though long: it is a table of three languages' words, read side by side.

The recognizer (:mod:`.recognizer`) finds the days: weekdays, "tomorrow", "next week", dates with
month names, ranges of them. What it gets wrong in its Python release is read here instead, before
it runs, and cut out of the text it is given (docs/time-phrases.md has the list):

- hours and the words around them: "after 2pm", "before 11", "10–12", "from 10 to 12",
  "a partir de las 14:00", "jusqu'à 11h", "morning", "por la tarde", "en fin d'après-midi" — the
  recognizer drops the modifier of "Tuesday after 2pm" and of "jueves después de las 14:00",
  resolves "Friday 10-12" to nothing and "mardi après-midi" to an empty range;
- a day of the month without its month: "the 9th", "el 9", "le 9", "vendredi 4" (it reads
  "el día 9" as today, "le 9 à 10h30" as 9:00–10:30 and "vendredi 4" as Friday 4 am);
- numeric dates, day first ("9/12" is 9 December; month first only for en-US): the recognizer
  reads French "9/12" as 12 September;
- weeks it resolves wrongly: "the week after next", "la semana que viene", "ce week-end";
- negations ("apart from", "sauf"), kept from it: it reads "apart from Wednesday" as "from
  Wednesday on".

Matching runs on :func:`fold`-ed text: lower case, accents off, one kind of dash and apostrophe,
each character replaced by exactly one so that offsets stay those of the original text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from scheduling.phrases.terms import (
    AnyDay,
    Clock,
    DayOfMonth,
    MonthDay,
    On,
    TimeSpec,
    Today,
    Token,
    Week,
    Weekday,
    clock,
    with_part,
)

__all__ = ["LANGUAGES", "Lexicon", "Relation", "fold", "lexicon", "plain"]

# How a token joins the one before it: "except" (it is excluded), "range" ("to", "–"), "list"
# ("or", "and"), "stop" (a sentence ends), "punct" (a comma), "adj" (nothing between them).
Relation = Literal["except", "range", "list", "stop", "punct", "adj"]
Builder = Callable[[re.Match[str]], list[Token] | None]

_SUBSTITUTES = {
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    **dict.fromkeys("\u2018\u2019\u02bc\u00b4`", "'"),
    **dict.fromkeys("\u00a0\u2007\u2009\u202f\t\n\r", " "),
}


def plain(text: str) -> str:
    """Lower case, one dash, one apostrophe, plain spaces; accents kept (for the recognizer)."""
    out = []
    for ch in text:
        low = ch.lower()
        if len(low) != 1:
            low = ch
        out.append(_SUBSTITUTES.get(low, low))
    return "".join(out)


def fold(text: str) -> str:
    """:func:`plain` with accents off ("après-midi" → "apres-midi", "mañana" → "manana")."""
    return "".join(unicodedata.normalize("NFD", ch)[0] for ch in plain(text))


# -------------------------------------------------------------------------- shared vocabulary

_MONTHS = {
    "en": r"january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec",
    "es": r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre"
    r"|noviembre|diciembre|ene|feb|mar|abr|may|jun|jul|ago|sept?|oct|nov|dic",
    "fr": r"janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre"
    r"|janv|fevr?|avr|juil|sept|oct|nov|dec",
}
# Weekdays, with the abbreviations people type; the recognizer reads most, these catch the rest.
_WEEKDAYS = {
    "en": (
        ("monday", "mon"), ("tuesday", "tues", "tue"), ("wednesday", "weds", "wed"),
        ("thursday", "thurs", "thur", "thu"), ("friday", "fri"), ("saturday",), ("sunday",),
    ),
    "es": (
        ("lunes", "lun"), ("martes",), ("miercoles", "mier", "mie"), ("jueves", "jue"),
        ("viernes", "vie"), ("sabado", "sab"), ("domingo", "dom"),
    ),
    "fr": (
        ("lundi", "lun"), ("mardi",), ("mercredi",), ("jeudi",), ("vendredi", "ven"),
        ("samedi", "sam"), ("dimanche", "dim"),
    ),
}
# Numbers that are amounts, not hours ("2 days", "30 minutes").
_UNITS = {
    "en": r"days?|weeks?|months?|years?|hours?|hrs?|minutes?|mins?|people|persons?|times?|interviews?",
    "es": r"dias?|semanas?|mes|meses|anos?|minutos?|personas?|veces|entrevistas?",
    "fr": r"jours?|semaines?|mois|ans?|annees?|minutes?|personnes?|fois|entretiens?",
}
# A part-of-day word written after an hour, as its am/pm.
_PART_OF = {
    "morning": "morning", "manana": "morning", "matin": "morning", "madrugada": "morning",
    "afternoon": "afternoon", "tarde": "afternoon", "apres-midi": "afternoon",
    "evening": "evening", "soir": "evening",
    "night": "night", "noche": "night", "nuit": "night", "at night": "night",
}
# Part-of-day words as parts (``terms.PARTS`` keys).
_PARTS = {
    "morning": "morning", "mornings": "morning", "afternoon": "afternoon", "afternoons": "afternoon",
    "evening": "evening", "evenings": "evening", "night": "night", "nights": "night",
    "lunch": "lunch", "lunchtime": "lunch", "lunch time": "lunch", "lunchtimes": "lunch",
    "manana": "morning", "mananas": "morning", "tarde": "tarde", "tardes": "tarde",
    "noche": "night", "noches": "night",
    "matin": "morning", "matinee": "morning", "apres-midi": "afternoon", "aprem": "afternoon",
    "soir": "evening", "soiree": "evening", "nuit": "night",
}
_QUALIFIERS = {
    "early": "early", "late": "late", "mid": "mid",
    "primera": "early", "ultima": "late", "media": "mid",
    "debut": "early", "fin": "late", "milieu": "mid", "tot": "early",
}
_WORD_CLOCKS = {"noon": 720, "midday": 720, "mediodia": 720, "midi": 720,
                "midnight": 0, "medianoche": 0, "minuit": 0}


# ------------------------------------------------------------------------------------ clocks


def _clock_en(p: str) -> str:
    return (
        rf"(?:(?P<{p}w>noon|midday|midnight)"
        rf"|(?:(?P<{p}hp>half|quarter)\s+(?P<{p}dir>past|to)\s+)?"
        rf"(?P<{p}h>\d{{1,2}})(?:[:.](?P<{p}m>[0-5]\d))?(?!\d)"
        rf"(?:\s*(?P<{p}ap>[ap])\.?m\b\.?)?"
        rf"(?:\s*(?P<{p}oc>o'?\s?clock))?"
        rf"(?:\s+in\s+the\s+(?P<{p}dp>morning|afternoon|evening)|\s+(?P<{p}nt>at\s+night))?)"
    )


def _clock_es(p: str) -> str:
    return (
        rf"(?:(?:las?\s+)?(?P<{p}w>mediodia|medianoche)"
        rf"|(?P<{p}las>las?\s+)?(?P<{p}h>\d{{1,2}})(?:[:.h](?P<{p}m>[0-5]\d))?(?!\d)"
        rf"(?:\s+y\s+(?P<{p}fr>media|cuarto)|\s+menos\s+(?P<{p}le>cuarto))?"
        rf"(?:\s*(?P<{p}u>hs|hrs|h|horas?)\b)?"
        rf"(?:\s*(?P<{p}ap>[ap])\.?\s?m\b\.?)?"
        rf"(?:\s+(?:de|por)\s+la\s+(?P<{p}dp>manana|tarde|noche|madrugada))?)"
    )


def _clock_fr(p: str) -> str:
    return (
        rf"(?:(?P<{p}w>midi|minuit)(?:\s+et\s+(?P<{p}wfr>demie?|quart))?"
        rf"|(?P<{p}h>\d{{1,2}})(?:\s*(?P<{p}fu>h|heures?)\b(?:\s*(?P<{p}m>[0-5]\d)(?!\d))?"
        rf"|\s*(?P<{p}fh>h)(?P<{p}m3>[0-5]\d)(?!\d)"
        rf"|[:.](?P<{p}m2>[0-5]\d)(?!\d))?(?!\d)"
        rf"(?:\s+et\s+(?P<{p}fr>demie?|quart)|\s+moins\s+(?:le\s+)?(?P<{p}le>quart))?"
        rf"(?:\s+(?:du|de\s+l'|de\s+la|dans\s+l')\s*(?P<{p}dp>matin|apres-midi|soir|nuit))?)"
    )


_CLOCKS = {"en": _clock_en, "es": _clock_es, "fr": _clock_fr}
_FRACTIONS = {"media": 30, "cuarto": 15, "demi": 30, "demie": 30, "quart": 15, "half": 30, "quarter": 15}


def _group(m: re.Match[str], name: str) -> str | None:
    try:
        return m.group(name)
    except IndexError:
        return None


def _read_clock(m: re.Match[str], p: str) -> tuple[Clock, bool] | None:
    """The clock matched under prefix ``p`` and whether it was unmistakably a time ("10:30",
    "10am", "14h", "a las 10", "noon") rather than a bare number."""
    word = _group(m, f"{p}w")
    if word:
        minutes = _WORD_CLOCKS[word]
        extra = _group(m, f"{p}wfr")
        return Clock((minutes + (_FRACTIONS[extra] if extra else 0),)), True
    hour_text = _group(m, f"{p}h")
    if hour_text is None:
        return None
    hour = int(hour_text)
    minute_text = _group(m, f"{p}m") or _group(m, f"{p}m2") or _group(m, f"{p}m3")
    minute = int(minute_text) if minute_text else 0
    fraction, less = _group(m, f"{p}fr"), _group(m, f"{p}le")
    past = _group(m, f"{p}hp")  # "half past 10", "quarter to 3"
    if past:
        fraction, less = (past, None) if _group(m, f"{p}dir") == "past" else (None, past)
    if fraction:
        minute += _FRACTIONS[fraction]
    if less:
        hour, minute = hour - 1, 60 - _FRACTIONS[less]
    meridiem = _group(m, f"{p}ap")
    marker = None if meridiem is None else ("am" if meridiem == "a" else "pm")
    # "07:30" is a 24-hour time; so is every French "2h30" and "14 heures" (French writes the
    # afternoon as 14h, never as 2h).
    padded = (len(hour_text) == 2 and hour_text.startswith("0")) or bool(
        _group(m, f"{p}fu") or _group(m, f"{p}fh")
    )
    read = clock(hour, minute, marker, padded)
    if read is None:
        return None
    part = _group(m, f"{p}dp") or _group(m, f"{p}nt")
    if part:
        read = with_part(read, _PART_OF[part])
    strong = any(
        _group(m, f"{p}{name}")
        for name in ("m", "m2", "m3", "fu", "fh", "hp", "ap", "oc", "u", "fr", "le", "dp", "nt", "las")
    )
    return read, strong


def _range(start: Clock, end: Clock) -> tuple[int, int] | None:
    """The likeliest reading of "A to B" with A before B, no longer than 14 hours.

    "8-10pm": the start follows the end's pm (20:00-22:00); "10-12pm" cannot (10:00-12:00).
    """
    if end.pm and not start.pm and len(start.minutes) > 1:
        for s in start.minutes:
            if 12 * 60 <= s < end.value:
                return s, end.value
    for s in start.minutes:
        for e in end.minutes:
            e = 24 * 60 if e == 0 else e
            if 0 < e - s <= 14 * 60:
                return s, e
    return None


# ------------------------------------------------------------------------------------ lexicon


@dataclass(frozen=True)
class Lexicon:
    """One language's rules, in the order they claim text, and its connecting words."""

    language: str
    rules: tuple[tuple[re.Pattern[str], Builder, bool], ...]
    weekdays: re.Pattern[str]
    except_words: re.Pattern[str]
    list_words: re.Pattern[str]
    range_gap: re.Pattern[str]
    between_before: re.Pattern[str]
    between_gap: re.Pattern[str]
    filler: re.Pattern[str]

    def scan(self, folded: str) -> tuple[list[Token], list[tuple[int, int]]]:
        """The tokens this lexicon reads in ``folded`` text and the spans they claim.

        Rules claim text in order: a later rule never reads what an earlier one has read. A rule
        claims its whole match, or only its tokens where the rest is left to the recognizer (the
        weekday of "vendredi 4").
        """
        tokens: list[Token] = []
        claimed: list[tuple[int, int]] = []
        for pattern, build, whole in self.rules:
            for match in pattern.finditer(folded):
                start, end = match.span()
                if start == end or any(start < e and s < end for s, e in claimed):
                    continue
                built = build(match)
                if not built:
                    continue
                tokens.extend(built)
                if whole:
                    claimed.append((start, end))
                else:
                    claimed.append((min(t.start for t in built), max(t.end for t in built)))
        return tokens, claimed

    def negations(self, folded: str, claimed: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The negations no rule has read ("apart from", "pas"): they carry no date, and are kept
        from the recognizer, which reads "next week apart from Wednesday" as "from Wednesday on"
        or as "Wednesday next week"."""
        found = []
        for match in self.except_words.finditer(folded):
            start, end = match.span()
            if not any(start < e and s < end for s, e in claimed):
                found.append((start, end))
        return found

    def fallback_weekdays(self, folded: str, claimed: list[tuple[int, int]]) -> list[Token]:
        """Weekday names in text nobody has read (the recognizer misses "lun-mié")."""
        found = []
        for match in self.weekdays.finditer(folded):
            start, end = match.span()
            if any(start < e and s < end for s, e in claimed):
                continue
            found.append(Token(start, end, day=Weekday(self._weekday_index(match.group(0)))))
        return found

    def _weekday_index(self, word: str) -> int:
        for index, names in enumerate(_WEEKDAYS[self.language]):
            if word.rstrip(".") in names:
                return index
        raise ValueError(word)  # pragma: no cover - the pattern only matches these names

    def relation(self, before: str, gap: str) -> tuple[Relation, bool]:
        """How a token joins the previous one, from the text between them (``gap``) and before
        the previous one (``before``, for "between ... and"); and whether the gap negates the
        previous one instead.

        A negation right before a token excludes it ("next week except Friday", "Tuesday, not
        Wednesday"); one followed by other words negates what came before ("Monday doesn't work
        for me, but Wednesday", "el martes no puedo, pero el miércoles").
        """
        negations = list(self.except_words.finditer(gap))
        if negations:
            if self.filler.fullmatch(gap[negations[-1].end() :]):
                return "except", False
            return "stop", True
        stripped = gap.strip()
        if self.range_gap.fullmatch(stripped):
            return "range", False
        if self.between_gap.fullmatch(stripped) and self.between_before.search(before):
            return "range", False
        if re.search(r"[.!?](?:\s|$)", gap):
            return "stop", False
        if self.list_words.search(gap):
            return "list", False
        if re.search(r"[,;/&+]", gap):
            return "punct", False
        return "adj", False

    def negates(self, text: str) -> bool:
        """Whether ``text`` (before the first token or after the last) holds a negation."""
        return bool(self.except_words.search(text))


def _time(kind: Literal["at", "after", "before"], p: str = "a", strong_only: bool = False) -> Builder:
    def build(m: re.Match[str]) -> list[Token] | None:
        read = _read_clock(m, p)
        if read is None or (strong_only and not read[1]):
            return None
        spec = TimeSpec(kind, start=read[0]) if kind != "before" else TimeSpec(kind, end=read[0])
        return [Token(m.start(), m.end(), time=spec)]

    return build


def _between(m: re.Match[str]) -> list[Token] | None:
    a, b = _read_clock(m, "a"), _read_clock(m, "b")
    if a is None or b is None:
        return None
    chosen = _range(a[0], b[0])
    if chosen is None:
        return None
    spec = TimeSpec("range", start=Clock((chosen[0],)), end=Clock((chosen[1],)))
    return [Token(m.start(), m.end(), time=spec)]


def _fixed(kind: Literal["after", "before"], minutes: int) -> Builder:
    def build(m: re.Match[str]) -> list[Token]:
        c = Clock((minutes,))
        spec = TimeSpec(kind, start=c) if kind == "after" else TimeSpec(kind, end=c)
        return [Token(m.start(), m.end(), time=spec)]

    return build


def _part(m: re.Match[str]) -> list[Token] | None:
    word = re.sub(r"\s+", " ", m.group("part"))
    qualifier_text = _group(m, "q")
    qualifier = _QUALIFIERS.get(qualifier_text) if qualifier_text else None
    return [Token(m.start(), m.end(), time=TimeSpec.part(_PARTS[word], qualifier))]


def _this_part(m: re.Match[str]) -> list[Token]:
    word = _group(m, "part") or _group(m, "part2") or _group(m, "part3")
    qualifier_text = _group(m, "q")
    qualifier = _QUALIFIERS.get(qualifier_text) if qualifier_text else None
    name = "evening" if word is None else _PARTS[word]
    return [
        Token(m.start(), m.end(), day=Today()),
        Token(m.start(), m.end(), time=TimeSpec.part(name, qualifier)),
    ]


def _any_day(m: re.Match[str]) -> list[Token]:
    return [Token(m.start(), m.end(), day=AnyDay())]


def _today(m: re.Match[str]) -> list[Token]:
    return [Token(m.start(), m.end(), day=Today())]


def _all_day(m: re.Match[str]) -> list[Token]:
    return [Token(m.start(), m.end(), time=TimeSpec.part("day"))]


def _day_of_month(m: re.Match[str]) -> list[Token] | None:
    day = int(m.group("d"))
    if not 1 <= day <= 31:
        return None
    return [Token(m.start("d"), m.end(), day=DayOfMonth(day))]


def _week(offset: int, weekend: bool = False) -> Builder:
    def build(m: re.Match[str]) -> list[Token]:
        return [Token(m.start(), m.end(), day=Week(offset=offset, weekend=weekend))]

    return build


def _numeric_date(month_first: bool) -> Builder:
    def build(m: re.Match[str]) -> list[Token] | None:
        return _read_numeric_date(m, month_first)

    return build


def _read_numeric_date(m: re.Match[str], month_first: bool) -> list[Token] | None:
    if _group(m, "Y"):
        year, month, day = int(m.group("Y")), int(m.group("M")), int(m.group("D"))
        return [Token(m.start(), m.end(), day=On(year, month, day))]
    a, b = int(m.group("a")), int(m.group("b"))
    day, month = (b, a) if month_first else (a, b)
    if month > 12 and day <= 12:  # "12/25" can only be month first, "25/12" only day first
        day, month = month, day
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    year_text = _group(m, "y")
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return [Token(m.start(), m.end(), day=On(year, month, day))]
    return [Token(m.start(), m.end(), day=MonthDay(month, day))]


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _lexicon(language: str, month_first: bool) -> Lexicon:
    months = _MONTHS[language]
    units = _UNITS[language]
    clock_of = _CLOCKS[language]
    a, b = clock_of("a"), clock_of("b")
    start = r"(?<![\w/:.'-])"
    # After a bare number: not an ordinal, a month, an amount, nor part of a date.
    guard = (
        rf"(?!\s*(?:st|nd|rd|th|er)\b)(?!\s*(?:of\s+|de\s+)?(?:{months})\b)"
        rf"(?!\s*(?:{units})\b)(?![/\d])(?!\.\d)"
    )
    weekday_words = "|".join(name for names in _WEEKDAYS[language] for name in names)
    numeric_date = _numeric_date(month_first)
    numeric: list[tuple[str, Builder]] = [
        (r"(?<![\w/.:-])(?P<Y>\d{4})-(?P<M>\d{1,2})-(?P<D>\d{1,2})(?![\w-])", numeric_date),
        (r"(?<![\w/.:-])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?(?![\w/])", numeric_date),
        (r"(?<![\w/.:-])(?P<a>\d{1,2})\.(?P<b>\d{1,2})\.(?P<y>\d{4})(?![\w.])", numeric_date),
    ]
    no_hour_after = r"(?![:.h]\d)(?!\s*(?:h|hs|horas?|heures?|am|pm|a\.m|p\.m|o'clock)\b)(?!\s*-\s*\d)"
    rules: list[tuple[str, Builder]]
    if language == "en":
        rules = [
            *numeric,
            (r"\b(?:the\s+)?week\s+after\s+next\b", _week(2)),
            (r"\bin\s+(?:two|2)\s+weeks(?:'?\s*time)?\b", _week(2)),
            (rf"(?<![\w/])(?P<d>[12]?\d|3[01])(?:st|nd|rd|th)\b(?!\s*(?:of\s+)?(?:{months})\b)",
             _day_of_month),
            (r"\b(?:this\s+(?:(?P<q>early|late)\s+)?(?P<part>morning|afternoon|evening)|tonight)\b",
             _this_part),
            (r"\b(?:later\s+today|today\s+later|later\s+on\s+today)\b", _today),
            (r"\bany\s+(?:other\s+)?(?:day|weekday|working\s+day)s?\b", _any_day),
            (r"\b(?:at\s+the\s+)?end\s+of\s+the\s+day\b", _day_part("late")),
            (rf"\bbetween\s+{a}\s*(?:and|-)\s*{b}{guard}", _between),
            (rf"(?:\bfrom\s+|{start}){a}\s*(?:-|\bto\b|\btill\b|\btil\b|\buntil\b|\bthrough\b|\bthru\b)"
             rf"\s*{b}{guard}", _between),
            (rf"\b(?:(?:any\s*time\s+)?after|from|since|(?<!no\s)later\s+than|not\s+before|at\s+or\s+after"
             rf"|starting(?:\s+(?:at|from))?)\s+(?:about\s+|around\s+)?{a}{guard}", _time("after")),
            (rf"{start}{a}\s*(?:onwards?|or\s+later|and\s+later|or\s+after)\b", _time("after")),
            (rf"\b(?:before|until|till|til|by|no\s+later\s+than|up\s+to|earlier\s+than|prior\s+to"
             rf"|not\s+after)\s+{a}{guard}", _time("before")),
            (rf"{start}{a}\s+(?:or\s+earlier|or\s+before|at\s+the\s+latest)\b", _time("before")),
            (r"\bafter\s+lunch\b", _fixed("after", 13 * 60)),
            (r"\bbefore\s+lunch\b", _fixed("before", 12 * 60)),
            (r"\bafter\s+work\b", _fixed("after", 17 * 60)),
            (rf"\b(?:at|@|around|about|say|approximately|circa)\s+{a}{guard}", _time("at")),
            (rf"(?:(?<=@)|{start}){a}{guard}", _time("at", strong_only=True)),
            (r"\b(?:(?P<q>early|late|mid)[\s-]?)?(?P<part>mornings?|afternoons?|evenings?|nights?"
             r"|lunch\s*times?|lunch)\b", _part),
            (r"\b(?:all\s+day|any\s*time|whole\s+day|full\s+day|at\s+any\s+hour|during\s+the\s+day"
             r"|in\s+the\s+daytime|daytime|(?:during\s+)?(?:business|office|working)\s+hours)\b", _all_day),
        ]
        except_words = (
            r"\b(?:except|excepting|but\s+not|apart\s+from|other\s+than|excluding|not|cannot|unable"
            r"|unavailable|busy|no\s+good)\b|n't\b"
        )
        list_words = r"\b(?:or|and|also|plus|otherwise|alternatively)\b"
        range_gap = r"(?:-|to|through|thru|till|until)(?:\s+the)?"
        between_before = r"\bbetween(?:\s+the)?\s*$"
        between_gap = r"and(?:\s+the)?"
        filler = r"the|on|at|in|any|other|a|an|for|of|day|days|either"
    elif language == "es":
        dp = r"(?:(?:por|en|durante|de|a)\s+)?"
        rules = [
            *numeric,
            (r"\b(?:la\s+)?semana\s+(?:que\s+viene|siguiente)\b", _week(1)),
            (r"\bdentro\s+de\s+(?:dos|2)\s+semanas\b", _week(2)),
            (r"\b(?:el\s+)?fin\s+de\s+semana\s+que\s+viene\b", _week(1, weekend=True)),
            (rf"\b(?:el|del|al|hasta\s+el|dia)\s+(?:dia\s+)?(?P<d>[12]?\d|3[01])(?!\w)"
             rf"(?!\s*(?:de\s+)?(?:{months})\b){no_hour_after}", _day_of_month),
            (rf"\b(?:{weekday_words})\.?\s+(?P<d>[12]?\d|3[01])(?!\w)(?!\s*(?:de\s+)?(?:{months})\b)"
             rf"{no_hour_after}", _day_of_month_only),
            (r"\besta\s+(?P<part>manana|tarde|noche)\b", _this_part),
            (r"\bcualquier\s+(?:otro\s+)?dia\b", _any_day),
            (rf"\bentre\s+{a}\s+y\s+{b}{guard}", _between),
            (rf"(?:\b(?:de|desde)\s+){a}\s+(?:a|hasta)\s+{b}{guard}", _between),
            (rf"{start}{a}\s*-\s*{b}{guard}", _between),
            (rf"\b(?:despues\s+de|a\s+partir\s+de|desde|mas\s+tarde\s+de|pasadas)\s+{a}{guard}",
             _time("after")),
            (rf"(?:\bde\s+)?{a}\s+en\s+adelante\b", _time("after")),
            (rf"\b(?:antes\s+de|hasta|no\s+mas\s+tarde\s+de|como\s+muy\s+tarde\s+a)\s+{a}{guard}",
             _time("before")),
            (r"\bdespues\s+de\s+(?:comer|la\s+comida|el\s+almuerzo|almorzar)\b",
             _fixed("after", 15 * 60)),
            (r"\bantes\s+de\s+(?:comer|la\s+comida|el\s+almuerzo|almorzar)\b",
             _fixed("before", 14 * 60)),
            (rf"\b(?:sobre|hacia|a\s+eso\s+de|alrededor\s+de)\s+{a}{guard}", _time("at")),
            (rf"\ba\s+{a}{guard}", _time("at", strong_only=True)),
            (rf"(?<!durante\s)(?<!dentro\sde\s)(?<!en\s)(?<!por\s){start}{a}{guard}",
             _time("at", strong_only=True)),
            (r"\ba\s+(?P<q>media)\s+(?P<part>manana|tarde)\b", _part),
            (r"\b(?:a\s+)?(?P<q>primera|ultima)\s+hora\s+de\s+la\s+(?P<part>manana|tarde)\b", _part),
            (rf"\b{dp}(?:la|las)\s+(?P<part>mananas?|tardes?|noches?)\b", _part),
            (r"\bcualquier\s+(?P<part>manana|tarde|noche)\b", _part),
            (r"\btemprano\b", _early_morning),
            (r"(?<!mas\s)(?<!muy\s)\b(?P<part>tardes?)\b", _part),
            (r"\b(?:todo\s+el\s+dia|a\s+cualquier\s+hora|cualquier\s+hora|durante\s+el\s+dia"
             r"|en\s+horario\s+(?:de\s+oficina|laboral))\b", _all_day),
        ]
        except_words = r"\b(?:excepto|salvo|menos|no|excluyendo|quitando|aparte\s+de|ocupad[oa]s?)\b"
        list_words = r"\b(?:o|u|y|e|tambien|ni)\b"
        range_gap = r"(?:-|a|al|hasta(?:\s+el)?|a\s+el)"
        between_before = r"\bentre(?:\s+el)?\s*$"
        between_gap = r"y(?:\s+el)?"
        filler = r"el|la|los|las|de|del|en|a|al|cualquier|otro|otra|dia|dias|tampoco"
    else:
        rules = [
            *numeric,
            (r"\bce\s+week-?end\b", _week(0, weekend=True)),
            (r"\ble\s+(?:week-?end\s+prochain|prochain\s+week-?end)\b", _week(1, weekend=True)),
            (r"\bdans\s+(?:deux|2)\s+semaines\b", _week(2)),
            (rf"\b(?:le|du|au|jusqu'au)\s+(?P<d>[12]?\d|3[01])(?:er)?(?!\w)(?!\s*(?:{months})\b)"
             rf"{no_hour_after}", _day_of_month),
            (rf"\b(?:{weekday_words})\.?\s+(?P<d>[12]?\d|3[01])(?:er)?(?!\w)(?!\s*(?:{months})\b)"
             rf"{no_hour_after}", _day_of_month_only),
            (r"\b(?:ce\s+(?P<part>matin|soir)|cet\s+(?P<part2>apres-midi|aprem)"
             r"|cette\s+(?P<part3>nuit|matinee|soiree|apres-midi))(?![\w-])", _this_part),
            (r"\bn'importe\s+quel\s+jour\b|\btous\s+les\s+jours\b", _any_day),
            (r"\b(?P<q>debut|fin|milieu)\s+de\s+journee\b", _day_part(None)),
            # "après midi" for "après-midi": a common spelling, not "after 12:00".
            (r"\b(?:cet\s+)?apres\s+midi\b", _afternoon),
            (rf"\bentre\s+{a}\s+et\s+{b}{guard}", _between),
            (rf"\b(?:de|depuis)\s+{a}\s+(?:a|jusqu'a)\s+{b}{guard}", _between),
            (rf"{start}{a}\s*-\s*{b}{guard}", _between),
            (rf"\b(?:apres|a\s+partir\s+de|depuis|plus\s+tard\s+que|pas\s+avant)\s+{a}{guard}",
             _time("after")),
            (rf"\bdes\s+{a}{guard}", _time("after", strong_only=True)),
            (rf"{start}{a}\s+(?:ou\s+plus\s+tard|et\s+apres)\b", _time("after")),
            (rf"\b(?:avant|jusqu'a|au\s+plus\s+tard\s+a|pas\s+apres)\s+{a}{guard}", _time("before")),
            (r"\bapres\s+(?:le\s+)?(?:dejeuner|repas)\b", _fixed("after", 14 * 60)),
            (r"\bavant\s+(?:le\s+)?(?:dejeuner|repas)\b", _fixed("before", 12 * 60)),
            (rf"\b(?:vers|aux\s+alentours\s+de|autour\s+de)\s+{a}{guard}", _time("at")),
            (rf"\ba\s+{a}{guard}", _time("at", strong_only=True)),
            (rf"(?<!pendant\s)(?<!durant\s)(?<!dans\s)(?<!pour\s)(?<!en\s){start}{a}{guard}",
             _time("at", strong_only=True)),
            (r"\btot\s+le\s+(?P<part>matin)\b", _early_morning),
            (r"\b(?:(?P<q>debut|fin|milieu)\s+(?:de\s+|d')(?:l'|la\s+)?)?(?P<part>matinee|matin"
             r"|apres-midi|aprem|soiree|soir|nuit)(?![\w-])", _part),
            (r"\b(?:toute\s+la\s+journee|n'importe\s+quand|a\s+n'importe\s+quelle\s+heure"
             r"|toute\s+heure|pendant\s+la\s+journee|dans\s+la\s+journee|en\s+journee"
             r"|(?:pendant\s+les\s+)?heures\s+de\s+bureau)\b", _all_day),
        ]
        except_words = (
            r"\b(?:sauf|excepte|hormis|a\s+part|pas|non|en\s+dehors\s+de|indisponibles?|occupee?s?"
            r"|(?:suis|est|sommes|serai)\s+pris(?:e|es)?)\b"
        )
        list_words = r"\b(?:ou|et|aussi|sinon|soit)\b"
        range_gap = r"(?:-|a|au|jusqu'au|jusqu'a)"
        between_before = r"\bentre(?:\s+le)?\s*$"
        between_gap = r"et(?:\s+le)?"
        filler = r"le|la|les|l'|de|du|des|d'|en|a|au|aux|n'importe|quel|quelle|autre|jour|jours|plus"
    weekday_fallback = rf"\b(?:{weekday_words})\b\.?"
    return Lexicon(
        language=language,
        rules=tuple(
            (_compile(pattern), build, build is not _day_of_month_only) for pattern, build in rules
        ),
        weekdays=_compile(weekday_fallback),
        except_words=_compile(except_words),
        list_words=_compile(list_words),
        range_gap=_compile(range_gap),
        between_before=_compile(between_before),
        between_gap=_compile(between_gap),
        filler=_compile(rf"(?:\s|\b(?:{filler})\b)*"),
    )


def _afternoon(m: re.Match[str]) -> list[Token]:
    spec = TimeSpec.part("afternoon")
    if m.group(0).startswith("cet"):
        return [Token(m.start(), m.end(), day=Today()), Token(m.start(), m.end(), time=spec)]
    return [Token(m.start(), m.end(), time=spec)]


def _early_morning(m: re.Match[str]) -> list[Token]:
    """"tôt le matin", "temprano"."""
    return [Token(m.start(), m.end(), time=TimeSpec.part("morning", "early"))]


def _day_part(qualifier: str | None) -> Builder:
    """"end of the day", "fin de journée": a part of the person's day (08:00-20:00)."""

    def build(m: re.Match[str]) -> list[Token]:
        said = qualifier or _QUALIFIERS[m.group("q")]
        return [Token(m.start(), m.end(), time=TimeSpec.part("day", said))]

    return build


def _day_of_month_only(m: re.Match[str]) -> list[Token] | None:
    """"vendredi 4": the number is read here, the weekday is left to the recognizer."""
    return _day_of_month(m)


LANGUAGES = ("en", "es", "fr")


@cache
def lexicon(language: str, month_first: bool = False) -> Lexicon:
    """The lexicon of ``language``, numeric dates month first (en-US) or day first; compiled on
    first use (about 12 ms each), as the recognizer's models are."""
    if language not in LANGUAGES:
        raise ValueError(f"no lexicon for {language!r}")
    return _lexicon(language, month_first)
