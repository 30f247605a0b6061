"""Properties of open times on random pages, near real DST changes in zones chosen to be awkward:
the list and the re-check at commit agree both ways, no time meets a buffered booking, paging
loses and repeats nothing, panel times are exactly those every required interviewer accepts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.availability import Host, check_joint_time, check_open_time, joint_open_times, open_times
from scheduling.intervals import Interval
from scheduling.pages import BookingPage, PageRules, WeeklyHours, Window
from tests.scheduling.builders import ADELAIDE, KOLKATA, LONDON, NEW_YORK, PHOENIX, utc

ZONES = [
    LONDON,
    NEW_YORK,
    KOLKATA,
    ADELAIDE,
    PHOENIX,
    "America/Santiago",  # clocks go back at midnight: the repeated hour starts the next day
    "Australia/Lord_Howe",  # changes by 30 minutes
    "Pacific/Chatham",  # +12:45 / +13:45
    "Asia/Kathmandu",  # +05:45
    "Africa/Casablanca",  # DST suspended for Ramadan: two changes a month apart
]
# Near the 2026 changes of those zones, so most examples cross one.
CHANGES = [
    utc(2026, 3, 8),
    utc(2026, 3, 29),
    utc(2026, 4, 5),
    utc(2026, 4, 4),
    utc(2026, 9, 6),
    utc(2026, 10, 4),
    utc(2026, 10, 25),
    utc(2026, 11, 1),
    utc(2026, 2, 15),
    utc(2026, 3, 22),
]
QUARTER = timedelta(minutes=15)

# Every zone above is a whole number of quarter hours from UTC and every step a multiple of 15
# minutes, so every possible start lies on a UTC quarter hour.
STEPS = st.sampled_from([15, 30, 60])


@st.composite
def windows(draw: st.DrawFn) -> tuple[Window, ...]:
    """Up to three windows on quarter hours, in order; some touch, some end at 24:00."""
    result: list[Window] = []
    cursor = draw(st.integers(0, 95))  # in quarter hours
    for _ in range(draw(st.integers(0, 3))):
        end = min(96, cursor + draw(st.integers(1, 40)))
        result.append(Window(_wall(cursor * 15), _wall(end * 15)))
        cursor = end + draw(st.sampled_from([0, 0, 1, 4, 12]))
        if cursor >= 96:
            break
    return tuple(result)


def _wall(minute: int) -> time:
    return time(0) if minute == 1440 else time(minute // 60, minute % 60)


@st.composite
def pages(draw: st.DrawFn) -> BookingPage:
    weekly = WeeklyHours(**{day: draw(windows()) for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    durations = draw(st.sets(st.sampled_from([15, 30, 45, 60, 90]), min_size=1, max_size=3))
    overrides: dict[date, tuple[Window, ...]] = {}
    if draw(st.booleans()):
        anchor = draw(st.sampled_from(CHANGES)).date()
        overrides[anchor + timedelta(days=draw(st.integers(-2, 1)))] = draw(windows())
    if not any(weekly.on(i) for i in range(7)) and not any(overrides.values()):
        weekly = WeeklyHours(mon=(Window(_wall(540), _wall(1020)),))
    return BookingPage(
        zone=draw(st.sampled_from(ZONES)),
        weekly=weekly,
        overrides=overrides,
        rules=PageRules(
            durations_minutes=tuple(sorted(durations)),
            buffer_before_minutes=draw(st.sampled_from([0, 0, 5, 10, 30])),
            buffer_after_minutes=draw(st.sampled_from([0, 0, 5, 15, 45])),
            min_notice_minutes=draw(st.sampled_from([0, 0, 30, 90, 600])),
            horizon_days=draw(st.integers(1, 3)),
            max_per_day=draw(st.sampled_from([None, None, 1, 2, 3])),
            step_minutes=draw(STEPS),
        ),
    )


@st.composite
def blocks(draw: st.DrawFn, around: datetime) -> list[Interval]:
    result = []
    for _ in range(draw(st.integers(0, 8))):
        start = around + timedelta(minutes=draw(st.integers(-24 * 60, 4 * 24 * 60)))
        result.append(Interval(start, start + timedelta(minutes=draw(st.integers(5, 180)))))
    return result


@st.composite
def situations(draw: st.DrawFn) -> tuple[BookingPage, timedelta, list[Interval], list[Interval], datetime]:
    page = draw(pages())
    duration = timedelta(minutes=draw(st.sampled_from(page.rules.durations_minutes)))
    now = draw(st.sampled_from(CHANGES)) + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 24 * 60)))
    return page, duration, draw(blocks(now)), draw(blocks(now)), now


def candidates(now: datetime, horizon: timedelta) -> list[datetime]:
    first = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    count = int((horizon + 2 * QUARTER) / QUARTER)
    return [first + i * QUARTER for i in range(count)]


@settings(database=None, max_examples=150, deadline=None)
@given(situations())
def test_open_times_are_exactly_the_times_a_pick_would_accept(
    situation: tuple[BookingPage, timedelta, list[Interval], list[Interval], datetime],
) -> None:
    page, duration, busy, booked, now = situation
    listed = [t.start for t in open_times(page, duration, busy, booked, now)]
    accepted = [
        start
        for start in candidates(now, page.rules.horizon)
        if check_open_time(page, Interval(start, start + duration), busy, booked, now) is None
    ]
    assert listed == accepted


@settings(database=None, max_examples=150, deadline=None)
@given(situations())
def test_no_open_time_meets_a_buffered_booking_or_busy_time(
    situation: tuple[BookingPage, timedelta, list[Interval], list[Interval], datetime],
) -> None:
    page, duration, busy, booked, now = situation
    rules = page.rules
    for listed in open_times(page, duration, busy, booked, now):
        assert listed.duration == duration
        assert not any(listed.overlaps(b.expanded(rules.buffer_before, rules.buffer_after)) for b in booked)
        assert not any(listed.overlaps(b.expanded(rules.gap, rules.gap)) for b in booked)
        assert not any(listed.expanded(rules.buffer_before, rules.buffer_after).overlaps(b) for b in busy)
        assert now + rules.min_notice <= listed.start <= now + rules.horizon


@settings(database=None, max_examples=80, deadline=None)
@given(situations(), st.integers(1, 9))
def test_paging_with_the_cursor_loses_and_repeats_nothing(
    situation: tuple[BookingPage, timedelta, list[Interval], list[Interval], datetime], size: int
) -> None:
    page, duration, busy, booked, now = situation
    full = open_times(page, duration, busy, booked, now)
    paged: list[Interval] = []
    cursor: datetime | None = None
    for _ in range(len(full) + 1):  # bounded: a cursor that does not move fails instead of hanging
        chunk = open_times(page, duration, busy, booked, now, starting_after=cursor, limit=size)
        paged.extend(chunk)
        if len(chunk) < size:
            break
        cursor = chunk[-1].start
    assert paged == full


@st.composite
def panels(draw: st.DrawFn) -> tuple[list[Host], list[Host], timedelta, datetime]:
    length = draw(st.sampled_from([30, 60]))
    now = draw(st.sampled_from(CHANGES)) + timedelta(minutes=draw(st.integers(-2 * 24 * 60, 24 * 60)))
    count = draw(st.integers(2, 4))
    split = draw(st.integers(1, count))  # the first ``split`` are required
    hosts = []
    for i in range(count):
        page = draw(pages())
        rules = page.rules
        # Every required interviewer offers the length; optional ones may not.
        durations = tuple(sorted({*rules.durations_minutes, length})) if i < split else rules.durations_minutes
        page = BookingPage(
            zone=page.zone,
            weekly=page.weekly,
            overrides=page.overrides,
            rules=PageRules(**{**rules.to_dict(), "durations_minutes": durations}),
        )
        hosts.append(Host(f"host-{i}", page, draw(blocks(now)), draw(blocks(now))))
    return hosts[:split], hosts[split:], timedelta(minutes=length), now


@settings(database=None, max_examples=100, deadline=None)
@given(panels())
def test_panel_times_are_exactly_those_every_required_interviewer_accepts(
    panel: tuple[list[Host], list[Host], timedelta, datetime],
) -> None:
    required, optional, duration, now = panel
    joint = joint_open_times(required, optional, duration, now)
    horizon = max(h.page.rules.horizon for h in required)
    accepted = [
        start
        for start in candidates(now, horizon)
        if check_joint_time(required, Interval(start, start + duration), now) is None
    ]
    assert [t.start for t in joint] == accepted
    for found in joint:
        # An optional interviewer is listed exactly when the time is open for them too.
        free = tuple(h.key for h in optional if check_joint_time([required[0], h], found.slot, now) is None)
        assert found.optional == free
