"""Booking pages: every bad field named, the plain-dict form read strictly, today's rules derived."""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import date, time, timedelta
from typing import Any

import pytest

from scheduling.errors import InvalidRules
from scheduling.pages import BookingPage, DurationNotOffered, InvalidPage, PageRules, WeeklyHours, Window
from scheduling.rules import BookingRules, RefusalReason, SlotRequest, check_offered_slots
from tests.scheduling.builders import LONDON, page, slot, utc, window

CHRISTMAS = date(2025, 12, 25)
CHRISTMAS_EVE = date(2025, 12, 24)
LUNCH_BREAK = WeeklyHours.uniform(window("09:00", "12:00"), window("13:00", "17:00"))


# --- validation: a reason per bad field, all of them at once -----------------------------------


def build(**changes: Any) -> BookingPage:
    fields: dict[str, Any] = {"zone": LONDON, "weekly": LUNCH_BREAK, "overrides": {}, "rules": PageRules()}
    fields.update(changes)
    return BookingPage(**fields)


@pytest.mark.parametrize(
    ("changes", "path", "must_say"),
    [
        ({"zone": "Mars/Base"}, "zone", "Mars/Base"),
        ({"zone": ""}, "zone", "IANA"),
        ({"weekly": WeeklyHours(mon=(window("12:00", "09:00"),))}, "weekly.mon[0]", "end after it starts"),
        (
            {"weekly": WeeklyHours(tue=(window("09:00", "12:00"), window("11:00", "13:00")))},
            "weekly.tue[1]",
            "overlaps 09:00–12:00",
        ),
        (
            {"weekly": WeeklyHours(wed=(window("13:00", "17:00"), window("09:00", "12:00")))},
            "weekly.wed[1]",
            "after 13:00–17:00",
        ),
        ({"weekly": WeeklyHours(thu=(Window(time(9, 0, 30), time(10)),))}, "weekly.thu[0]", "whole minutes"),
        ({"weekly": WeeklyHours(fri=("09:00–17:00",))}, "weekly.fri[0]", "a window"),  # type: ignore[arg-type]
        ({"weekly": WeeklyHours(), "overrides": {}}, "weekly", "at least one window"),
        (
            {"overrides": {CHRISTMAS_EVE: (window("12:00", "09:00"),)}},
            "overrides[2025-12-24][0]",
            "end after it starts",
        ),
        ({"rules": PageRules(durations_minutes=())}, "rules.durations_minutes", "at least one"),
        ({"rules": PageRules(durations_minutes=(30, 30))}, "rules.durations_minutes[1]", "twice"),
        ({"rules": PageRules(durations_minutes=(3,))}, "rules.durations_minutes[0]", "5 to 480"),
        ({"rules": PageRules(buffer_before_minutes=-5)}, "rules.buffer_before_minutes", "0 to 240"),
        ({"rules": PageRules(buffer_after_minutes=300)}, "rules.buffer_after_minutes", "0 to 240"),
        ({"rules": PageRules(min_notice_minutes=-1)}, "rules.min_notice_minutes", "from 0"),
        (
            {"rules": PageRules(min_notice_minutes=2 * 24 * 60, horizon_days=2)},
            "rules.horizon_days",
            "beyond the minimum notice (48 hours)",
        ),
        ({"rules": PageRules(horizon_days=0)}, "rules.horizon_days", "1 to 365"),
        ({"rules": PageRules(max_per_day=0)}, "rules.max_per_day", "null for no cap"),
        ({"rules": PageRules(step_minutes=7)}, "rules.step_minutes", "divide a day evenly"),
        ({"rules": PageRules(step_minutes=True)}, "rules.step_minutes", "divide a day"),
        ({"version": 0}, "version", "from 1 up"),
    ],
    ids=[
        "unknown zone",
        "empty zone",
        "window ends before it starts",
        "windows overlap",
        "windows out of order",
        "seconds in a time",
        "text instead of a window",
        "no window anywhere",
        "bad window in an override",
        "no duration",
        "duration listed twice",
        "duration too short",
        "negative buffer",
        "buffer too long",
        "negative notice",
        "horizon within the notice",
        "zero horizon",
        "cap of zero",
        "step that does not divide a day",
        "a boolean step",
        "version zero",
    ],
)
def test_a_bad_field_is_named_with_its_reason(changes: dict[str, Any], path: str, must_say: str) -> None:
    with pytest.raises(InvalidPage) as raised:
        build(**changes)
    assert list(raised.value.problems) == [path]
    assert must_say in raised.value.problems[path]
    assert path in raised.value.message


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidPage) as raised:
        build(
            zone="Europe/Londn",
            weekly=WeeklyHours(mon=(window("09:00", "12:00"), window("10:00", "11:00"))),
            overrides={CHRISTMAS: (window("10:00", "09:00"),)},
            rules=PageRules(step_minutes=7, max_per_day=0),
        )
    assert set(raised.value.problems) == {
        "zone",
        "weekly.mon[1]",
        "overrides[2025-12-25][0]",
        "rules.max_per_day",
        "rules.step_minutes",
    }


