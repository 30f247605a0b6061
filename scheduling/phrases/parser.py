"""Free text to availability windows: "Mon–Wed after 14:00" → three half-open UTC intervals.

One module on purpose, though long: the steps below hand each other one clause structure.

How a sentence is read (docs/time-phrases.md has the whole story, with examples):

1. :mod:`.lexicon` reads hours, parts of the day and the few date forms the recognizer gets wrong,
   and blanks them out; :mod:`.recognizer` finds the remaining days; :mod:`.timex` turns what it
   found into the same terms. Every term keeps where it was said.
2. Neighbouring terms are related by the words between them: "or", "and" and commas make lists,
   "to"/"–" ranges, "except"/"not"/"sauf" exclusions, and nothing at all refines ("Tuesday next
   week", "morning after 10").
3. A run of days and the run of times next to it form a clause ("Tuesday or Thursday" +
   "morning"); each clause gives its days × its times, in the order they were said.
4. Local wall times become UTC in the sender's zone, strictly: a time typed in a DST gap or fold
   is refused, as :mod:`scheduling.zones` does; what is past is refused (or cut at ``now``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from scheduling.errors import DomainError
from scheduling.intervals import Interval
from scheduling.phrases import recognizer
from scheduling.phrases.lexicon import Lexicon, Relation, fold, lexicon, plain
from scheduling.phrases.terms import (
    ALL_DAY,
    DAY_END,
    DAY_START,
    MIDNIGHT,
    WEEKDAY_NAMES,
    AnyDay,
    Clock,
    DayOfMonth,
    MonthDay,
    On,
    Refusal,
    Span,
    TimeSpec,
    Today,
    Token,
    Weekday,
    day_label,
)
from scheduling.phrases.timex import tokens_of
from scheduling.zones import (
    AmbiguousLocalTime,
    NonexistentLocalTime,
    format_local,
    format_local_range,
    wall_to_utc,
)
from scheduling.zones import zone as zone_info

__all__ = [
    "DEFAULT_DURATION",
    "MAX_LENGTH",
    "ParseResult",
    "UnsupportedLanguage",
    "language_of",
    "parse_times",
]

# A start time ("at 10:30") with no duration given stands for a window this long.
DEFAULT_DURATION = timedelta(hours=1)
# Longer messages are not read (the recognizer's time grows with the text).
MAX_LENGTH = 500


class UnsupportedLanguage(DomainError):
    """A locale whose language the recognizer does not resolve (only en, es and fr)."""


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The windows a sentence names (half-open, UTC, in the order they were said) and what could
    not be used, each problem a sentence for the person. Both empty: nothing was understood."""

    windows: list[Interval]
    problems: list[str]


def language_of(locale: str) -> str | None:
    """"es" for "es-MX", "es_ES" or "es"; None when the recognizer does not resolve the language."""
    language = locale.strip().replace("_", "-").split("-", 1)[0].lower()
    return language if recognizer.culture_for(language) else None


