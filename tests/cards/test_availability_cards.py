"""The availability card: valid Adaptive Card 1.5 that reads on a phone, the client's page and its
next open times in their own zone, a form filled from the page, each problem under its field with
what was typed kept, and a submit carrying the interview and the version read."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any

import pytest

import cards
from cards.availability_cards import (
    AVAILABILITY_FIELDS,
    SAVE_AVAILABILITY_BUTTON,
    availability_card,
    availability_problems_text,
    page_values,
)
from scheduling.intervals import Interval
from scheduling.pages import BookingPage, PageRules, WeeklyHours, Window
from scheduling.zones import format_local_range
from tests.cards.test_phone_layout import PHONE_BUTTON_CHARACTERS
from tests.helpers.cards import T0, actions_of, all_text, inputs_of, submits, walk

PAGE = BookingPage(
    zone="Europe/London",
    weekly=WeeklyHours.uniform(Window(time(9), time(12)), Window(time(13), time(17)), days=(0, 2, 4)),
    rules=PageRules(durations_minutes=(30, 60), buffer_before_minutes=10, buffer_after_minutes=10,
                    min_notice_minutes=90, horizon_days=30, max_per_day=3),
    version=4,
)
# Different hours on different days, a window to midnight, unequal buffers and a day off.
ODD = BookingPage(
    zone="America/St_Johns",
    weekly=WeeklyHours(mon=(Window(time(9), time(12)),), sat=(Window(time(20), time(0)),)),
    overrides={date(2026, 12, 24): ()},
    rules=PageRules(durations_minutes=(50,), buffer_before_minutes=5, buffer_after_minutes=15,
                    min_notice_minutes=0, horizon_days=14, max_per_day=None),
    version=2,
)
PREVIEW = [Interval(T0 + timedelta(days=d, hours=h), T0 + timedelta(days=d, hours=h, minutes=30))
           for d in (1, 3) for h in (0, 1)]
BAD_VALUES = {
    "action": "set_availability", "interview_id": "iv-123", "version": "4",
    "days": "mon,wed", "window_1_start": "17:00", "window_1_end": "09:00",
    "durations": "30", "buffer_minutes": "lots", "notice_hours": "2.5", "horizon_days": "30",
    "max_per_day": "", "zone": "Asia/Kathmandu",
}
BAD_ERRORS = {
    "window_1": "it ends at 09:00, which is not after its start at 17:00",
    "buffer_minutes": "“lots” is not a whole number of minutes",
    "page": "overrides[2026-12-24]: something the form does not show",
}

CASES: list[tuple[str, Callable[[], dict[str, Any]]]] = [
    ("no-page", lambda: availability_card(None, None, [], "Europe/London", interview_id="iv-123")),
    ("page-and-preview", lambda: availability_card(PAGE, 4, PREVIEW, "Asia/Kolkata", interview_id="iv-123")),
    ("page-without-open-times", lambda: availability_card(PAGE, 4, [], "Europe/London",
                                                          interview_id="iv-123")),
    ("odd-page", lambda: availability_card(ODD, 2, PREVIEW[:1], "America/St_Johns", interview_id="iv-123")),
    ("errors-kept-values", lambda: availability_card(PAGE, 4, PREVIEW, "Europe/London", values=BAD_VALUES,
                                                     errors=BAD_ERRORS, interview_id="iv-123")),
]
IDS = [c[0] for c in CASES]
BUILDERS = [c[1] for c in CASES]


@pytest.mark.parametrize("build", BUILDERS, ids=IDS)
def test_the_availability_card_is_valid_adaptive_card_1_5(
    build: Callable[[], dict[str, Any]], validate: Callable[[dict[str, Any]], None]
) -> None:
    card = build()
    assert card["version"] == "1.5"
    validate(card)


@pytest.mark.parametrize("build", BUILDERS, ids=IDS)
def test_it_keeps_the_house_rules_of_every_card(build: Callable[[], dict[str, Any]]) -> None:
    card = build()
    assert actions_of(card, "Action.Execute") == [] and not any("msteams" in n for n in walk(card))
    for node in walk(card):
        if node.get("type") == "TextBlock":
            assert node.get("wrap") is True, node
        if node.get("isRequired"):
            assert node.get("errorMessage"), node
        if str(node.get("type", "")).startswith("Input."):
            assert node.get("id") and node.get("label"), node
    assert len(json.dumps(card).encode()) < cards.TEAMS_MAX_CARD_BYTES
    # On a phone: no squeezed FactSet, no button wider than the screen shows.
    assert not [n for n in walk(card) if n.get("type") == "FactSet"]
    assert all(len(a["title"]) <= PHONE_BUTTON_CHARACTERS for a in actions_of(card))


@pytest.mark.parametrize(("build", "version"), [(BUILDERS[0], "0"), (BUILDERS[1], "4"), (BUILDERS[3], "2")],
                         ids=["no-page", "version-4", "version-2"])
def test_it_submits_set_availability_with_the_interview_and_the_version_read(
    build: Callable[[], dict[str, Any]], version: str
) -> None:
    card = build()
    assert submits(card) == [{"action": "set_availability", "interview_id": "iv-123", "version": version}]
    [button] = actions_of(card, "Action.Submit")
    assert button["title"] == SAVE_AVAILABILITY_BUTTON


def test_it_shows_the_page_and_the_next_open_times_in_the_readers_zone() -> None:
    card = availability_card(PAGE, 4, PREVIEW, "Asia/Kolkata", interview_id="iv-123")
    shown = all_text(card)
    assert "version 4" in shown
    for line in PAGE.describe():
        assert cards.md(line) in shown
    assert "a 30-minute interview, in your time zone" in shown  # the page's shortest length
    for interval in PREVIEW:
        assert format_local_range(interval, "Asia/Kolkata") in shown
    assert format_local_range(PREVIEW[0], "Europe/London") not in shown


def test_with_no_page_it_says_so_and_offers_weekday_office_hours_in_the_readers_zone() -> None:
    card = availability_card(None, None, [], "Asia/Kolkata", interview_id="iv-123")
    assert "no booking page yet" in all_text(card)
    inputs = inputs_of(card)
    assert inputs["days"]["value"] == "mon,tue,wed,thu,fri" and inputs["days"]["isMultiSelect"] is True
    assert (inputs["window_1_start"]["value"], inputs["window_1_end"]["value"]) == ("09:00", "17:00")
    assert "value" not in inputs["window_2_start"] and not inputs["window_2_start"].get("isRequired")
    assert inputs["zone"]["value"] == "Asia/Kolkata"
    assert inputs["durations"]["value"] == "30,45,60" and inputs["notice_hours"]["value"] == 24


def test_the_form_is_filled_from_the_page() -> None:
    inputs = inputs_of(availability_card(PAGE, 4, PREVIEW, "Asia/Kolkata", interview_id="iv-123"))
    assert inputs["days"]["value"] == "mon,wed,fri"
    assert [inputs[f"window_{i}_{end}"]["value"] for i in (1, 2) for end in ("start", "end")] == [
        "09:00", "12:00", "13:00", "17:00"]
    assert inputs["durations"]["value"] == "30,60"
    assert (inputs["buffer_minutes"]["value"], inputs["notice_hours"]["value"],
            inputs["horizon_days"]["value"], inputs["max_per_day"]["value"]) == (10, 1.5, 30, 3)
    assert inputs["zone"]["value"] == "Europe/London"  # the page's zone, not the reader's


def test_what_the_form_cannot_show_as_it_is_is_said() -> None:
    card = availability_card(ODD, 2, [], "America/St_Johns", interview_id="iv-123")
    shown = all_text(card)
    assert "same hours on every chosen day" in shown and "dates set apart" in shown
    inputs = inputs_of(card)
    assert inputs["window_1_end"]["value"] == "12:00"  # the first working day's windows
    assert inputs["days"]["value"] == "mon,sat"
    assert "50" in [c["value"] for c in inputs["durations"]["choices"]]  # the page's own length kept
    assert page_values(ODD, "UTC")["buffer_minutes"] == "15"  # the larger buffer, so no gap shrinks
    midnight = BookingPage(zone="UTC", weekly=WeeklyHours(sat=(Window(time(20), time(0)),)))
    assert page_values(midnight, "UTC")["window_1_end"] == "00:00"  # a time input's midnight
    assert "same hours" not in all_text(availability_card(PAGE, 4, [], "UTC", interview_id="iv-123"))


def test_each_problem_is_shown_under_its_field_and_what_was_typed_is_kept() -> None:
    card = availability_card(PAGE, 4, PREVIEW, "Europe/London", values=BAD_VALUES, errors=BAD_ERRORS,
                             interview_id="iv-123")
    [form] = [n for n in card["body"] if n.get("type") == "Container" and n.get("separator")]
    items = form["items"]

    def after(input_ids: set[str]) -> str:
        at = max(i for i, n in enumerate(items) if input_ids & {m.get("id") for m in walk(n)})
        [run] = items[at + 1]["inlines"]
        assert run["color"] == "Attention"
        return str(run["text"])

    assert after({"window_1_start", "window_1_end"}) == BAD_ERRORS["window_1"]
    assert after({"buffer_minutes"}).startswith(BAD_ERRORS["buffer_minutes"])
    top = all_text({"body": items[:4]})
    assert "Nothing was saved" in top and BAD_ERRORS["page"] in top  # no field of its own: on top
    inputs = inputs_of(card)
    assert (inputs["window_1_start"]["value"], inputs["window_1_end"]["value"]) == ("17:00", "09:00")
    assert inputs["days"]["value"] == "mon,wed" and inputs["zone"]["value"] == "Asia/Kathmandu"
    assert inputs["notice_hours"]["value"] == 2.5
    assert "value" not in inputs["buffer_minutes"]  # not a number: the reason quotes it instead
    assert submits(card)[0]["version"] == "4"


def test_the_chat_line_names_each_field_and_reads_typed_text_literally() -> None:
    said = availability_problems_text({"window_1": "it ends at 09:00", "zone": "“[x](https://e.example)” is unknown"})
    assert said.startswith("Nothing was saved.")
    assert f"{AVAILABILITY_FIELDS['window_1']}: it ends at 09:00" in said
    assert "\\[x\\]\\(https://e.example\\)" in said  # no link