@pytest.mark.parametrize(
    "weekly",
    [
        WeeklyHours(mon=(window("09:00", "12:00"), window("12:00", "17:00"))),
        WeeklyHours(sat=(window("18:00", "24:00"),)),
        WeeklyHours(sun=(window("00:00", "24:00"),)),
    ],
    ids=["touching windows", "until 24:00", "the whole day"],
)
def test_windows_that_touch_or_end_at_midnight_are_fine(weekly: WeeklyHours) -> None:
    assert build(weekly=weekly).weekly == weekly


def test_a_page_with_only_date_overrides_is_fine() -> None:
    only_dates = build(weekly=WeeklyHours(), overrides={CHRISTMAS_EVE: (window("09:00", "12:00"),)})
    assert only_dates.wall_windows(CHRISTMAS_EVE) == (window("09:00", "12:00"),)
    assert only_dates.wall_windows(CHRISTMAS) == ()


# --- the plain-dict form -----------------------------------------------------------------------

RICH = BookingPage(
    zone=LONDON,
    weekly=WeeklyHours(
        mon=(window("09:00", "12:00"), window("13:00", "17:00")),
        wed=(window("10:00", "16:00"),),
        fri=(window("18:00", "24:00"),),
    ),
    overrides={CHRISTMAS: (), CHRISTMAS_EVE: (window("09:00", "12:00"),)},
    rules=PageRules(
        durations_minutes=(30, 60),
        buffer_before_minutes=10,
        buffer_after_minutes=5,
        min_notice_minutes=120,
        horizon_days=30,
        max_per_day=4,
        step_minutes=15,
    ),
    version=3,
)

RICH_DICT: dict[str, Any] = {
    "zone": "Europe/London",
    "weekly": {
        "mon": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}],
        "tue": [],
        "wed": [{"start": "10:00", "end": "16:00"}],
        "thu": [],
        "fri": [{"start": "18:00", "end": "24:00"}],
        "sat": [],
        "sun": [],
    },
    "overrides": {"2025-12-24": [{"start": "09:00", "end": "12:00"}], "2025-12-25": []},
    "rules": {
        "durations_minutes": [30, 60],
        "buffer_before_minutes": 10,
        "buffer_after_minutes": 5,
        "min_notice_minutes": 120,
        "horizon_days": 30,
        "max_per_day": 4,
        "step_minutes": 15,
    },
    "version": 3,
}


def test_a_page_becomes_the_documented_json_and_comes_back_equal() -> None:
    assert RICH.to_dict() == RICH_DICT
    through_json = json.loads(json.dumps(RICH.to_dict()))
    assert BookingPage.from_dict(through_json) == RICH
    assert hash(BookingPage.from_dict(through_json)) == hash(RICH)


def test_left_out_parts_take_their_defaults() -> None:
    read = BookingPage.from_dict({"zone": LONDON, "weekly": {"mon": [{"start": "09:00", "end": "17:00"}]}})
    assert read == BookingPage(zone=LONDON, weekly=WeeklyHours(mon=(window("09:00", "17:00"),)))
    assert read.rules == PageRules()
    assert read.version is None