def parse_times(
    text: str,
    *,
    zone: str,
    now: datetime,
    locale: str,
    duration: timedelta | None = None,
) -> ParseResult:
    """The availability windows in ``text``, a person's words in ``locale``, read in their ``zone``.

    ``now`` (timezone-aware) is when they wrote. ``duration`` is the meeting's length: a start
    time ("at 10:30") becomes a window of that length (else :data:`DEFAULT_DURATION`), and windows
    too short for it are refused. Raises :class:`UnsupportedLanguage`, ``UnknownTimeZone``, and
    ``ValueError`` for a naive ``now`` or a duration that is not positive (programming errors).

    Builds the language's recognizer model on first use (seconds for French): a server calls
    :func:`scheduling.phrases.warm_up` at start-up instead, off its event loop.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if duration is not None and duration <= timedelta(0):
        raise ValueError("duration must be positive")
    language = language_of(locale)
    if language is None:
        raise UnsupportedLanguage(
            f'Times typed in "{locale}" cannot be read yet: English, Spanish and French can.'
        )
    tz = zone_info(zone)
    if len(text) > MAX_LENGTH:
        too_long = f"That message is too long to read times from: at most {MAX_LENGTH} characters."
        return ParseResult([], [too_long])
    month_first = locale.strip().replace("_", "-").lower() == "en-us"
    reading = _Reading(
        text=text,
        tz=tz,
        zone_name=zone.strip(),
        now=now.astimezone(UTC),
        duration=duration,
    )
    words = lexicon(language, month_first)
    return reading.windows(_tokens(text, language, words, reading), words)


# ------------------------------------------------------------------------------------- reading


def _tokens(text: str, language: str, words: Lexicon, reading: _Reading) -> list[Token]:
    folded = fold(text)
    tokens, claimed = words.scan(folded)
    negations = words.negations(folded, claimed)
    rest, origin = _without(plain(text), claimed, negations)
    local_now = reading.now.astimezone(reading.tz).replace(tzinfo=None)
    taken: list[tuple[int, int]] = []
    for mention in recognizer.mentions(rest, language, local_now):
        start, end = origin[mention.start], origin[mention.end - 1] + 1
        if any(start < e and s < end for s, e in taken):
            continue  # the recognizer reports "mon-wed" and "wed after..." over the same words
        found, problem = tokens_of(replace(mention, start=start, end=end), text)
        if problem:
            reading.problems.append(problem)
        if found or problem:
            tokens.extend(found)
            taken.append((start, end))
    tokens.extend(words.fallback_weekdays(folded, claimed + negations + taken))
    tokens.sort(key=lambda t: (t.start, t.day is None, t.end))
    return tokens


def _without(
    text: str, claimed: Sequence[tuple[int, int]], negations: Sequence[tuple[int, int]]
) -> tuple[str, list[int]]:
    """``text`` with what the lexicon read cut out, for the recognizer, and where each of its
    characters came from. A cut leaves one space (a comma for a negation, so that "next week apart
    from Wednesday" does not become "Wednesday next week"); blanking instead would leave runs of
    spaces, on which the recognizer's release finds entities with no resolution."""
    cuts = sorted([(s, e, ", ") for s, e in negations] + [(s, e, " ") for s, e in claimed])
    out: list[str] = []
    origin: list[int] = []
    position = 0
    for start, end, joint in cuts:
        if start < position:
            continue
        out.append(text[position:start])
        origin.extend(range(position, start))
        out.append(joint)
        origin.extend([start] * len(joint))
        position = end
    out.append(text[position:])
    origin.extend(range(position, len(text)))
    # One space between words and none at the start: the release's "before Friday" has no
    # resolution when it follows a space at the start of the text.
    joined = "".join(out)
    squeezed: list[str] = []
    kept: list[int] = []
    for ch, where in zip(joined, origin, strict=True):
        if ch == " " and (not squeezed or squeezed[-1] == " "):
            continue
        squeezed.append(ch)
        kept.append(where)
    return "".join(squeezed), kept


Category = Literal["day", "time"]


@dataclass
class _Group:
    """Neighbouring terms of one category: phrases joined by "or"/"and"/commas; the terms of a
    phrase refine each other ("Tuesday" + "next week")."""

    category: Category
    negative: bool
    link: Relation | None  # how it is joined to the group before it
    phrases: list[list[Token]] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.phrases[0][0].start

    @property
    def end(self) -> int:
        return max(t.end for phrase in self.phrases for t in phrase)


@dataclass
class _Clause:
    days: _Group | None
    times: _Group | None
    negative: bool

    @property
    def span(self) -> tuple[int, int]:
        groups = [g for g in (self.days, self.times) if g is not None]
        return min(g.start for g in groups), max(g.end for g in groups)


def _category(token: Token) -> Category:
    return "day" if token.day is not None else "time"


def _groups(tokens: Sequence[Token], folded: str, lexicon: Lexicon) -> list[_Group]:
    relations = [_relation(tokens, i, folded, lexicon) for i in range(len(tokens))]
    groups: list[_Group] = []
    for index, token in enumerate(tokens):
        category = _category(token)
        if index == 0:
            # "I can't do Tuesday", "pas mardi": a negation before the first term.
            groups.append(_Group(category, lexicon.negates(folded[: token.start]), None, [[token]]))
            continue
        relation, negates_previous = relations[index]
        current = groups[-1]
        if negates_previous:
            _negate_last_clause(groups)
        if relation == "except":
            groups.append(_Group(category, True, relation, [[token]]))
        elif _refines_days_before(token, relation, groups):
            groups[-2].phrases[-1].append(token)  # "Tuesday morning next week"
        elif (
            category == current.category
            and relation != "stop"
            and not (current.negative and relation == "punct")  # "not Friday, any other day"
            and not _opens_clause(tokens, relations, index, groups)
        ):
            if relation in ("list", "punct"):
                current.phrases.append([token])
            elif relation == "range" and category == "day":
                last = current.phrases[-1].pop()
                assert last.day is not None and token.day is not None
                current.phrases[-1].append(Token(last.start, token.end, day=Span(last.day, token.day)))
            else:
                current.phrases[-1].append(token)
        else:
            # "except Friday afternoon": a term right after an excluded one is excluded with it.
            negative = current.negative and relation == "adj"
            groups.append(_Group(category, negative, relation, [[token]]))
    if tokens and lexicon.negates(folded[max(t.end for t in tokens) :]):
        _negate_last_clause(groups)  # "Tuesday doesn't work", "mardi non"
    return groups


def _relation(tokens: Sequence[Token], index: int, folded: str, lexicon: Lexicon) -> tuple[Relation, bool]:
    if index == 0:
        return "adj", False
    previous_end = max(t.end for t in tokens[:index])
    before_previous = folded[_end_before(tokens, index - 1) : tokens[index - 1].start]
    gap = folded[previous_end : tokens[index].start] if tokens[index].start > previous_end else ""
    return lexicon.relation(before_previous, gap)


def _refines_days_before(token: Token, relation: Relation, groups: list[_Group]) -> bool:
    """"Tuesday morning next week", "any weekday evening next week": a week or month right after
    a day and its hours narrows that day down."""
    if token.day is None or not token.day.span or relation != "adj" or len(groups) < 2:
        return False
    current, before = groups[-1], groups[-2]
    return (
        current.category == "time"
        and current.link == "adj"
        and before.category == "day"
        and before.negative == current.negative
    )


def _negate_last_clause(groups: list[_Group]) -> None:
    """"Monday morning doesn't work": the last group, and the one it pairs with, are excluded."""
    last = groups[-1]
    last.negative = True
    if len(groups) > 1 and last.link in ("adj", "punct") and groups[-2].category != last.category:
        groups[-2].negative = True


def _opens_clause(
    tokens: Sequence[Token], relations: Sequence[tuple[Relation, bool]], index: int, groups: list[_Group]
) -> bool:
    """"Tuesday after 2pm or any time Thursday": after "or", a term followed by one of the other
    category starts a clause of its own rather than joining the list of the clause before."""
    if relations[index][0] != "list" or index + 1 >= len(tokens) or len(groups) < 2:
        return False
    current, before = groups[-1], groups[-2]
    return (
        _category(tokens[index + 1]) != _category(tokens[index])
        and relations[index + 1][0] in ("adj", "punct")
        and before.category != current.category
        and current.link in ("adj", "punct")
    )


def _end_before(tokens: Sequence[Token], index: int) -> int:
    return max((t.end for t in tokens[:index]), default=0)


def _clauses(groups: list[_Group]) -> list[_Clause]:
    """Each group with the group of the other category next to it: "Tuesday or Thursday" +
    "morning". Exclusions in between are passed over ("next week apart from Wednesday, after
    1pm"); "or" and the end of a sentence part them."""
    clauses: list[_Clause] = []
    used: set[int] = set()
    for i, group in enumerate(groups):
        if i in used:
            continue
        used.add(i)
        j = i + 1
        while not group.negative and j < len(groups) and groups[j].negative:
            j += 1
        partner = groups[j] if j < len(groups) and j not in used else None
        if (
            partner is not None
            and partner.category != group.category
            and partner.negative == group.negative
            and partner.link in ("adj", "punct", "range")
        ):
            used.add(j)
            days, times = (group, partner) if group.category == "day" else (partner, group)
            clauses.append(_Clause(days, times, group.negative))
        elif group.category == "day":
            clauses.append(_Clause(group, None, group.negative))
        else:
            clauses.append(_Clause(None, group, group.negative))
    return clauses


# --------------------------------------------------------------------------------------- hours


@dataclass(frozen=True, slots=True)
class _Hours:
    """Local hours on one day, minutes after midnight; ``point`` for a start time only."""

    low: int
    high: int
    explicit_low: bool
    explicit_high: bool
    point: bool = False


def _pick(c: Clock, low: int | None, high: int | None) -> int:
    for m in c.minutes:
        if (low is None or m >= low) and (high is None or m <= high):
            return m
    return c.value


def _hours(specs: Sequence[TimeSpec], need: int) -> _Hours:
    """What the specs of one phrase leave together: "morning" + "after 10" is 10:00-12:00."""
    low: int | None = None
    high: int | None = None
    explicit_low = explicit_high = False
    for spec in specs:
        if spec.kind == "part":
            if low is None or spec.low > low:
                low, explicit_low = spec.low, False
            if high is None or spec.high < high:
                high, explicit_high = spec.high, False
        elif spec.kind == "range":
            assert spec.start is not None and spec.end is not None
            if low is None or spec.start.value >= low:
                low, explicit_low = spec.start.value, True
            if high is None or spec.end.value <= high:
                high, explicit_high = spec.end.value, True
    for spec in specs:
        if spec.kind == "after" and spec.start is not None:
            value = _pick(spec.start, low, high)
            if low is None or value >= low:
                low, explicit_low = value, True
        elif spec.kind == "before" and spec.end is not None:
            value = _pick(spec.end, low, high)
            value = MIDNIGHT if value == 0 else value
            if high is None or value <= high:
                high, explicit_high = value, True
    points = [spec for spec in specs if spec.kind == "at" and spec.start is not None]
    if points:
        assert points[0].start is not None
        value = _pick(points[0].start, low, high)
        return _Hours(value, value, True, True, point=True)
    if low is None and high is None:
        return _Hours(DAY_START, DAY_END, False, False)
    if low is None:
        assert high is not None
        # "before 11": from the start of the person's day, or midnight when that leaves too little.
        low = DAY_START if high - need >= DAY_START else 0
    if high is None:
        # "after 2pm": to the end of the person's day (20:00), or midnight when that leaves too little.
        high = DAY_END if low + need <= DAY_END else MIDNIGHT
    if low >= high:
        raise Refusal("That leaves no time: the hours given do not overlap.")
    return _Hours(low, high, explicit_low, explicit_high)


# ---------------------------------------------------------------------------------------- days


_SPECIFIC = (On, Today, MonthDay, DayOfMonth)


def _dates(phrase: Sequence[Token], today: date) -> list[date]:
    """The dates one phrase names; its terms refine each other ("Tuesday" + "next week")."""
    days = [t.day for t in phrase if t.day is not None]
    if len(days) > 1:
        days = [d for d in days if not isinstance(d, AnyDay)] or days[:1]
    spans = [d for d in days if d.span]
    selectors = [d for d in days if not d.span]
    if spans:
        base = spans[0].dates(today)
        for other in spans[1:]:
            allowed = set(other.dates(today))
            base = [d for d in base if d in allowed]
        weekdays = [s for s in selectors if isinstance(s, Weekday)]
        others = [s for s in selectors if not isinstance(s, Weekday)]
        if weekdays:  # "Tuesday or Wednesday next week": any of them
            base = [d for d in base if any(w.matches(d, today) for w in weekdays)]
        if others:
            base = [d for d in base if all(o.matches(d, today) for o in others)]
        if not selectors and all(getattr(s, "working_days", False) for s in spans):
            base = [d for d in base if d.weekday() < 5]  # "next week": its working days
        if not base:
            raise Refusal("Those days do not overlap: no date is left.")
        return base
    weekdays = [d for d in selectors if isinstance(d, Weekday)]
    specific = [d for d in selectors if isinstance(d, _SPECIFIC)]
    if not specific:
        return _unique(d for w in weekdays for d in w.dates(today))
    result: list[date] = []
    for item in specific:
        for d in item.dates(today):
            if weekdays and not any(w.matches(d, today) for w in weekdays):
                # "Tuesday the 9th" when the 9th is a Wednesday: ask rather than guess which one.
                named = " or ".join(WEEKDAY_NAMES[w.weekday] for w in weekdays)
                raise Refusal(f"{day_label(d)} is a {WEEKDAY_NAMES[d.weekday()]}, not a {named}.")
            result.append(d)
    return _unique(result)


def _unique(dates: Iterable[date]) -> list[date]:
    seen: set[date] = set()
    result = []
    for d in dates:
        if d not in seen:
            seen.add(d)
            result.append(d)
    return result


# ------------------------------------------------------------------------------------- windows


@dataclass
class _Reading:
    text: str
    tz: tzinfo
    zone_name: str
    now: datetime
    duration: timedelta | None
    problems: list[str] = field(default_factory=list)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    @property
    def need(self) -> int:
        return int((self.duration or DEFAULT_DURATION).total_seconds() // 60)

    def windows(self, tokens: list[Token], lexicon: Lexicon) -> ParseResult:
        folded = fold(self.text)
        clauses = _clauses(_groups(tokens, folded, lexicon))
        exclusions = [c for c in clauses if c.negative]
        windows: list[Interval] = []
        previous_days: list[date] | None = None
        for clause in (c for c in clauses if not c.negative):
            fragment = self.text[clause.span[0] : clause.span[1]].strip()
            try:
                hours = self._hours_of(clause.times)
                if clause.days is not None:
                    days = self._days_of(clause.days)
                    previous_days = days
                    found = self._days_windows(days, hours, exclusions, fragment)
                elif previous_days is not None:
                    found = self._days_windows(previous_days, hours, exclusions, fragment)
                else:
                    found = self._next_day_windows(hours, exclusions, fragment)
            except Refusal as refusal:
                self._problem(refusal.message)
                continue
            windows.extend(w for w in found if w not in windows)
        return ParseResult(windows, self.problems)

    def _problem(self, message: str) -> None:
        if message and message not in self.problems:
            self.problems.append(message)

    def _hours_of(self, group: _Group | None) -> list[_Hours]:
        if group is None:
            return [_hours([ALL_DAY], self.need)]
        result = []
        for phrase in group.phrases:
            specs = [t.time for t in phrase if t.time is not None]
            result.append(_hours(specs, self.need))
        return result

    def _days_of(self, group: _Group) -> list[date]:
        result: list[date] = []
        for phrase in group.phrases:
            try:
                result.extend(d for d in _dates(phrase, self.today) if d not in result)
            except Refusal as refusal:
                self._problem(refusal.message)
        if not result:
            raise Refusal("")  # the reason is already among the problems
        return result

    def _excluded(self, d: date, exclusions: Sequence[_Clause]) -> tuple[bool, list[tuple[int, int]]]:
        """Whether ``d`` is excluded as a whole, else the local hours excluded on it."""
        hours: list[tuple[int, int]] = []
        for clause in exclusions:
            if clause.days is not None:
                matches = False
                for phrase in clause.days.phrases:
                    matches = matches or self._phrase_matches(phrase, d)
                if not matches:
                    continue
                if clause.times is None:
                    return True, []
            for h in self._hours_of(clause.times):
                hours.append((h.low, h.low + self.need if h.point else h.high))
        return False, hours

    def _phrase_matches(self, phrase: Sequence[Token], d: date) -> bool:
        days = [t.day for t in phrase if t.day is not None]
        try:
            return all(day.matches(d, self.today) for day in days)
        except Refusal:
            return False

    def _next_day_windows(
        self, hours: list[_Hours], exclusions: Sequence[_Clause], fragment: str
    ) -> list[Interval]:
        """Hours without a day ("after 2pm"): today if any of it is still ahead, else the next day."""
        first_reasons: list[str] | None = None
        for offset in range(8):
            day = self.today + timedelta(days=offset)
            found, reasons = self._clause_windows([day], hours, exclusions, fragment)
            if found:
                return found
            if first_reasons is None:
                first_reasons = reasons
        for message in first_reasons or []:
            self._problem(message)
        return []

    def _days_windows(
        self, days: Sequence[date], hours: Sequence[_Hours], exclusions: Sequence[_Clause], fragment: str
    ) -> list[Interval]:
        found, reasons = self._clause_windows(days, hours, exclusions, fragment)
        if not found and reasons:
            self._problem(reasons[0])  # why nothing is left; when some is, the rest goes unsaid
        return found

    def _clause_windows(
        self,
        days: Sequence[date],
        hours: Sequence[_Hours],
        exclusions: Sequence[_Clause],
        fragment: str,
    ) -> tuple[list[Interval], list[str]]:
        """The usable windows of days × hours, and why the others are not."""
        found: list[Interval] = []
        reasons: list[str] = []
        for d in days:
            excluded, minus = self._excluded(d, exclusions)
            if excluded:
                continue
            for h in hours:
                for low, high in _subtract(h, minus, self.need):
                    try:
                        window = self._window(d, h, low, high)
                    except Refusal as refusal:  # a DST gap or fold: always worth saying
                        self._problem(refusal.message)
                        continue
                    usable = self._usable(window, h, fragment)
                    if isinstance(usable, Interval):
                        found.append(usable)
                    else:
                        reasons.append(usable)
        return found, reasons

    def _window(self, d: date, h: _Hours, low: int, high: int) -> Interval:
        start = self._instant(d, low, h.explicit_low, "start")
        if h.point:
            return Interval(start, start + (self.duration or DEFAULT_DURATION))
        end = self._instant(d, high, h.explicit_high, "end")
        if end <= start:
            raise Refusal(f"{format_local(start, self.zone_name)} leaves no time on that day.")
        return Interval(start, end)

    def _instant(self, d: date, minutes: int, explicit: bool, which: Literal["start", "end"]) -> datetime:
        day = d + timedelta(days=minutes // MIDNIGHT)
        wall = datetime.combine(day, time((minutes % MIDNIGHT) // 60, minutes % 60))
        result = wall_to_utc(wall, self.tz)
        if isinstance(result, datetime):
            return result
        if explicit:
            error: DomainError
            if result == "gap":
                error = NonexistentLocalTime(day, wall.time(), self.zone_name)
            else:
                error = AmbiguousLocalTime(day, wall.time(), self.zone_name)
            raise Refusal(error.message)
        # A bound the person did not type (the start of their day, midnight): the instant just
        # after a gap; the wider reading of a fold.
        fold = 0 if which == "start" or result == "gap" else 1
        return wall.replace(tzinfo=self.tz, fold=fold).astimezone(UTC)

    def _usable(self, window: Interval, h: _Hours, fragment: str) -> Interval | str:
        """``window`` cut at ``now``, or why it cannot be offered (in the past, too short)."""
        start = self._from_now()
        if window.end <= start or (h.point and window.start < self.now):
            shown = (
                format_local(window.start, self.zone_name)
                if h.point
                else format_local_range(window, self.zone_name)
            )
            return f'"{fragment}" is in the past ({shown}).'
        if window.start < start:
            window = Interval(start, window.end)
        if self.duration is not None and window.duration < self.duration:
            minutes = int(self.duration.total_seconds() // 60)
            return (
                f'"{fragment}" leaves less than {minutes} minutes '
                f"({format_local_range(window, self.zone_name)})."
            )
        return window

    def _from_now(self) -> datetime:
        """``now`` rounded up to the minute: where a window under way is cut."""
        rounded = self.now.replace(second=0, microsecond=0)
        return rounded if rounded == self.now else rounded + timedelta(minutes=1)


def _subtract(h: _Hours, minus: Sequence[tuple[int, int]], need: int) -> list[tuple[int, int]]:
    """The hours of ``h`` outside ``minus`` (a start time inside an excluded range is dropped)."""
    if h.point:
        if any(low <= h.low < high for low, high in minus):
            return []
        return [(h.low, h.low + need)]
    pieces = [(h.low, h.high)]
    for low, high in minus:
        next_pieces = []
        for a, b in pieces:
            if high <= a or b <= low:
                next_pieces.append((a, b))
                continue
            if a < low:
                next_pieces.append((a, low))
            if high < b:
                next_pieces.append((high, b))
        pieces = next_pieces
    return pieces
