"""dialogs.forms for the availability card: the inputs read as a booking page's plain-dict form
(what the form does not show kept from the current page), the form's own mistakes named by input,
and the domain's problems put on the inputs they belong to."""

from __future__ import annotations

import dataclasses
from datetime import date, time
from typing import Any

import pytest

from cards.availability_cards import page_values
from dialogs.forms import (
    availability_problems,
    availability_version,
    parse_availability,
)
from scheduling.pages import BookingPage, InvalidPage, PageRules, WeeklyHours, Window
from services import InvalidRequest

PAGE = BookingPage(
    zone="Europe/London",
    weekly=WeeklyHours.uniform(Window(time(9), time(12)), Window(time(13), time(17)), days=(0, 2, 4)),
    overrides={date(2026, 12, 24): (), date(2026, 12, 23): (Window(time(9), time(11)),)},
    rules=PageRules(durations_minutes=(30, 60), buffer_before_minutes=10, buffer_after_minutes=10,
                    min_notice_minutes=90, horizon_days=30, max_per_day=3, step_minutes=15),
    version=4,
)
GOOD = {"days": "tue,thu", "window_1_start": "08:30", "window_1_end": "12:00", "window_2_start": "",
        "window_2_end": "", "durations": "45", "buffer_minutes": "5", "notice_hours": "48",
        "horizon_days": "20", "max_per_day": "", "zone": "Asia/Kolkata", "version": "4"}


def problems_of(values: dict[str, Any], keep: BookingPage | None = PAGE) -> dict[str, str]:
    with pytest.raises(InvalidRequest) as raised:
        parse_availability(values, keep=keep)
    return raised.value.problems


def test_the_form_filled_from_a_page_reads_back_as_that_page() -> None:
    data = parse_availability(page_values(PAGE, "UTC"), keep=PAGE)
    assert dataclasses.replace(BookingPage.from_dict(data), version=4) == PAGE


def test_a_changed_form_is_the_new_page_with_the_dates_set_apart_and_the_step_kept() -> None:
    page = BookingPage.from_dict(parse_availability(GOOD, keep=PAGE))
    assert page.zone == "Asia/Kolkata"
    assert page.weekly == WeeklyHours(tue=(Window(time(8, 30), time(12)),), thu=(Window(time(8, 30), time(12)),))
    assert page.overrides == PAGE.overrides  # not on the form: never dropped by saving it
    assert page.rules == PageRules(durations_minutes=(45,), buffer_before_minutes=5, buffer_after_minutes=5,
                                   min_notice_minutes=48 * 60, horizon_days=20, max_per_day=None,
                                   step_minutes=15)
    first = BookingPage.from_dict(parse_availability(GOOD, keep=None))
    assert first.overrides == {} and first.rules.step_minutes == PageRules().step_minutes


def test_an_end_of_midnight_and_half_hours_of_notice_read_as_meant() -> None:
    data = parse_availability({**GOOD, "window_1_start": "20:00", "window_1_end": "00:00",
                               "notice_hours": "1.5"}, keep=None)
    assert data["weekly"]["tue"] == [{"start": "20:00", "end": "24:00"}]
    assert data["rules"]["min_notice_minutes"] == 90
    assert BookingPage.from_dict(data).weekly.tue == (Window(time(20), time(0)),)


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"window_1_start": "17:00", "window_1_end": "09:00"}, "window_1", "not after its start at 17:00"),
        ({"window_1_start": "09:00", "window_1_end": "09:00"}, "window_1", "not after its start"),
        ({"window_2_start": "13:00"}, "window_2", "needs an end too"),
        ({"window_1_start": "", "window_1_end": ""}, "window_1", "give the hours"),
        ({"window_1_start": "9am"}, "window_1", "use times such as 09:00"),
        ({"days": ""}, "days", "at least one weekday"),
        ({"days": "mon,funday"}, "days", "Monday to Sunday"),
        ({"durations": ""}, "durations", "at least one interview length"),
        ({"durations": "30,abc"}, "durations", "from the list"),
        ({"buffer_minutes": "lots"}, "buffer_minutes", "“lots” is not a whole number of minutes"),
        ({"notice_hours": "-1"}, "notice_hours", "not a number of hours"),
        ({"notice_hours": "3000"}, "notice_hours", "0 to 2160 hours"),
        ({"horizon_days": ""}, "horizon_days", "how many days ahead"),
        ({"horizon_days": "2.5"}, "horizon_days", "not a whole number of days"),
        ({"max_per_day": "0"}, "max_per_day", "empty for no limit"),
    ],
    ids=["end-before-start", "end-at-start", "half-a-window", "no-window", "not-a-time", "no-days",
         "unknown-day", "no-length", "odd-length", "buffer-not-a-number", "negative-notice",
         "notice-too-long", "no-horizon", "fractional-horizon", "no-cap-of-zero"],
)
def test_the_forms_own_mistakes_are_named_by_input(change: dict[str, str], field: str, says: str) -> None:
    problems = problems_of({**GOOD, **change})
    assert says in problems[field], problems
    assert set(problems) == {field}


def test_every_mistake_of_the_form_is_named_at_once() -> None:
    problems = problems_of({**GOOD, "days": "", "window_1_end": "07:00", "buffer_minutes": "x"})
    assert set(problems) == {"days", "window_1", "buffer_minutes"}


def test_what_the_domain_refuses_is_put_on_the_inputs_it_belongs_to() -> None:
    data = parse_availability(
        {**GOOD, "window_2_start": "11:00", "window_2_end": "13:00", "buffer_minutes": "500",
         "horizon_days": "1", "zone": "Mars/Olympus"},
        keep=None,
    )
    with pytest.raises(InvalidPage) as raised:
        BookingPage.from_dict(data)
    problems = availability_problems(raised.value.problems)
    assert set(problems) == {"window_2", "buffer_minutes", "horizon_days", "zone"}, problems
    assert "overlaps 08:30–12:00" in problems["window_2"]  # named once, not once a day
    assert "beyond the minimum notice" in problems["horizon_days"]
    assert availability_problems({"rules.step_minutes": "must divide a day"}) == {
        "page": "rules.step_minutes: must divide a day"}
    assert availability_problems({"weekly": "set at least one window"}) == {"days": "set at least one window"}


@pytest.mark.parametrize(("sent", "read"), [("4", 4), ("0", 0), ("", None), ("v4", None), (None, None)])
def test_the_version_read_is_a_whole_number_or_none(sent: str | None, read: int | None) -> None:
    assert availability_version({"version": sent}) == read