def with_change(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = deepcopy(RICH_DICT)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "problem", "must_say"),
    [
        (("colour",), "blue", "colour", "unknown field"),
        (("weekly", "funday"), [], "weekly.funday", "mon, tue"),
        (("weekly", "mon", 0, "colour"), "red", "weekly.mon[0].colour", "start, end"),
        (("rules", "buffer_minutes"), 10, "rules.buffer_minutes", "unknown field"),
        (("weekly", "mon", 0, "start"), "9:00", "weekly.mon[0].start", "HH:MM"),
        (("weekly", "mon", 0, "start"), "24:00", "weekly.mon[0].start", "only end"),
        (("weekly", "mon", 0, "end"), "00:00", "weekly.mon[0].end", "24:00"),
        (("weekly", "mon", 0, "end"), "25:00", "weekly.mon[0].end", "not a time of day"),
        (("weekly", "mon", 0, "end"), _DELETE, "weekly.mon[0].end", "required"),
        (("weekly", "tue"), "09:00-17:00", "weekly.tue", "list of windows"),
        (("overrides", "25/12/2025"), [], "overrides[25/12/2025]", "YYYY-MM-DD"),
        (("overrides", "2025-02-30"), [], "overrides[2025-02-30]", "not a date"),
        (("rules", "horizon_days"), 10.0, "rules.horizon_days", "whole number"),
        (("rules", "max_per_day"), True, "rules.max_per_day", "null for no cap"),
        (("rules", "durations_minutes"), [30, "60"], "rules.durations_minutes[1]", "whole number"),
        (("rules", "durations_minutes"), 60, "rules.durations_minutes", "list"),
        (("zone",), _DELETE, "zone", "required"),
        (("zone",), 1, "zone", "IANA"),
        (("weekly",), _DELETE, "weekly", "required"),
        (("weekly",), [], "weekly", "mon to sun"),
        (("rules",), [], "rules", "object"),
        (("overrides",), [], "overrides", "map dates"),
        (("version",), "3", "version", "whole number"),
    ],
    ids=[
        "unknown top-level key",
        "unknown weekday",
        "unknown key in a window",
        "unknown rule (an old API name)",
        "hour without its zero",
        "24:00 as a start",
        "00:00 as an end",
        "hour 25",
        "window without an end",
        "a day as text",
        "date in another format",
        "date that does not exist",
        "number with a fraction",
        "boolean cap",
        "duration as text",
        "durations not a list",
        "no zone",
        "zone not text",
        "no weekly hours",
        "weekly hours as a list",
        "rules as a list",
        "overrides as a list",
        "version as text",
    ],
)
def test_a_bad_dict_is_refused_naming_the_field(
    path: tuple[Any, ...], value: Any, problem: str, must_say: str
) -> None:
    with pytest.raises(InvalidPage) as raised:
        BookingPage.from_dict(with_change(path, value))
    assert problem in raised.value.problems, raised.value.problems
    assert must_say in raised.value.problems[problem]


def test_a_bad_dict_lists_shape_and_rule_problems_together() -> None:
    data = with_change(("weekly", "mon", 0, "start"), "9am")
    data["rules"]["step_minutes"] = 7
    data["rules"]["surprise"] = 1
    data["weekly"]["wed"] = [{"start": "16:00", "end": "10:00"}]
    with pytest.raises(InvalidPage) as raised:
        BookingPage.from_dict(data)
    assert set(raised.value.problems) == {
        "weekly.mon[0].start",
        "weekly.wed[0]",
        "rules.surprise",
        "rules.step_minutes",
    }


def test_something_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidPage) as raised:
        BookingPage.from_dict(["zone", LONDON])
    assert list(raised.value.problems) == ["page"]


# --- a value ------------------------------------------------------------------------------------


def test_a_page_is_a_frozen_value() -> None:
    same = BookingPage(
        zone=" Europe/London ",
        weekly=WeeklyHours(
            mon=[window("09:00", "12:00"), window("13:00", "17:00")],  # type: ignore[arg-type]
            wed=(window("10:00", "16:00"),),
            fri=(window("18:00", "24:00"),),
        ),
        overrides={CHRISTMAS_EVE: (window("09:00", "12:00"),), CHRISTMAS: ()},
        rules=RICH.rules,
        version=3,
    )
    assert same == RICH
    assert hash(same) == hash(RICH)
    assert list(same.overrides) == [CHRISTMAS_EVE, CHRISTMAS]
    with pytest.raises(TypeError):
        same.overrides[CHRISTMAS] = (window("09:00", "10:00"),)  # type: ignore[index]
    assert same != BookingPage(zone=LONDON, weekly=RICH.weekly, overrides=RICH.overrides, rules=RICH.rules)


def test_a_page_describes_itself_for_a_card() -> None:
    assert RICH.describe() == [
        "Interviews of 30 or 60 minutes",
        "10 minutes free before each interview",
        "5 minutes free after each interview",
        "At least 2 hours' notice",
        "Up to 30 days ahead",
        "At most 4 interviews a day",
        "Start times every 15 minutes",
        "Hours Mon 09:00–12:00 and 13:00–17:00, Wed 10:00–16:00, Fri 18:00–24:00 Europe/London",
        "Days off: Thu 25 Dec 2025",
        "On Wed 24 Dec 2025: 09:00–12:00",
    ]


# --- today's callers: hand-offered slots under the page's rules --------------------------------

# Monday 1 December 2025, 08:00 GMT; a page with a lunch break, a late Friday and days apart.
MONDAY = utc(2025, 12, 1, 8)
HAND_OFFERED = page(
    weekly=WeeklyHours(
        mon=(window("09:00", "12:00"), window("13:00", "17:00")),
        fri=(window("18:00", "24:00"),),
    ),
    overrides={date(2025, 12, 8): (), date(2025, 12, 6): (window("10:00", "12:00"),)},
    durations_minutes=(30, 60),
    min_notice_minutes=60,
    buffer_after_minutes=15,
)


def offered(day: date, hour: int, minute: int = 0) -> SlotRequest:
    return SlotRequest(day, time(hour, minute), LONDON)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (offered(date(2025, 12, 1), 11), slot(utc(2025, 12, 1, 11))),
        (offered(date(2025, 12, 1), 11, 30), RefusalReason.OUTSIDE_WORKING_HOURS),
        (offered(date(2025, 12, 1), 12), RefusalReason.OUTSIDE_WORKING_HOURS),
        (offered(date(2025, 12, 1), 13), slot(utc(2025, 12, 1, 13))),
        (offered(date(2025, 12, 5), 23), slot(utc(2025, 12, 5, 23))),
        (offered(date(2025, 12, 6), 10), slot(utc(2025, 12, 6, 10))),
        (offered(date(2025, 12, 8), 10), RefusalReason.OUTSIDE_WORKING_HOURS),
        (offered(date(2025, 12, 1), 8, 30), RefusalReason.MIN_NOTICE),
    ],
    ids=[
        "before the lunch break",
        "running into the lunch break",
        "in the lunch break",
        "after the lunch break",
        "late Friday until 24:00",
        "Saturday opened by an override",
        "Monday closed by an override",
        "the page's notice",
    ],
)
def test_hand_offered_slots_follow_the_page(typed: SlotRequest, expected: object) -> None:
    rules = HAND_OFFERED.booking_rules(timedelta(minutes=60))
    check = check_offered_slots([typed], rules, (), MONDAY)
    got = check.accepted[0] if check.accepted else check.refused[0].reason
    assert got == expected


def test_hand_offered_rules_carry_the_page_and_say_its_hours() -> None:
    rules = HAND_OFFERED.booking_rules(timedelta(minutes=30))
    assert rules.duration == timedelta(minutes=30)
    assert rules.buffer_after == timedelta(minutes=15)
    assert rules.min_notice == timedelta(hours=1)
    assert rules.horizon == timedelta(days=60)
    assert rules.describe()[-1] == "Working hours Mon 09:00–12:00 and 13:00–17:00, Fri 18:00–24:00 Europe/London"
    (refused,) = check_offered_slots([offered(date(2025, 12, 1), 12)], rules, (), MONDAY).refused
    assert "Mon 09:00–12:00 and 13:00–17:00" in refused.message
    # The buffer after keeps 15 minutes free before a busy block.
    busy = [slot(utc(2025, 12, 1, 11, 40), 20)]
    (refused,) = check_offered_slots([offered(date(2025, 12, 1), 11)], rules, busy, MONDAY).refused
    assert refused.reason is RefusalReason.OVERLAPS_BOOKING


def test_a_length_the_page_does_not_offer_is_refused_with_the_choices() -> None:
    with pytest.raises(DurationNotOffered) as raised:
        HAND_OFFERED.booking_rules(timedelta(minutes=45))
    assert "30 or 60-minute interviews, not 45 minutes" in raised.value.message


def test_hand_offered_rules_keep_working_hours_and_page_apart() -> None:
    with pytest.raises(InvalidRules, match="not both"):
        BookingRules(zone=LONDON, working_hours={0: (time(8), time(9))}, hours=HAND_OFFERED)
    with pytest.raises(InvalidRules, match="must agree"):
        BookingRules(zone="Asia/Tokyo", working_hours={}, hours=HAND_OFFERED)
